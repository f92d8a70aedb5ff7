// Brokerstr routing end to end against real local sinks: an event published with a node_id
// reaches the distributors of that node and of all its ancestors, and nobody else.
import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import { describe, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { FAST_DELIVERY, publish, settled } from '../../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import { startSink, type ReceivedRequest } from '../../helpers/sink.ts'
import { ACCOUNT, APEX, BASE, call, createDistributor, createNode, createTree, sleep } from './support.ts'

reportSkippedPostgres()

/** Long enough for a delivery that should not happen to have happened with FAST_DELIVERY. */
const QUIET_MS = 400

type Sink = Awaited<ReturnType<typeof startSink>>

/** Apex → Account → SubAccount plus a sibling Account, with a distributor on each of the first three. */
async function treeWithSinks (t: TestContext, hub: TestHub) {
  const { apex, account, sub } = await createTree(hub)
  const sibling = await createNode(hub, { name: 'Sibling', type: ACCOUNT, parent_id: apex.id })
  const sinks = { apex: await startSink(t), account: await startSink(t), sub: await startSink(t) }
  const distributors = {
    apex: await createDistributor(hub, apex.id, { meta: { host: sinks.apex.url, path: '/apex/hook', method: 3 } }),
    account: await createDistributor(hub, account.id, { meta: { host: sinks.account.url, path: '/account' } }),
    sub: await createDistributor(hub, sub.id, { meta: { host: sinks.sub.url, path: '/sub/in', method: 4 } }),
  }
  return { apex, account, sub, sibling, sinks, distributors }
}

const counts = (sinks: Record<string, Sink>) => Object.fromEntries(Object.entries(sinks).map(([name, s]) => [name, s.received.length]))

/** Standard Webhooks headers are there and the body is {"type", "timestamp", "data"}. */
function assertStandardDelivery (got: ReceivedRequest, eventId: string, type: string, data: unknown) {
  assert.equal(got.headers['content-type'], 'application/json')
  assert.equal(got.headers['webhook-id'], eventId)
  assert.match(String(got.headers['webhook-timestamp']), /^\d{10}$/)
  assert.ok(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000) < 60, 'webhook-timestamp is now')
  assert.match(String(got.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=( v1,[A-Za-z0-9+/]{43}=)*$/)
  const body = JSON.parse(got.body) as Record<string, unknown>
  assert.deepEqual(Object.keys(body), ['type', 'timestamp', 'data'])
  assert.equal(body.type, type)
  assert.match(String(body.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
  assert.deepEqual(body.data, data)
}

for (const engine of engines) {
  describe(`[${engine}] Brokerstr routing through the node tree`, () => {
    test('an event on the SubAccount reaches the distributors of the SubAccount, its Account and its Apex', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const { sub, sinks } = await treeWithSinks(t, hub)
      const payload = { order_id: 42, total: '19.90', customer: 'Çağla Öztürk' }
      const event = await publish(hub, 'order.created', payload, { node_id: sub.id })
      assert.equal(event.deliveries, 3)
      const deliveries = await settled(hub, event.id)
      assert.deepEqual(deliveries.map((d) => d.status), ['succeeded', 'succeeded', 'succeeded'])
      await Promise.all(Object.values(sinks).map((s) => s.waitFor(1)))
      await sleep(100)
      assert.deepEqual(counts(sinks), { apex: 1, account: 1, sub: 1 })

      // Each to host + path, with its own method.
      assert.deepEqual([sinks.apex.received[0].method, sinks.apex.received[0].url], ['PUT', '/apex/hook'])
      assert.deepEqual([sinks.account.received[0].method, sinks.account.received[0].url], ['POST', '/account'])
      assert.deepEqual([sinks.sub.received[0].method, sinks.sub.received[0].url], ['PATCH', '/sub/in'])
      for (const sink of Object.values(sinks)) assertStandardDelivery(sink.received[0], event.id, 'order.created', payload)
    })

    test('deliveries are signed with the distributor\'s own Standard Webhooks secret', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      const distributor = await createDistributor(hub, node.id, { meta: { host: sink.url, path: '/signed' } })
      const event = await publish(hub, 'order.created', { n: 1 }, { node_id: node.id })
      await settled(hub, event.id)
      assert.equal(sink.received.length, 1)
      // Brokerstr never shows the secret; the test reads it from the endpoint the distributor owns.
      const row = await hub.database.db.selectFrom('distributors').select('endpoint_id').where('id', '=', distributor.id).executeTakeFirstOrThrow()
      const endpoint = await hub.repositories.endpoints.findById(row.endpoint_id as string)
      assert.ok(endpoint, 'the distributor owns an endpoint')
      const [secret] = hub.services.endpoints.signingSecrets(endpoint, Date.now())
      assert.match(secret, /^whsec_/)
      const { headers, body } = sink.received[0]
      const verified = new Webhook(secret).verify(body, headers as Record<string, string>) as Record<string, unknown>
      assert.deepEqual(verified.data, { n: 1 })
      assert.throws(() => new Webhook(secret).verify(body.replace('"n":1', '"n":2'), headers as Record<string, string>))
    })

    test('an event on a sibling Account reaches only the Apex distributor', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const { sibling, sinks } = await treeWithSinks(t, hub)
      const event = await publish(hub, 'order.created', { n: 1 }, { node_id: sibling.id })
      assert.equal(event.deliveries, 1)
      await settled(hub, event.id)
      await sinks.apex.waitFor(1)
      await sleep(QUIET_MS)
      assert.deepEqual(counts(sinks), { apex: 1, account: 0, sub: 0 })
      assertStandardDelivery(sinks.apex.received[0], event.id, 'order.created', { n: 1 })
    })

    test('an event on the Account reaches the Account and the Apex, not the SubAccount below it', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const { account, sinks } = await treeWithSinks(t, hub)
      const event = await publish(hub, 'order.created', {}, { node_id: account.id })
      assert.equal(event.deliveries, 2)
      await settled(hub, event.id)
      await sleep(QUIET_MS)
      assert.deepEqual(counts(sinks), { apex: 1, account: 1, sub: 0 })
    })

    test('an event without node_id, or on another tree, reaches no distributor', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const { sinks } = await treeWithSinks(t, hub)
      const otherApex = await createNode(hub, { name: 'Other', type: APEX })
      for (const extra of [{}, { node_id: otherApex.id }]) {
        const event = await publish(hub, 'order.created', {}, extra)
        assert.equal(event.deliveries, 0, JSON.stringify(extra))
      }
      await sleep(QUIET_MS)
      assert.deepEqual(counts(sinks), { apex: 0, account: 0, sub: 0 })
    })

    test('after deleting the Account, events on its SubAccount reach nobody; the sibling still reaches the Apex', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const { account, sub, sibling, sinks } = await treeWithSinks(t, hub)
      assert.equal((await call(hub, 'DELETE', `${BASE}/nodes/${account.id}`)).statusCode, 204)
      for (const nodeId of [sub.id, account.id]) {
        const event = await publish(hub, 'order.created', { on: nodeId }, { node_id: nodeId })
        assert.equal(event.deliveries, 0, `an event on a deleted node (${nodeId}) is routed nowhere`)
      }
      await sleep(QUIET_MS)
      assert.deepEqual(counts(sinks), { apex: 0, account: 0, sub: 0 })

      const event = await publish(hub, 'order.created', { n: 2 }, { node_id: sibling.id })
      assert.equal(event.deliveries, 1)
      await settled(hub, event.id)
      await sleep(100)
      assert.deepEqual(counts(sinks), { apex: 1, account: 0, sub: 0 })
    })

    test('after moving the Account under another Apex, its SubAccount\'s events reach the new Apex, not the old one', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const { account, sub, sinks } = await treeWithSinks(t, hub)
      const apex2 = await createNode(hub, { name: 'Apex 2', type: APEX })
      const apex2Sink = await startSink(t)
      await createDistributor(hub, apex2.id, { meta: { host: apex2Sink.url, path: '/apex2' } })
      const moved = await call(hub, 'PUT', `${BASE}/nodes/${account.id}`, { parent_id: apex2.id })
      assert.equal(moved.statusCode, 200, moved.body)

      const event = await publish(hub, 'order.created', {}, { node_id: sub.id })
      assert.equal(event.deliveries, 3)
      await settled(hub, event.id)
      await sleep(QUIET_MS)
      assert.deepEqual({ ...counts(sinks), apex2: apex2Sink.received.length }, { apex: 0, account: 1, sub: 1, apex2: 1 })
    })

    test('a distributor with method GET is called with GET at host + path', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      await createDistributor(hub, node.id, { meta: { host: sink.url, path: '/poll/me', method: 1 } })
      const event = await publish(hub, 'order.created', {}, { node_id: node.id })
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'succeeded')
      assert.equal(sink.received.length, 1)
      // The event rides in the query (test/core/bodyless-delivery.test.ts checks it whole).
      assert.deepEqual([sink.received[0].method, sink.received[0].url.split('?')[0]], ['GET', '/poll/me'])
      assert.equal(sink.received[0].headers['webhook-id'], event.id)
      assert.ok(sink.received[0].headers['webhook-signature'])
    })
  })
}
