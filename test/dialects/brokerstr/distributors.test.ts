// Brokerstr distributors: outbound webhooks of a node under /api/v1/integration/distributors.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { FAST_DELIVERY, publish, settled } from '../../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub } from '../../helpers/hub.ts'
import { startSink } from '../../helpers/sink.ts'
import {
  ACCOUNT, APEX, assertError, assertTimestamp, assertValidation, BASE, brokerstrHeaders, call, createDistributor, createNode, eachCase, getJson,
  MASK, sleep, UUID, type WireDistributor,
} from './support.ts'

reportSkippedPostgres()

type List = { distributors: WireDistributor[]; total: number; page: number; per_page: number }

const HOST = 'https://hooks.example.com'

for (const engine of engines) {
  describe(`[${engine}] Brokerstr distributors`, () => {
    test('create with meta: each method number answers its name; a missing method is POST', async (t) => {
      const hub = await startHub(t, engine)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      const names = { 1: 'GET', 2: 'POST', 3: 'PUT', 4: 'PATCH', 5: 'DELETE' } as const
      for (const [number, name] of Object.entries(names)) {
        const created = await createDistributor(hub, node.id, { meta: { host: HOST, path: `/m${number}`, method: Number(number) } })
        assert.match(created.id, UUID)
        assertTimestamp(created.created_at, 'created_at')
        assert.equal(created.updated_at, created.created_at)
        assert.deepEqual(created, {
          id: created.id, node_id: node.id, meta: { host: HOST, path: `/m${number}`, method: name },
          created_at: created.created_at, updated_at: created.created_at,
        })
      }
      const byDefault = await createDistributor(hub, node.id, { meta: { host: HOST, path: '/default' } })
      assert.deepEqual(byDefault.meta, { host: HOST, path: '/default', method: 'POST' })
      assert.equal((await getJson<List>(hub, `${BASE}/distributors/nodes/${node.id}`)).total, 6)
    })

    test('create without meta: {}, {"meta": null} and an empty body answer 201 with meta null', async (t) => {
      const hub = await startHub(t, engine)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      const url = `${BASE}/distributors/nodes/${node.id}`
      const requests = [
        { label: '{}', res: await call(hub, 'POST', url, {}) },
        { label: '{"meta": null}', res: await call(hub, 'POST', url, { meta: null }) },
        // curl -X POST with no -d: no body, no Content-Type.
        { label: 'no body', res: await hub.app.inject({ method: 'POST', url, headers: brokerstrHeaders(hub.admin) }) },
        // A client that always sends Content-Type: application/json, with no body.
        { label: 'empty JSON body', res: await hub.app.inject({ method: 'POST', url, headers: { ...brokerstrHeaders(hub.admin), 'content-type': 'application/json' } }) },
      ]
      await eachCase(requests, async ({ label, res }) => {
        assert.equal(res.statusCode, 201, `${label}: ${res.body}`)
        const body = res.json() as WireDistributor
        assert.match(body.id, UUID, label)
        assertTimestamp(body.created_at, label)
        assert.deepEqual(body, { id: body.id, node_id: node.id, meta: null, created_at: body.created_at, updated_at: body.created_at }, label)
        assert.deepEqual(await getJson(hub, `${BASE}/distributors/${body.id}`), body, `${label} reads back`)
      })
    })

    test('validation: 400 VALIDATION_ERROR naming the meta field', async (t) => {
      const hub = await startHub(t, engine)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      const url = `${BASE}/distributors/nodes/${node.id}`
      const cases: [string, unknown, string[]][] = [
        ['meta without host and path', { meta: {} }, ['meta.host', 'meta.path']],
        ['meta without path', { meta: { host: HOST } }, ['meta.path']],
        ['meta without host', { meta: { path: '/webhook' } }, ['meta.host']],
        ['meta with only a method', { meta: { method: 2 } }, ['meta.host', 'meta.path']],
        ['host not a URL', { meta: { host: 'example.com', path: '/webhook' } }, ['meta.host']],
        ['host not http(s)', { meta: { host: 'ftp://example.com', path: '/webhook' } }, ['meta.host']],
        ['host a number', { meta: { host: 5, path: '/webhook' } }, ['meta.host']],
        ['path a number', { meta: { host: HOST, path: 5 } }, ['meta.path']],
        ['method 9', { meta: { host: HOST, path: '/webhook', method: 9 } }, ['meta.method']],
        ['method 0', { meta: { host: HOST, path: '/webhook', method: 0 } }, ['meta.method']],
        ['method "GET"', { meta: { host: HOST, path: '/webhook', method: 'GET' } }, ['meta.method']],
        ['method "1"', { meta: { host: HOST, path: '/webhook', method: '1' } }, ['meta.method']],
        ['Basic without password', { meta: { host: HOST, path: '/webhook', authentication: { type: 1, username: 'user' } } }, ['meta.authentication.password']],
        ['Basic without username', { meta: { host: HOST, path: '/webhook', authentication: { type: 1, password: 'pass' } } }, ['meta.authentication.username']],
        ['Token without token', { meta: { host: HOST, path: '/webhook', authentication: { type: 2 } } }, ['meta.authentication.token']],
        ['Token with an empty token', { meta: { host: HOST, path: '/webhook', authentication: { type: 2, token: '' } } }, ['meta.authentication.token']],
        ['authentication type 3', { meta: { host: HOST, path: '/webhook', authentication: { type: 3, token: 't' } } }, ['meta.authentication.type']],
        ['authentication type "1"', { meta: { host: HOST, path: '/webhook', authentication: { type: '1', username: 'u', password: 'p' } } }, ['meta.authentication.type']],
        ['authentication without type, Basic and Token credentials both', { meta: { host: HOST, path: '/webhook', authentication: { username: 'u', password: 'p', token: 't' } } }, ['meta.authentication.type']],
        ['authentication without type, a username only', { meta: { host: HOST, path: '/webhook', authentication: { username: 'u' } } }, ['meta.authentication.password']],
        ['meta a string', { meta: 'https://example.com/webhook' }, ['meta']],
      ]
      await eachCase(cases, async ([label, payload, fields]) => {
        // `meta` may be an object or null: a validator may add a note on `meta` itself besides the field.
        assertValidation(await call(hub, 'POST', url, payload), fields, label, { exact: false })
      })
      assert.deepEqual(await getJson(hub, url), { distributors: [], total: 0, page: 1, per_page: 100 }, 'nothing was created')
    })

    test('meta.authentication.type is optional: username/password mean Basic (1), a token alone Token (2), nothing no authentication', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      const url = `${BASE}/distributors/nodes/${node.id}`
      // The seed's request with the "not required" type left out.
      const basicRes = await call(hub, 'POST', url, { meta: { host: sink.url, path: '/webhook', method: 2, authentication: { username: 'user', password: 'pass' } } })
      assert.equal(basicRes.statusCode, 201, basicRes.body)
      const basic = basicRes.json() as WireDistributor
      assert.deepEqual(basic.meta, { host: sink.url, path: '/webhook', method: 'POST', authentication: { type: 1, username: 'user', password: 'pass' } })
      assert.deepEqual((await getJson<WireDistributor>(hub, `${BASE}/distributors/${basic.id}`)).meta?.authentication, { type: 1, username: 'user', password: MASK })

      const token = await createDistributor(hub, node.id, { meta: { host: HOST, path: '/t', authentication: { token: 'tok' } } })
      assert.deepEqual(token.meta?.authentication, { type: 2, token: 'tok' })

      const none = await createDistributor(hub, node.id, { meta: { host: HOST, path: '/none', authentication: {} } })
      assert.deepEqual(none.meta, { host: HOST, path: '/none', method: 'POST' }, 'no credentials: no authentication, as if none was given')
      assert.deepEqual((await getJson<WireDistributor>(hub, `${BASE}/distributors/${none.id}`)).meta, none.meta)

      // PUT without type keeps the stored password behind the mask, as with type 1.
      const put = await call(hub, 'PUT', `${BASE}/distributors/${basic.id}`, { meta: { host: sink.url, path: '/after', authentication: { username: 'user', password: MASK } } })
      assert.equal(put.statusCode, 200, put.body)
      assert.deepEqual((put.json() as WireDistributor).meta?.authentication, { type: 1, username: 'user', password: MASK })
      const event = await publish(hub, 'order.created', { n: 1 }, { node_id: node.id })
      await settled(hub, event.id)
      const got = sink.received.find((r) => r.url === '/after')
      assert.ok(got, 'the Basic distributor was called')
      assert.equal(got.headers.authorization, `Basic ${Buffer.from('user:pass').toString('base64')}`)
    })

    test('a node that does not exist (or was deleted) answers 404 NOT_FOUND', async (t) => {
      const hub = await startHub(t, engine)
      const gone = await createNode(hub, { name: 'gone', type: APEX })
      assert.equal((await call(hub, 'DELETE', `${BASE}/nodes/${gone.id}`)).statusCode, 204)
      for (const nodeId of [randomUUID(), 'not-a-uuid', gone.id]) {
        assertError(await call(hub, 'POST', `${BASE}/distributors/nodes/${nodeId}`, { meta: { host: HOST, path: '/x' } }), 404, 'NOT_FOUND', {}, `create on ${nodeId}`)
        assertError(await call(hub, 'POST', `${BASE}/distributors/nodes/${nodeId}`, {}), 404, 'NOT_FOUND', {}, `create without meta on ${nodeId}`)
        assertError(await call(hub, 'GET', `${BASE}/distributors/nodes/${nodeId}`), 404, 'NOT_FOUND', {}, `list of ${nodeId}`)
      }
    })

    test('GET /distributors/nodes/{node_id} lists the node\'s own distributors, paged: {distributors, total, page, per_page}', async (t) => {
      const hub = await startHub(t, engine)
      const apex = await createNode(hub, { name: 'Apex', type: APEX })
      const account = await createNode(hub, { name: 'Account', type: ACCOUNT, parent_id: apex.id })
      const created: WireDistributor[] = []
      for (const path of ['/a', '/b', '/c']) {
        created.push(await createDistributor(hub, apex.id, { meta: { host: HOST, path, authentication: { type: 1, username: 'u', password: 'secret-pw' } } }))
        await sleep(3)
      }
      const onAccount = await createDistributor(hub, account.id, { meta: { host: HOST, path: '/account' } })
      const masked = created.map((d) => ({ ...d, meta: { ...d.meta!, authentication: { type: 1, username: 'u', password: MASK } } }))
      const byId = (list: WireDistributor[]) => [...list].sort((a, b) => a.id.localeCompare(b.id))

      const all = await getJson<List>(hub, `${BASE}/distributors/nodes/${apex.id}`)
      assert.deepEqual(Object.keys(all).sort(), ['distributors', 'page', 'per_page', 'total'])
      assert.deepEqual({ ...all, distributors: byId(all.distributors) }, { distributors: byId(masked), total: 3, page: 1, per_page: 100 })
      assert.equal(JSON.stringify(all).includes('secret-pw'), false)

      const first = await getJson<List>(hub, `${BASE}/distributors/nodes/${apex.id}?page=1&per_page=2`)
      const second = await getJson<List>(hub, `${BASE}/distributors/nodes/${apex.id}?page=2&per_page=2`)
      const third = await getJson<List>(hub, `${BASE}/distributors/nodes/${apex.id}?page=3&per_page=2`)
      assert.deepEqual([first.distributors.length, first.total, first.page, first.per_page], [2, 3, 1, 2])
      assert.deepEqual([second.distributors.length, second.total, second.page, second.per_page], [1, 3, 2, 2])
      assert.deepEqual(third, { distributors: [], total: 3, page: 3, per_page: 2 })
      assert.deepEqual(byId([...first.distributors, ...second.distributors]), byId(masked), 'the pages hold every distributor once')

      assert.deepEqual(await getJson(hub, `${BASE}/distributors/nodes/${account.id}`), { distributors: [onAccount], total: 1, page: 1, per_page: 100 })
      for (const [query, field] of [['?per_page=101', 'per_page'], ['?per_page=0', 'per_page'], ['?page=0', 'page'], ['?page=x', 'page']]) {
        assertValidation(await call(hub, 'GET', `${BASE}/distributors/nodes/${apex.id}${query}`), [field], query)
      }
    })

    test('GET /distributors/{id} answers the distributor, credentials masked; unknown ids 404', async (t) => {
      const hub = await startHub(t, engine)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      const created = await createDistributor(hub, node.id, { meta: { host: HOST, path: '/hook', method: 4, authentication: { type: 2, token: 'tok-secret' } } })
      assert.deepEqual(created.meta?.authentication, { type: 2, token: 'tok-secret' }, 'the create response echoes the token')
      const got = await getJson<WireDistributor>(hub, `${BASE}/distributors/${created.id}`)
      assert.deepEqual(got, { ...created, meta: { host: HOST, path: '/hook', method: 'PATCH', authentication: { type: 2, token: MASK } } })
      for (const id of [randomUUID(), 'nope', node.id]) assertError(await call(hub, 'GET', `${BASE}/distributors/${id}`), 404, 'NOT_FOUND', {}, id)
    })

    test('PUT /distributors/{id} replaces meta; unknown ids 404; invalid meta 400 and the stored one stays', async (t) => {
      const hub = await startHub(t, engine)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      const created = await createDistributor(hub, node.id, { meta: { host: HOST, path: '/old', method: 2 } })
      await sleep(15)
      const res = await call(hub, 'PUT', `${BASE}/distributors/${created.id}`, {
        meta: { host: 'https://other.example.org', path: '/new', method: 5, authentication: { type: 1, username: 'u', password: 'p' } },
      })
      assert.equal(res.statusCode, 200, res.body)
      const updated = res.json() as WireDistributor
      assertTimestamp(updated.updated_at, 'updated_at')
      assert.ok(Date.parse(updated.updated_at) > Date.parse(created.updated_at), 'updated_at moved on')
      assert.deepEqual(updated, {
        id: created.id, node_id: node.id,
        meta: { host: 'https://other.example.org', path: '/new', method: 'DELETE', authentication: { type: 1, username: 'u', password: MASK } },
        created_at: created.created_at, updated_at: updated.updated_at,
      })
      assert.deepEqual(await getJson(hub, `${BASE}/distributors/${created.id}`), updated)

      assertValidation(await call(hub, 'PUT', `${BASE}/distributors/${created.id}`, { meta: { host: HOST } }), ['meta.path'], 'no path', { exact: false })
      assertValidation(await call(hub, 'PUT', `${BASE}/distributors/${created.id}`, { meta: { host: HOST, path: '/x', method: 9 } }), ['meta.method'], 'method 9')
      assertValidation(await call(hub, 'PUT', `${BASE}/distributors/${created.id}`, {
        meta: { host: HOST, path: '/x', authentication: { type: 2 } },
      }), ['meta.authentication.token'], 'token missing')
      assert.deepEqual(await getJson(hub, `${BASE}/distributors/${created.id}`), updated, 'a rejected PUT changes nothing')
      assertError(await call(hub, 'PUT', `${BASE}/distributors/${randomUUID()}`, { meta: null }), 404, 'NOT_FOUND', {})
    })

    test('PUT {"meta": null} removes the webhook: meta null, no further deliveries; a new meta resumes them', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      const created = await createDistributor(hub, node.id, { meta: { host: sink.url, path: '/hook' } })
      const before = await publish(hub, 'order.created', { n: 1 }, { node_id: node.id })
      assert.equal(before.deliveries, 1)
      await settled(hub, before.id)
      assert.equal(sink.received.length, 1)

      const res = await call(hub, 'PUT', `${BASE}/distributors/${created.id}`, { meta: null })
      assert.equal(res.statusCode, 200, res.body)
      const cleared = res.json() as WireDistributor
      assert.deepEqual(cleared, { ...created, meta: null, updated_at: cleared.updated_at })
      assert.deepEqual(await getJson(hub, `${BASE}/distributors/${created.id}`), cleared)

      const during = await publish(hub, 'order.created', { n: 2 }, { node_id: node.id })
      assert.equal(during.deliveries, 0, 'a distributor without meta gets no deliveries')
      await sleep(300)
      assert.equal(sink.received.length, 1, 'nothing more arrived')

      const again = await call(hub, 'PUT', `${BASE}/distributors/${created.id}`, { meta: { host: sink.url, path: '/again', method: 3 } })
      assert.equal(again.statusCode, 200, again.body)
      const after = await publish(hub, 'order.created', { n: 3 }, { node_id: node.id })
      assert.equal(after.deliveries, 1)
      await settled(hub, after.id)
      assert.equal(sink.received.length, 2)
      assert.deepEqual([sink.received[1].method, sink.received[1].url], ['PUT', '/again'])
      assert.deepEqual(JSON.parse(sink.received[1].body).data, { n: 3 })
    })

    test('DELETE /distributors/{id} answers 204; it is gone from get, list and delivery', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      const doomed = await createDistributor(hub, node.id, { meta: { host: sink.url, path: '/doomed' } })
      const kept = await createDistributor(hub, node.id, { meta: { host: sink.url, path: '/kept' } })
      const res = await call(hub, 'DELETE', `${BASE}/distributors/${doomed.id}`)
      assert.equal(res.statusCode, 204)
      assert.equal(res.body, '')
      assertError(await call(hub, 'GET', `${BASE}/distributors/${doomed.id}`), 404, 'NOT_FOUND', {})
      assertError(await call(hub, 'PUT', `${BASE}/distributors/${doomed.id}`, { meta: null }), 404, 'NOT_FOUND', {})
      assertError(await call(hub, 'DELETE', `${BASE}/distributors/${doomed.id}`), 404, 'NOT_FOUND', {})
      assertError(await call(hub, 'DELETE', `${BASE}/distributors/${randomUUID()}`), 404, 'NOT_FOUND', {})
      assert.deepEqual(await getJson(hub, `${BASE}/distributors/nodes/${node.id}`), { distributors: [kept], total: 1, page: 1, per_page: 100 })

      const event = await publish(hub, 'order.created', {}, { node_id: node.id })
      assert.equal(event.deliveries, 1)
      await settled(hub, event.id)
      await sleep(100)
      assert.deepEqual(sink.received.map((r) => r.url), ['/kept'])
    })

    test('distributors.*.own: a caller lists, reads, changes and deletes only its own distributors', async (t) => {
      const hub = await startHub(t, engine)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      const theirs = await createDistributor(hub, node.id, { meta: { host: HOST, path: '/admin' } })
      const user = await hub.userWith(['distributors.view.own', 'distributors.create.own', 'distributors.manage.own', 'distributors.delete.own', 'nodes.create.own'])
      const headers = brokerstrHeaders(user)
      assertError(await call(hub, 'POST', `${BASE}/distributors/nodes/${node.id}`, { meta: { host: HOST, path: '/mine' } }, headers),
        404, 'NOT_FOUND', {}, "POST on another's node: an own distributor would send that node's events out")
      const ownNode = await createNode(hub, { name: 'Own', type: APEX }, headers)
      const mine = await createDistributor(hub, ownNode.id, { meta: { host: HOST, path: '/mine' } }, headers)
      const other = await createDistributor(hub, ownNode.id, { meta: { host: HOST, path: '/admin-on-own' } })
      assert.deepEqual(await getJson(hub, `${BASE}/distributors/nodes/${ownNode.id}`, headers), { distributors: [mine], total: 1, page: 1, per_page: 100 })
      assert.equal((await getJson<List>(hub, `${BASE}/distributors/nodes/${ownNode.id}`)).total, 2, "the admin's distributor on the caller's node is not the caller's")
      assertError(await call(hub, 'GET', `${BASE}/distributors/${other.id}`, undefined, headers), 404, 'NOT_FOUND', {}, 'GET')
      assert.deepEqual(await getJson(hub, `${BASE}/distributors/${mine.id}`, headers), mine)
      assertError(await call(hub, 'GET', `${BASE}/distributors/${theirs.id}`, undefined, headers), 404, 'NOT_FOUND', {}, 'GET')
      assertError(await call(hub, 'PUT', `${BASE}/distributors/${theirs.id}`, { meta: null }, headers), 404, 'NOT_FOUND', {}, 'PUT')
      assertError(await call(hub, 'DELETE', `${BASE}/distributors/${theirs.id}`, undefined, headers), 404, 'NOT_FOUND', {}, 'DELETE')
      assert.deepEqual(await getJson(hub, `${BASE}/distributors/${theirs.id}`), theirs, "the admin's distributor is untouched")
      assert.equal((await getJson<List>(hub, `${BASE}/distributors/nodes/${node.id}`)).total, 1, 'nothing was added to the admin\'s node')
    })
  })
}
