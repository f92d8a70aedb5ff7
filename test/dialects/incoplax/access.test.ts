import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import {
  assertIncoplaxError, basic, BASE, createPoint, getPoint, listPoints, lookup, patchPoint, SEED_CONTENT_TYPE, SEED_CREATE, type Headers,
} from './support.ts'

reportSkippedPostgres()

/** Every operation of the resource on point `id`, as `headers`. */
function operations (hub: TestHub, id: string, headers: Headers) {
  const json = { ...headers, 'content-type': SEED_CONTENT_TYPE }
  return {
    create: () => hub.app.inject({ method: 'POST', url: BASE, headers: json, payload: JSON.stringify({ code: `c${Math.random()}`, type: 'public' }) }),
    list: () => hub.app.inject({ method: 'GET', url: BASE, headers }),
    get: () => hub.app.inject({ method: 'GET', url: `${BASE}/${id}`, headers }),
    patch: () => hub.app.inject({ method: 'PATCH', url: `${BASE}/${id}`, headers: json, payload: JSON.stringify({ opts: { title: 'x' } }) }),
    delete: () => hub.app.inject({ method: 'DELETE', url: `${BASE}/${id}`, headers }),
    lookup: () => lookup(hub, JSON.stringify(id), headers),
  }
}

// Issue 6: errors are {"error_code": 1000 + status, "error_message"}; permissions integration_points.*;
// DESIGN.md: Bearer or Basic <name>:<token>, .own scoping, 413 / 400 / 415 / 405 in the dialect's shape.
for (const engine of engines) {
  describe(`[${engine}] Incoplax integration points: authentication, permissions and errors`, () => {
    test('missing or invalid credentials answer 401 in the dialect\'s shape on every operation', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, SEED_CREATE)
      const user = await hub.userWith(['integration_points.*'], 'ops')
      for (const headers of [{}, { authorization: 'Bearer nope' }, basic('admin', 'nope'), basic('ops', 'wrong'), basic('admin', user.token)] as Headers[]) {
        for (const [name, run] of Object.entries(operations(hub, p.id, headers))) {
          assertIncoplaxError(await run(), 401, [], `${name} with ${JSON.stringify(headers)}`)
        }
      }
      assert.deepEqual(await getPoint(hub, p.id), p)
    })

    test('Bearer and Basic <name>:<token> both work', async (t) => {
      const hub = await startHub(t, engine)
      const user = await hub.userWith(['integration_points.*'], 'oktell')
      const viaBasic = basic('oktell', user.token)
      const p = await createPoint(hub, SEED_CREATE, viaBasic)
      assert.deepEqual(await getPoint(hub, p.id, viaBasic), p)
      assert.deepEqual(await getPoint(hub, p.id, { authorization: user.authorization }), p)
      assert.deepEqual(await listPoints(hub, {}, viaBasic), [p])
      const found = await lookup(hub, JSON.stringify(p.code), viaBasic)
      assert.equal(found.statusCode, 200, found.body)
      assert.deepEqual(found.json(), [p.id])
      const patched = await patchPoint(hub, p.id, { opts: { title: 'via basic' } }, viaBasic)
      assert.equal(patched.statusCode, 200, patched.body)
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `${BASE}/${p.id}`, headers: viaBasic })).statusCode, 204)
    })

    test('each operation needs its integration_points permission, else 403 naming it', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, SEED_CREATE)
      const needs: Record<string, string> = {
        create: 'integration_points.create',
        list: 'integration_points.view',
        get: 'integration_points.view',
        patch: 'integration_points.manage',
        delete: 'integration_points.delete',
        lookup: 'integration_points.view',
      }
      const nobody = await hub.userWith(['integrations.*', 'webhooks.*', 'endpoints.*'])
      for (const [name, run] of Object.entries(operations(hub, p.id, { authorization: nobody.authorization }))) {
        assertIncoplaxError(await run(), 403, [needs[name]], `${name} without any integration_points permission`)
      }
      const viewer = await hub.userWith(['integration_points.view'])
      const asViewer = operations(hub, p.id, { authorization: viewer.authorization })
      assert.equal((await asViewer.get()).statusCode, 200)
      assert.equal((await asViewer.list()).statusCode, 200)
      assert.equal((await asViewer.lookup()).statusCode, 200)
      assertIncoplaxError(await asViewer.create(), 403, ['integration_points.create'], 'create as viewer')
      assertIncoplaxError(await asViewer.patch(), 403, ['integration_points.manage'], 'patch as viewer')
      assertIncoplaxError(await asViewer.delete(), 403, ['integration_points.delete'], 'delete as viewer')
      const creator = await hub.userWith(['integration_points.create'])
      const asCreator = operations(hub, p.id, { authorization: creator.authorization })
      assert.equal((await asCreator.create()).statusCode, 200)
      assertIncoplaxError(await asCreator.list(), 403, ['integration_points.view'], 'list as creator')
      assertIncoplaxError(await asCreator.lookup(), 403, ['integration_points.view'], 'lookup as creator')
      assert.deepEqual(await getPoint(hub, p.id), p, 'the refused operations changed nothing')
    })

    test('.own permissions see and change only the caller\'s points: others\' answer 404', async (t) => {
      const hub = await startHub(t, engine)
      const own = ['integration_points.view.own', 'integration_points.create.own', 'integration_points.manage.own', 'integration_points.delete.own']
      const alice = await hub.userWith(own, 'alice')
      const bob = await hub.userWith(own, 'bob')
      const asAlice = { authorization: alice.authorization }
      const asBob = { authorization: bob.authorization }
      const adminPoint = await createPoint(hub, SEED_CREATE)
      const alicePoint = await createPoint(hub, { code: 'alice-1', type: 'public' }, asAlice)
      const bobPoint = await createPoint(hub, { code: 'bob-1', type: 'telegram' }, asBob)

      assert.deepEqual(await listPoints(hub, {}, asAlice), [alicePoint])
      assert.deepEqual(await listPoints(hub, {}, asBob), [bobPoint])
      assert.deepEqual(await listPoints(hub), [adminPoint, alicePoint, bobPoint], 'the admin sees every point')
      assert.deepEqual(await listPoints(hub, { filter: JSON.stringify({ code: ['bob-1', 'ABCDE', 'alice-1'] }) }, asAlice), [alicePoint])

      for (const foreign of [adminPoint, bobPoint]) {
        const ops = operations(hub, foreign.id, asAlice)
        assertIncoplaxError(await ops.get(), 404, [], `alice GET ${foreign.code}`)
        assertIncoplaxError(await ops.patch(), 404, [], `alice PATCH ${foreign.code}`)
        assertIncoplaxError(await ops.delete(), 404, [], `alice DELETE ${foreign.code}`)
        for (const key of [foreign.id, foreign.code, foreign.token_local]) {
          const res = await lookup(hub, JSON.stringify(key), asAlice)
          assert.equal(res.statusCode, 404, `alice LOOKUP ${key}`)
          assert.deepEqual(res.json(), { error_code: 1404, error_message: 'Lookup failed' })
        }
      }
      assert.deepEqual(await listPoints(hub), [adminPoint, alicePoint, bobPoint], 'nothing changed or deleted')

      const mine = operations(hub, alicePoint.id, asAlice)
      assert.equal((await mine.get()).statusCode, 200)
      assert.equal((await mine.patch()).statusCode, 200)
      const found = await mine.lookup()
      assert.deepEqual(found.json(), [alicePoint.id])
      assert.equal((await mine.delete()).statusCode, 204)
      assert.deepEqual(await listPoints(hub), [adminPoint, bobPoint])
    })

    test('malformed JSON answers 400, a body over 1 MiB 413, a non-JSON content type 415', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, SEED_CREATE)
      const json = { ...hub.admin, 'content-type': SEED_CONTENT_TYPE }
      for (const payload of ['{"code":', '{code: "A"}', '{"code":"A",}', 'ABCDE']) {
        assertIncoplaxError(await hub.app.inject({ method: 'POST', url: BASE, headers: json, payload }), 400, [], `POST ${payload}`)
        assertIncoplaxError(await hub.app.inject({ method: 'PATCH', url: `${BASE}/${p.id}`, headers: json, payload }), 400, [], `PATCH ${payload}`)
      }
      const big = JSON.stringify({ code: 'big', type: 'public', opts: { comment: 'x'.repeat(1024 * 1024) } })
      assertIncoplaxError(await hub.app.inject({ method: 'POST', url: BASE, headers: json, payload: big }), 413, [], 'POST over 1 MiB')
      assertIncoplaxError(await hub.app.inject({ method: 'PATCH', url: `${BASE}/${p.id}`, headers: json, payload: big }), 413, [], 'PATCH over 1 MiB')
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
        const headers = { ...hub.admin, 'content-type': type }
        assertIncoplaxError(await hub.app.inject({ method: 'POST', url: BASE, headers, payload: 'code=A&type=public' }), 415, [], `POST as ${type}`)
        assertIncoplaxError(await hub.app.inject({ method: 'PATCH', url: `${BASE}/${p.id}`, headers, payload: 'code=B' }), 415, [], `PATCH as ${type}`)
      }
      assert.deepEqual(await listPoints(hub), [p], 'nothing created or changed')
    })

    test('a method the path does not serve answers 405 with Allow; an unknown path 404, both in the dialect\'s shape', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, SEED_CREATE)
      const cases: [string, string, string[]][] = [
        ['PUT', `${BASE}/${p.id}`, ['GET', 'PATCH', 'DELETE']],
        ['POST', `${BASE}/${p.id}`, ['GET', 'PATCH', 'DELETE']],
        ['PUT', BASE, ['GET', 'POST', 'LOOKUP']],
        ['PATCH', BASE, ['GET', 'POST', 'LOOKUP']],
        ['DELETE', BASE, ['GET', 'POST', 'LOOKUP']],
      ]
      for (const [method, url, allowed] of cases) {
        const res = await hub.app.inject({ method: method as 'PUT', url, headers: { ...hub.admin, 'content-type': SEED_CONTENT_TYPE }, payload: '{}' })
        assertIncoplaxError(res, 405, [method], `${method} ${url}`)
        const allow = String(res.headers.allow).split(/,\s*/)
        for (const m of allowed) assert.ok(allow.includes(m), `${method} ${url}: Allow ${res.headers.allow} lists ${m}`)
        assert.ok(!allow.includes(method), `${method} ${url}: Allow does not list ${method}`)
        assert.ok(!allow.includes('SEARCH'), `${method} ${url}: Allow shows LOOKUP, never its carrier: ${res.headers.allow}`)
      }
      assertIncoplaxError(await hub.app.inject({ method: 'GET', url: `${BASE}/${p.id}/extra`, headers: hub.admin }), 404, [], 'an unknown path')
      assert.deepEqual(await getPoint(hub, p.id), p)
    })
  })
}
