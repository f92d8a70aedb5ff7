// Brokerstr request conventions: X-Target-Server, authentication, permissions, request-shape
// errors, unknown routes and methods — all answered in Brokerstr's error shape.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { ADMIN_TOKEN, startHub } from '../../helpers/hub.ts'
import {
  ACCOUNT, APEX, assertError, BASE, basic, call, createDistributor, createNode, createTree, eachCase, getJson, SEED_BODY, UUID,
  type WireDistributor, type WireNode,
} from './support.ts'

reportSkippedPostgres()

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** Every Brokerstr route, with a body that would pass validation, and the permission it needs. */
function routes (nodeId: string, distributorId: string): [Method, string, unknown, string][] {
  return [
    ['POST', `${BASE}/nodes`, { name: 'x', type: APEX }, 'nodes.create'],
    ['GET', `${BASE}/nodes/${nodeId}`, undefined, 'nodes.view'],
    ['PUT', `${BASE}/nodes/${nodeId}`, { name: 'renamed' }, 'nodes.manage'],
    ['DELETE', `${BASE}/nodes/${nodeId}`, undefined, 'nodes.delete'],
    ['GET', `${BASE}/nodes/${nodeId}/children`, undefined, 'nodes.view'],
    ['POST', `${BASE}/distributors/nodes/${nodeId}`, { meta: { host: 'https://example.com', path: '/x' } }, 'distributors.create'],
    ['GET', `${BASE}/distributors/nodes/${nodeId}`, undefined, 'distributors.view'],
    ['GET', `${BASE}/distributors/${distributorId}`, undefined, 'distributors.view'],
    ['PUT', `${BASE}/distributors/${distributorId}`, { meta: null }, 'distributors.manage'],
    ['DELETE', `${BASE}/distributors/${distributorId}`, undefined, 'distributors.delete'],
  ]
}

for (const engine of engines) {
  describe(`[${engine}] Brokerstr request conventions`, () => {
    test('X-Target-Server other than "integration" answers 400 BAD_REQUEST in Brokerstr\'s error shape, and changes nothing', async (t) => {
      const hub = await startHub(t, engine)
      const apex = await createNode(hub, { name: 'Apex', type: APEX })
      const distributor = await createDistributor(hub, apex.id, JSON.parse(SEED_BODY))
      await eachCase(['billing', 'integrations', 'INTEGRATION', 'integration, billing'], async (target) => {
        const headers = { ...hub.admin, 'x-target-server': target }
        assertError(await call(hub, 'GET', `${BASE}/nodes/${apex.id}`, undefined, headers), 400, 'BAD_REQUEST', {}, `GET with ${target}`)
        assertError(await call(hub, 'POST', `${BASE}/nodes`, { name: 'x', type: ACCOUNT, parent_id: apex.id }, headers), 400, 'BAD_REQUEST', {}, `POST node with ${target}`)
        assertError(await call(hub, 'POST', `${BASE}/distributors/nodes/${apex.id}`, {}, headers), 400, 'BAD_REQUEST', {}, `POST distributor with ${target}`)
        assertError(await call(hub, 'DELETE', `${BASE}/distributors/${distributor.id}`, undefined, headers), 400, 'BAD_REQUEST', {}, `DELETE with ${target}`)
      })
      assert.deepEqual((await getJson<{ total: number }>(hub, `${BASE}/nodes/${apex.id}/children`)).total, 0)
      assert.deepEqual((await getJson<{ total: number }>(hub, `${BASE}/distributors/nodes/${apex.id}`)).total, 1)
    })

    test('without X-Target-Server every route works', async (t) => {
      const hub = await startHub(t, engine)
      const headers = { ...hub.admin }
      const apex = await createNode(hub, { name: 'Apex', type: APEX }, headers)
      const account = await createNode(hub, { name: 'Account', type: ACCOUNT, parent_id: apex.id }, headers)
      const distributor = await createDistributor(hub, account.id, { meta: { host: 'https://example.com', path: '/x' } }, headers)
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${account.id}`, headers), account)
      assert.equal((await getJson<{ total: number }>(hub, `${BASE}/nodes/${apex.id}/children`, headers)).total, 1)
      assert.deepEqual(await getJson(hub, `${BASE}/distributors/${distributor.id}`, headers), distributor)
      assert.equal((await getJson<{ total: number }>(hub, `${BASE}/distributors/nodes/${account.id}`, headers)).total, 1)
      assert.equal((await call(hub, 'PUT', `${BASE}/nodes/${account.id}`, { name: 'n' }, headers)).statusCode, 200)
      assert.equal((await call(hub, 'PUT', `${BASE}/distributors/${distributor.id}`, { meta: null }, headers)).statusCode, 200)
      assert.equal((await call(hub, 'DELETE', `${BASE}/distributors/${distributor.id}`, undefined, headers)).statusCode, 204)
      assert.equal((await call(hub, 'DELETE', `${BASE}/nodes/${apex.id}`, undefined, headers)).statusCode, 204)
    })

    test('no token, or a wrong one: 401 {"error": {"code": "UNAUTHORIZED", …}} on every route', async (t) => {
      const hub = await startHub(t, engine)
      const { apex } = await createTree(hub)
      const distributor = await createDistributor(hub, apex.id, {})
      const credentials: (string | undefined)[] = [undefined, 'Bearer wrong-token', `Bearer ${ADMIN_TOKEN}x`, 'Bearer', basic('admin', 'wrong')]
      await eachCase(routes(apex.id, distributor.id), async ([method, url, payload]) => {
        for (const authorization of credentials) {
          const headers: Record<string, string> = { 'x-target-server': 'integration', ...(authorization && { authorization }) }
          const res = await call(hub, method, url, payload, headers)
          assertError(res, 401, 'UNAUTHORIZED', {}, `${method} ${url} with ${authorization}`)
          assert.match(String(res.headers['www-authenticate']), /Bearer/, `${method} ${url}`)
        }
      })
      // Nothing was changed by the refused calls.
      assert.equal((await getJson<WireNode>(hub, `${BASE}/nodes/${apex.id}`)).name, 'Apex')
      assert.deepEqual(await getJson(hub, `${BASE}/distributors/${distributor.id}`), distributor)
    })

    test('the admin token also works as HTTP Basic admin:<token>', async (t) => {
      const hub = await startHub(t, engine)
      const apex = await createNode(hub, { name: 'Apex', type: APEX }, { authorization: basic('admin', ADMIN_TOKEN), 'x-target-server': 'integration' })
      assert.equal(apex.name, 'Apex')
    })

    test('without the nodes.* / distributors.* permission a route answers 403 FORBIDDEN naming it', async (t) => {
      const hub = await startHub(t, engine)
      const { apex } = await createTree(hub)
      const distributor = await createDistributor(hub, apex.id, {})
      const onlyDistributors = await hub.userWith(['distributors.*'])
      const onlyNodes = await hub.userWith(['nodes.*'])
      const readers = await hub.userWith(['nodes.view', 'distributors.view'])
      const nobody = await hub.userWith(['events.publish', 'endpoints.*'])
      await eachCase(routes(apex.id, distributor.id), async ([method, url, payload, permission]) => {
        const deniedTo = [nobody, permission.startsWith('nodes.') ? onlyDistributors : onlyNodes]
        if (!permission.endsWith('.view')) deniedTo.push(readers)
        for (const user of deniedTo) {
          const res = await call(hub, method, url, payload, { authorization: user.authorization, 'x-target-server': 'integration' })
          const error = assertError(res, 403, 'FORBIDDEN', {}, `${method} ${url}`)
          assert.ok(error.message.includes(permission), `${method} ${url}: names ${permission}: ${error.message}`)
        }
      })
      // The permission is enough on its own.
      const viewer = { authorization: readers.authorization, 'x-target-server': 'integration' }
      assert.equal((await getJson<WireNode>(hub, `${BASE}/nodes/${apex.id}`, viewer)).id, apex.id)
      assert.equal((await getJson<WireDistributor>(hub, `${BASE}/distributors/${distributor.id}`, viewer)).id, distributor.id)
      const writer = { authorization: onlyNodes.authorization, 'x-target-server': 'integration' }
      assert.match((await createNode(hub, { name: 'mine', type: APEX }, writer)).id, UUID)
      const distributorWriter = { authorization: onlyDistributors.authorization, 'x-target-server': 'integration' }
      assert.match((await createDistributor(hub, apex.id, {}, distributorWriter)).id, UUID)
    })

    test('malformed JSON answers 400 in Brokerstr\'s shape; an oversized body 413', async (t) => {
      const hub = await startHub(t, engine)
      const apex = await createNode(hub, { name: 'Apex', type: APEX })
      const distributor = await createDistributor(hub, apex.id, {})
      const headers = { ...hub.admin, 'x-target-server': 'integration', 'content-type': 'application/json' }
      const targets: ['POST' | 'PUT', string][] = [
        ['POST', `${BASE}/nodes`], ['PUT', `${BASE}/nodes/${apex.id}`],
        ['POST', `${BASE}/distributors/nodes/${apex.id}`], ['PUT', `${BASE}/distributors/${distributor.id}`],
      ]
      await eachCase(targets, async ([method, url]) => {
        for (const payload of ['{"name":', '{meta: null}', "{'meta': null}", '{"meta": {"host": "https://example.com",}}', 'nul']) {
          const res = await hub.app.inject({ method, url, headers, payload })
          assertError(res, 400, 'INVALID_JSON', {}, `${method} ${url} ${payload}`)
        }
      })
      const big = await hub.app.inject({
        method: 'POST', url: `${BASE}/nodes`, headers, payload: JSON.stringify({ name: 'x', type: APEX, pad: 'x'.repeat(1024 * 1024) }),
      })
      assertError(big, 413, 'PAYLOAD_TOO_LARGE', undefined, 'oversized')
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${apex.id}`), apex)
      assert.deepEqual(await getJson(hub, `${BASE}/distributors/${distributor.id}`), distributor)
    })

    test('an unknown route under /api/v1/integration answers 404 NOT_FOUND in Brokerstr\'s shape', async (t) => {
      const hub = await startHub(t, engine)
      const apex = await createNode(hub, { name: 'Apex', type: APEX })
      const paths = [
        BASE, `${BASE}/`, `${BASE}/unknown`, `${BASE}/nodes/${apex.id}/parents`, `${BASE}/nodes/${apex.id}/children/extra`,
        `${BASE}/distributors`, `${BASE}/distributors/nodes/${apex.id}/extra`, `${BASE}/webhooks`,
      ]
      await eachCase(paths, async (path) => {
        for (const headers of [{ ...hub.admin, 'x-target-server': 'integration' }, {}]) {
          assertError(await call(hub, 'GET', path, undefined, headers), 404, 'NOT_FOUND', {}, path)
        }
      })
    })

    test('a wrong method answers 405 METHOD_NOT_ALLOWED in Brokerstr\'s shape, with Allow', async (t) => {
      const hub = await startHub(t, engine)
      const apex = await createNode(hub, { name: 'Apex', type: APEX })
      const distributor = await createDistributor(hub, apex.id, {})
      const cases: ['GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST', string, string[]][] = [
        ['GET', `${BASE}/nodes`, ['POST']],
        ['DELETE', `${BASE}/nodes`, ['POST']],
        ['PATCH', `${BASE}/nodes/${apex.id}`, ['GET', 'PUT', 'DELETE']],
        ['POST', `${BASE}/nodes/${apex.id}`, ['GET', 'PUT', 'DELETE']],
        ['POST', `${BASE}/nodes/${apex.id}/children`, ['GET']],
        ['PUT', `${BASE}/distributors/nodes/${apex.id}`, ['GET', 'POST']],
        ['DELETE', `${BASE}/distributors/nodes/${apex.id}`, ['GET', 'POST']],
        ['PATCH', `${BASE}/distributors/${distributor.id}`, ['GET', 'PUT', 'DELETE']],
        ['POST', `${BASE}/distributors/${distributor.id}`, ['GET', 'PUT', 'DELETE']],
      ]
      await eachCase(cases, async ([method, url, allowed]) => {
        const res = await hub.app.inject({ method, url, headers: { ...hub.admin, 'x-target-server': 'integration' } })
        const error = assertError(res, 405, 'METHOD_NOT_ALLOWED', undefined, `${method} ${url}`)
        const allow = String(res.headers.allow).split(/,\s*/)
        for (const m of allowed) assert.ok(allow.includes(m), `${method} ${url}: Allow ${res.headers.allow} includes ${m}`)
        assert.equal(allow.includes(method), false, `${method} ${url}: Allow ${res.headers.allow}`)
        assert.ok(error.message.length > 0)
      })
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${apex.id}`), apex)
    })

    test('unknown ids of every kind answer 404 NOT_FOUND, never 500', async (t) => {
      const hub = await startHub(t, engine)
      const odd = [randomUUID(), 'x', '0', '-1', "'; drop table nodes; --", '€', 'a'.repeat(100)]
      await eachCase(odd, async (id) => {
        const encoded = encodeURIComponent(id)
        for (const [method, url, payload] of routes(encoded, encoded).filter(([, url]) => url !== `${BASE}/nodes`)) {
          assertError(await call(hub, method, url, payload), 404, 'NOT_FOUND', {}, `${method} ${url}`)
        }
      })
    })

    test('an over-long id is still answered in Brokerstr\'s error shape', async (t) => {
      const hub = await startHub(t, engine)
      const long = 'a'.repeat(300)
      await eachCase(routes(long, long).filter(([, url]) => url !== `${BASE}/nodes`), async ([method, url, payload]) => {
        const res = await call(hub, method, url, payload)
        assert.ok([404, 414].includes(res.statusCode), `${method} ${url}: ${res.statusCode}`)
        const body = res.json() as { error?: { code?: unknown; message?: unknown; details?: unknown } }
        assert.deepEqual(Object.keys(body), ['error'], `${method} …/${long.slice(0, 8)}…: {"error": {…}} expected, got ${res.body.slice(0, 120)}`)
        assert.deepEqual(Object.keys(body.error ?? {}).sort(), ['code', 'details', 'message'], `${method} ${url}`)
        assert.equal(typeof body.error?.code, 'string')
      })
    })
  })
}
