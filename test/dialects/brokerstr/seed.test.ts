// Brokerstr seed 001: the "Distributor Oluştur" cURL example verbatim, and what happens to its
// credentials afterwards (echoed on create, masked on read, kept by "********", used on delivery).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { FAST_DELIVERY, publish, settled } from '../../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { ADMIN_TOKEN, startHub } from '../../helpers/hub.ts'
import { startSink } from '../../helpers/sink.ts'
import {
  APEX, assertTimestamp, BASE, basic, call, createDistributor, createNode, getJson, MASK, SEED_BODY, SEED_RESPONSE_META, UUID,
  type WireDistributor,
} from './support.ts'

reportSkippedPostgres()

for (const engine of engines) {
  describe(`[${engine}] Brokerstr seed 001: POST /api/v1/integration/distributors/nodes/{node_id}`, () => {
    test("the seed's cURL example, sent verbatim, answers 201 with exactly the seed's fields and value formats", async (t) => {
      const hub = await startHub(t, engine)
      const node = await createNode(hub, { name: 'Brokerstr', type: APEX })
      // curl -X POST '…/distributors/nodes/<node_id>' -H "Content-Type: application/json"
      //   -H "X-Target-Server: integration" -H "Authorization: Bearer <access_token>" -d '…'
      const res = await hub.app.inject({
        method: 'POST',
        url: `/api/v1/integration/distributors/nodes/${node.id}`,
        headers: {
          'Content-Type': 'application/json',
          'X-Target-Server': 'integration',
          Authorization: `Bearer ${ADMIN_TOKEN}`,
        },
        payload: SEED_BODY,
      })
      assert.equal(res.statusCode, 201, res.body)
      assert.match(String(res.headers['content-type']), /^application\/json/)
      const body = res.json() as WireDistributor
      assert.match(body.id, UUID)
      assertTimestamp(body.created_at, 'created_at')
      assertTimestamp(body.updated_at, 'updated_at')
      assert.equal(body.updated_at, body.created_at, 'a new distributor was updated when it was created (as in the seed)')
      assert.deepEqual(body, {
        id: body.id,
        node_id: node.id,
        meta: {
          host: 'https://example.com',
          path: '/webhook',
          method: 'GET',
          authentication: { type: 1, username: 'user', password: 'pass' },
        },
        created_at: body.created_at,
        updated_at: body.updated_at,
      })
      assert.equal(typeof body.meta?.method, 'string', 'method 1 is answered as the string "GET"')
    })

    test('reads after create mask the password as "********": GET one and the list', async (t) => {
      const hub = await startHub(t, engine)
      const node = await createNode(hub, { name: 'Brokerstr', type: APEX })
      const created = await createDistributor(hub, node.id, JSON.parse(SEED_BODY))
      assert.equal(created.meta?.authentication?.password, 'pass')
      const masked = { ...created, meta: { ...SEED_RESPONSE_META, authentication: { type: 1, username: 'user', password: MASK } } }

      const one = await getJson(hub, `${BASE}/distributors/${created.id}`)
      assert.deepEqual(one, masked)
      const list = await getJson<{ distributors: unknown[] }>(hub, `${BASE}/distributors/nodes/${node.id}`)
      assert.deepEqual(list, { distributors: [masked], total: 1, page: 1, per_page: 100 })
      for (const text of [JSON.stringify(one), JSON.stringify(list)]) assert.equal(text.includes('"pass"'), false, text)
    })

    test('PUT with "********" keeps the stored password: the next delivery still carries Basic user:pass', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const node = await createNode(hub, { name: 'Brokerstr', type: APEX })
      const created = await createDistributor(hub, node.id, {
        meta: { host: sink.url, path: '/before', method: 2, authentication: { type: 1, username: 'user', password: 'pass' } },
      })

      const put = await call(hub, 'PUT', `${BASE}/distributors/${created.id}`, {
        meta: { host: sink.url, path: '/after', method: 3, authentication: { type: 1, username: 'user', password: MASK } },
      })
      assert.equal(put.statusCode, 200, put.body)
      const updated = put.json() as WireDistributor
      assertTimestamp(updated.updated_at, 'updated_at')
      assert.deepEqual(updated, {
        id: created.id,
        node_id: node.id,
        meta: { host: sink.url, path: '/after', method: 'PUT', authentication: { type: 1, username: 'user', password: MASK } },
        created_at: created.created_at,
        updated_at: updated.updated_at,
      }, 'the update answers like a read: masked')

      const event = await publish(hub, 'order.created', { order: 1 }, { node_id: node.id })
      assert.equal(event.deliveries, 1)
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'succeeded')
      assert.equal(sink.received.length, 1)
      const got = sink.received[0]
      assert.equal(got.method, 'PUT')
      assert.equal(got.url, '/after')
      assert.equal(got.headers.authorization, basic('user', 'pass'), 'the stored password, not the mask')
    })

    test('PUT with a new password replaces it; the delivery carries the new one', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const node = await createNode(hub, { name: 'Brokerstr', type: APEX })
      const created = await createDistributor(hub, node.id, {
        meta: { host: sink.url, path: '/webhook', authentication: { type: 1, username: 'user', password: 'pass' } },
      })
      const put = await call(hub, 'PUT', `${BASE}/distributors/${created.id}`, {
        meta: { host: sink.url, path: '/webhook', authentication: { type: 1, username: 'other', password: 'n3w-pässword' } },
      })
      assert.equal(put.statusCode, 200, put.body)
      assert.deepEqual((put.json() as WireDistributor).meta?.authentication, { type: 1, username: 'other', password: MASK })
      const event = await publish(hub, 'order.created', {}, { node_id: node.id })
      await settled(hub, event.id)
      assert.equal(sink.received.length, 1)
      assert.equal(sink.received[0].headers.authorization, basic('other', 'n3w-pässword'))
    })

    test('token authentication (type 2): echoed on create, masked on read, kept by "********", sent as Authorization: Bearer', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const node = await createNode(hub, { name: 'Brokerstr', type: APEX })
      const created = await createDistributor(hub, node.id, {
        meta: { host: sink.url, path: '/webhook', method: 2, authentication: { type: 2, token: 'tok_1234567890' } },
      })
      assert.deepEqual(created.meta, {
        host: sink.url, path: '/webhook', method: 'POST', authentication: { type: 2, token: 'tok_1234567890' },
      })
      const read = await getJson<WireDistributor>(hub, `${BASE}/distributors/${created.id}`)
      assert.deepEqual(read.meta?.authentication, { type: 2, token: MASK })

      const first = await publish(hub, 'order.created', {}, { node_id: node.id })
      await settled(hub, first.id)
      assert.equal(sink.received.length, 1)
      assert.equal(sink.received[0].headers.authorization, 'Bearer tok_1234567890')

      const put = await call(hub, 'PUT', `${BASE}/distributors/${created.id}`, {
        meta: { host: sink.url, path: '/webhook', method: 2, authentication: { type: 2, token: MASK } },
      })
      assert.equal(put.statusCode, 200, put.body)
      assert.deepEqual((put.json() as WireDistributor).meta?.authentication, { type: 2, token: MASK })
      const second = await publish(hub, 'order.updated', {}, { node_id: node.id })
      await settled(hub, second.id)
      assert.equal(sink.received.length, 2)
      assert.equal(sink.received[1].headers.authorization, 'Bearer tok_1234567890', 'the stored token, not the mask')
    })

    test('a distributor without authentication sends no Authorization header', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const node = await createNode(hub, { name: 'Brokerstr', type: APEX })
      const created = await createDistributor(hub, node.id, { meta: { host: sink.url, path: '/open' } })
      assert.deepEqual(created.meta, { host: sink.url, path: '/open', method: 'POST' })
      const event = await publish(hub, 'order.created', {}, { node_id: node.id })
      await settled(hub, event.id)
      assert.equal(sink.received.length, 1)
      assert.equal(sink.received[0].headers.authorization, undefined)
    })

    test('"********" where nothing is stored is no password: 400 naming meta.authentication', async (t) => {
      const hub = await startHub(t, engine)
      const node = await createNode(hub, { name: 'Brokerstr', type: APEX })
      // A distributor whose webhook was removed has no password behind the mask.
      const created = await createDistributor(hub, node.id, JSON.parse(SEED_BODY))
      const removed = await call(hub, 'PUT', `${BASE}/distributors/${created.id}`, { meta: null })
      assert.equal(removed.statusCode, 200, removed.body)
      const res = await call(hub, 'PUT', `${BASE}/distributors/${created.id}`, {
        meta: { host: 'https://example.com', path: '/webhook', method: 1, authentication: { type: 1, username: 'user', password: MASK } },
      })
      assert.equal(res.statusCode, 400, `a mask with nothing stored must not become the password "********": ${res.body}`)
      assert.equal(res.json().error.code, 'VALIDATION_ERROR')
      assert.ok(Object.keys(res.json().error.details).some((k: string) => k.startsWith('meta.authentication')), res.body)
    })
  })
}
