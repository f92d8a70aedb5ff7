// Isolation between owners when publishing: under `events.publish.own` an event reaches only
// the publisher's own routes (native endpoints and those the dialects made: distributors,
// integration points, Thulium webhooks), and naming another owner's node or channel answers 404
// with nothing stored. The unscoped `events.publish` reaches every owner.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub } from '../helpers/hub.ts'
import { assertError } from '../helpers/native-errors.ts'
import { startSink } from '../helpers/sink.ts'
import { API_ONLY, eventCount, made, twoOwners } from './owners.ts'

reportSkippedPostgres()

for (const engine of engines) {
  describe(`[${engine}] publishing under events.publish.own reaches the publisher's own routes only`, () => {
    test("another owner's node_id: 404 HOOKHUB_NOT_FOUND, nothing stored, its distributor gets nothing", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, routesB, publish } = await twoOwners(hub)
      const before = await eventCount(hub)
      const { res } = await publish(a, { node_id: routesB.node })
      assertError(res, 404, 'HOOKHUB_NOT_FOUND')
      assert.equal(await eventCount(hub), before, 'no event stored')
    })

    test("another owner's channel (its integration point's code): 404, nothing stored", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, routesB, publish } = await twoOwners(hub)
      const before = await eventCount(hub)
      const { res } = await publish(a, { channel: routesB.code })
      assertError(res, 404, 'HOOKHUB_NOT_FOUND')
      assert.equal(await eventCount(hub), before, 'no event stored')
    })

    test("without node or channel: the publisher's unscoped routes only, not another owner's nor the admin's", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, b, publish } = await twoOwners(hub)
      assert.deepEqual((await publish(a)).reached, ['a.endpoint', 'a.webhook'])
      assert.deepEqual((await publish(b)).reached, ['b.endpoint', 'b.webhook'])
    })

    test("its own node and channel: its own distributor and integration point, never another owner's", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, routesA, publish } = await twoOwners(hub)
      assert.deepEqual((await publish(a, { node_id: routesA.node })).reached, ['a.distributor', 'a.endpoint', 'a.webhook'])
      assert.deepEqual((await publish(a, { channel: routesA.code })).reached, ['a.endpoint', 'a.point', 'a.webhook'])
    })

    test('a node id or channel that names no node or integration point is a label: it reaches only the publisher\'s routes', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, b, publish } = await twoOwners(hub)
      const scopedB = await made(hub, '/api/v1/endpoints', b, { url: 'https://receiver.example.com/b/scoped', filter: { types: ['*'], node_id: 'store-7', channel: 'shop' } })
      const scopedA = await made(hub, '/api/v1/endpoints', a, { url: 'https://receiver.example.com/a/scoped', filter: { types: ['*'], node_id: 'store-7', channel: 'shop' } })
      const { res, reached } = await publish(a, { node_id: 'store-7', channel: 'shop' })
      assert.equal(res.statusCode, 202, res.body)
      assert.deepEqual(reached, ['a.endpoint', 'a.webhook', scopedA.id].sort())
      assert.ok(!reached.includes(scopedB.id))
    })

    test('a deleted node of its own: 404', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, routesA, publish } = await twoOwners(hub)
      const deleted = await hub.app.inject({ method: 'DELETE', url: `/api/v1/integration/nodes/${routesA.node}`, headers: { ...hub.admin, 'x-target-server': 'integration' } })
      assert.equal(deleted.statusCode, 204, deleted.body)
      assertError((await publish(a, { node_id: routesA.node })).res, 404, 'HOOKHUB_NOT_FOUND')
    })

    test('the unscoped events.publish and * reach every owner, as before', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { routesB, publish } = await twoOwners(hub)
      const publisher = await hub.userWith(['events.publish'])
      for (const auth of [publisher, hub.admin]) {
        assert.deepEqual((await publish(auth)).reached, ['a.endpoint', 'a.webhook', 'admin.endpoint', 'b.endpoint', 'b.webhook'])
        assert.deepEqual((await publish(auth, { node_id: routesB.node })).reached,
          ['a.endpoint', 'a.webhook', 'admin.endpoint', 'b.distributor', 'b.endpoint', 'b.webhook'])
        assert.deepEqual((await publish(auth, { channel: routesB.code })).reached,
          ['a.endpoint', 'a.webhook', 'admin.endpoint', 'b.endpoint', 'b.point', 'b.webhook'])
      }
    })

    test('publishes of several owners at once (one routing query) each keep to their own routes', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, b, routesA, publish } = await twoOwners(hub)
      const answers = await Promise.all([publish(a, { node_id: routesA.node }), publish(b), publish(a), publish(hub.admin), publish(b)])
      assert.deepEqual(answers.map((r) => r.reached), [
        ['a.distributor', 'a.endpoint', 'a.webhook'], ['b.endpoint', 'b.webhook'], ['a.endpoint', 'a.webhook'],
        ['a.endpoint', 'a.webhook', 'admin.endpoint', 'b.endpoint', 'b.webhook'], ['b.endpoint', 'b.webhook'],
      ])
      const ownOnly = await Promise.all([publish(a), publish(b)])
      assert.deepEqual(ownOnly.map((r) => r.reached), [['a.endpoint', 'a.webhook'], ['b.endpoint', 'b.webhook']])
    })

    test("handed to this process's worker: only the publisher's own receivers are called", async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true' })
      const sink = await startSink(t)
      const { a, routesA, publish } = await twoOwners(hub, sink.url)
      const { reached } = await publish(a, { node_id: routesA.node })
      assert.deepEqual(reached, ['a.distributor', 'a.endpoint', 'a.webhook'])
      await sink.waitFor(3, 30_000)
      assert.deepEqual(sink.received.map((r) => r.url.split('?')[0]).sort(), ['/a/distributor', '/a/endpoint', '/a/webhook'])
    })
  })
}
