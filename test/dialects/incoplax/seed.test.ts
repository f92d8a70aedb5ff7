import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub } from '../../helpers/hub.ts'
import {
  assertGenerated, assertIncoplaxError, BASE, createPoint, ENTITY_KEYS, expectedEntity, getPoint, ISO_UTC, listPoints, MASK,
  lookup, patchPoint, SEED_CONTENT_TYPE, SEED_CREATE, SEED_ENTITY, SEED_LOOKUP_BODY, SEED_SECOND, sleep, UUID, type Entity,
} from './support.ts'

reportSkippedPostgres()

/** The seed's entity with what the hub generates (token_local unless given, ext) and issue 6's opts.recv_timeout. */
const seedAs = (actual: Entity, changes: Partial<Entity> = {}) => ({
  ...SEED_ENTITY,
  token_local: actual.token_local,
  opts: { ...SEED_ENTITY.opts, recv_timeout: 5000 },
  ext: actual.ext,
  ...changes,
})

// Seed 002 "Каналы интеграции (integration_points)", every example; issue 6 "The resource".
for (const engine of engines) {
  describe(`[${engine}] Incoplax integration points: the seed's examples`, () => {
    test('POST with the seed\'s entity answers 200 with exactly the seed\'s fields; the id given is kept', async (t) => {
      const hub = await startHub(t, engine)
      const before = Date.now()
      const res = await hub.app.inject({
        method: 'POST', url: BASE, headers: { ...hub.admin, 'content-type': SEED_CONTENT_TYPE }, payload: JSON.stringify(SEED_CREATE),
      })
      assert.equal(res.statusCode, 200, res.body)
      assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/i)
      const body = res.json() as Entity
      assertGenerated(body, 'create')
      assert.deepEqual(body, seedAs(body))
      assert.equal(body.ext.ct, body.ext.lwt, 'a new point: ct = lwt')
      const ct = Date.parse(body.ext.ct)
      assert.ok(ct >= before - 1000 && ct <= Date.now() + 1000, `ext.ct is now: ${body.ext.ct}`)
    })

    test('POST the seed\'s response entity verbatim (token_local and ext included): token_local is kept, ext is the hub\'s own; the seed\'s LOOKUP then finds it', async (t) => {
      const hub = await startHub(t, engine)
      const body = await createPoint(hub, SEED_ENTITY)
      assertGenerated(body, 'verbatim create')
      assert.deepEqual(body, seedAs(body))
      assert.notEqual(body.ext.ct, SEED_ENTITY.ext.ct, 'ext.ct is the creation time, not the one sent')
      assert.equal(body.token_local, SEED_ENTITY.token_local, 'the token_local given is kept')
      // The seed's LOOKUP example, verbatim, and its answer.
      const res = await lookup(hub, SEED_LOOKUP_BODY)
      assert.equal(res.statusCode, 200, res.body)
      assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/i)
      assert.deepEqual(res.json(), ['b4680fbe-016c-d86f-1d6b-50e54938780c'])
    })

    test('POST without id generates a uuid; the minimal entity gets the defaults', async (t) => {
      const hub = await startHub(t, engine)
      const a = await createPoint(hub, { code: '902', type: 'telegram' })
      const b = await createPoint(hub, { code: '903', type: 'telegram' })
      for (const p of [a, b]) {
        assertGenerated(p, p.code)
        assert.match(p.id, UUID)
      }
      assert.notEqual(a.id, b.id)
      assert.notEqual(a.token_local, b.token_local, 'each point its own token_local')
      assert.deepEqual(a, expectedEntity(a, { code: '902', type: 'telegram' }))
      assert.deepEqual(await getPoint(hub, a.id), a)
    })

    test('POST keeps every field given: scripts, opts, url', async (t) => {
      const hub = await startHub(t, engine)
      const input = {
        code: 'site-chat',
        type: 'public',
        url: 'https://crm.example.com/hook?x=1',
        recv_svcscriptcode: 'r1',
        recv_svcscriptcode_ws: 'r2',
        send_svcscriptcode: 's1',
        send_svcscriptcode_ws: 's2',
        opts: { title: 'Site chat', comment: 'Чат сайта', allow_files_api: true, issync: false, recv_timeout: 1500 },
      }
      const p = await createPoint(hub, input)
      assert.deepEqual(p, expectedEntity(p, input))
      assert.deepEqual(await getPoint(hub, p.id), p)
    })

    test('GET ?offset=0&limit=2 (the seed\'s list request) answers the first two points as the seed shows them', async (t) => {
      const hub = await startHub(t, engine)
      const first = await createPoint(hub, SEED_CREATE)
      await sleep(5)
      const second = await createPoint(hub, SEED_SECOND)
      await sleep(5)
      const third = await createPoint(hub, { code: 'third', type: 'public' })
      const res = await hub.app.inject({ method: 'GET', url: `${BASE}?offset=0&limit=2`, headers: hub.admin })
      assert.equal(res.statusCode, 200, res.body)
      assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/i)
      assert.deepEqual(res.json(), [
        seedAs(first),
        expectedEntity(second, { ...SEED_SECOND, token_local: second.token_local }),
      ])
      assert.deepEqual(await listPoints(hub, { offset: 2, limit: 2 }), [third])
      assert.deepEqual(await listPoints(hub), [first, second, third])
    })

    test('GET /<id> (the seed\'s request) answers the entity', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createPoint(hub, SEED_SECOND)
      const res = await hub.app.inject({ method: 'GET', url: `${BASE}/a188288e-016c-d86f-cd99-50e54938780c`, headers: hub.admin })
      assert.equal(res.statusCode, 200, res.body)
      assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/i)
      assert.deepEqual(res.json(), created)
      assert.deepEqual(Object.keys(res.json()), ENTITY_KEYS)
    })

    test('PATCH token_remote (the seed\'s example): echoed in the answer, ext.lwt moves, ext.ct stays; reads mask it', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createPoint(hub, SEED_CREATE)
      await sleep(20)
      const res = await patchPoint(hub, SEED_ENTITY.id, { token_remote: '00ea293c29f9dc30' })
      assert.equal(res.statusCode, 200, res.body)
      assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/i)
      const patched = res.json() as Entity
      assert.deepEqual(patched, seedAs(created, { token_remote: '00ea293c29f9dc30', ext: patched.ext }))
      assert.equal(patched.ext.ct, created.ext.ct, 'ext.ct does not move')
      assert.match(patched.ext.lwt, ISO_UTC)
      assert.ok(Date.parse(patched.ext.lwt) > Date.parse(created.ext.lwt), `ext.lwt moves: ${created.ext.lwt} → ${patched.ext.lwt}`)

      const read = await getPoint(hub, SEED_ENTITY.id)
      assert.deepEqual(read, { ...patched, token_remote: MASK }, 'every later read masks the token')
      assert.deepEqual(await listPoints(hub), [{ ...patched, token_remote: MASK }])
    })

    test('PATCH with "********" keeps the stored token_remote; "" clears it', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, { ...SEED_CREATE, token_remote: '00ea293c29f9dc30', token_remote2: 'second-token' })
      assert.equal(p.token_remote, '00ea293c29f9dc30', 'create echoes the token it set')
      assert.equal(p.token_remote2, 'second-token')
      const read = await getPoint(hub, p.id)
      assert.equal(read.token_remote, MASK)
      assert.equal(read.token_remote2, MASK)

      // The entity sent back as read: the masks stand for the stored tokens.
      const back = await patchPoint(hub, p.id, { ...read, opts: { ...read.opts, title: 'renamed' } })
      assert.equal(back.statusCode, 200, back.body)
      assert.equal(back.json().token_remote, MASK)
      assert.equal(back.json().token_remote2, MASK)
      assert.equal(back.json().opts.title, 'renamed')
      // The inbound URL still wants the original token (not the mask).
      const hook = (token: string) => hub.app.inject({ method: 'POST', url: `/hooks/${p.token_local}?token=${encodeURIComponent(token)}`, payload: { m: 1 } })
      assert.equal((await hook('00ea293c29f9dc30')).statusCode, 200)
      assert.equal((await hook(MASK)).statusCode, 401)

      const cleared = await patchPoint(hub, p.id, { token_remote: '' })
      assert.equal(cleared.statusCode, 200, cleared.body)
      assert.equal(cleared.json().token_remote, '')
      assert.equal(cleared.json().token_remote2, MASK, 'token_remote2 untouched')
      assert.equal((await getPoint(hub, p.id)).token_remote, '')
      const open = await hub.app.inject({ method: 'POST', url: `/hooks/${p.token_local}`, payload: { m: 2 } })
      assert.equal(open.statusCode, 200, `no token_remote: no token needed: ${open.body}`)
    })

    test('DELETE (the seed\'s request) answers 204 without a body; GET, PATCH, DELETE then answer 404', async (t) => {
      const hub = await startHub(t, engine)
      await createPoint(hub, SEED_CREATE)
      const other = await createPoint(hub, { code: 'stays', type: 'public' })
      const del = await hub.app.inject({ method: 'DELETE', url: `${BASE}/b4680fbe-016c-d86f-1d6b-50e54938780c`, headers: hub.admin })
      assert.equal(del.statusCode, 204)
      assert.equal(del.body, '')
      const get = await hub.app.inject({ method: 'GET', url: `${BASE}/${SEED_ENTITY.id}`, headers: hub.admin })
      assertIncoplaxError(get, 404, [], 'GET after DELETE')
      assertIncoplaxError(await patchPoint(hub, SEED_ENTITY.id, { opts: { title: 'x' } }), 404, [], 'PATCH after DELETE')
      assertIncoplaxError(await hub.app.inject({ method: 'DELETE', url: `${BASE}/${SEED_ENTITY.id}`, headers: hub.admin }), 404, [], 'DELETE again')
      assert.deepEqual(await listPoints(hub), [other])
      // The code is free again.
      const again = await createPoint(hub, SEED_CREATE)
      assert.equal(again.id, SEED_ENTITY.id)
    })

    test('unknown ids answer 404 in the dialect\'s shape', async (t) => {
      const hub = await startHub(t, engine)
      for (const id of ['a188288e-016c-d86f-cd99-50e54938780c', 'nope', '0']) {
        assertIncoplaxError(await hub.app.inject({ method: 'GET', url: `${BASE}/${id}`, headers: hub.admin }), 404, [], `GET ${id}`)
        assertIncoplaxError(await patchPoint(hub, id, { code: 'x' }), 404, [], `PATCH ${id}`)
        assertIncoplaxError(await hub.app.inject({ method: 'DELETE', url: `${BASE}/${id}`, headers: hub.admin }), 404, [], `DELETE ${id}`)
      }
    })
  })
}
