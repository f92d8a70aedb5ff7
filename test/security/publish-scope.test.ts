// Isolation between owners when publishing: under `events.publish.own` an event reaches only
// the publisher's own routes (native endpoints and those the dialects made: distributors,
// integration points, Thulium webhooks), and naming another owner's node or channel answers 404
// with nothing stored. The unscoped `events.publish` reaches every owner.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { assertError } from '../helpers/native-errors.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

type Auth = { authorization: string }

const OWN_MAKER = [
  'events.publish.own', 'endpoints.create.own', 'nodes.create.own', 'distributors.create.own',
  'webhooks.create.own', 'integration_points.create.own',
]
/** Thulium webhooks subscribe to actions: every route below listens to this type. */
const TYPE = 'CALL_ENDED'

async function made (hub: TestHub, url: string, auth: Auth, payload: unknown) {
  const res = await hub.app.inject({ method: 'POST', url, headers: { ...auth, 'x-target-server': 'integration' }, payload: payload as object })
  assert.ok([200, 201].includes(res.statusCode), `POST ${url}: ${res.statusCode} ${res.body}`)
  return res.json() as Record<string, any>
}

/** One route of each kind owned by `auth`'s user, all aimed at `target`; the ids of their endpoints by name. */
async function routesOf (hub: TestHub, who: string, auth: Auth, target: string) {
  const endpoint = await made(hub, '/api/v1/endpoints', auth, { url: `${target}/${who}/endpoint` })
  const node = await made(hub, '/api/v1/integration/nodes', auth, { name: `${who} apex`, type: 1 })
  const distributor = await made(hub, `/api/v1/integration/distributors/nodes/${node.id}`, auth, { meta: { host: target, path: `/${who}/distributor`, method: 2 } })
  const webhook = await made(hub, '/api/webhooks', auth, { actions: [TYPE], subscription_url: `${target}/${who}/webhook` })
  const code = `P${randomBytes(4).toString('hex')}`
  const point = await made(hub, '/rest/v1/service/integration_points', auth, { code, type: 'public', url: `${target}/${who}/point` })
  const owned = await listEndpoints(hub)
  const ownedBy = (dialect: string, id: unknown) => owned.find((e) => e.owner?.dialect === dialect && e.owner.id === String(id))?.id
  const endpoints = {
    [`${who}.endpoint`]: endpoint.id as string,
    [`${who}.distributor`]: ownedBy('brokerstr', distributor.id),
    [`${who}.webhook`]: ownedBy('thulium', webhook.id),
    [`${who}.point`]: ownedBy('incoplax', point.id),
  }
  for (const [name, id] of Object.entries(endpoints)) assert.ok(id, `the endpoint of ${name}`)
  return { node: node.id as string, code, endpoints: endpoints as Record<string, string> }
}

async function listEndpoints (hub: TestHub) {
  const res = await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints?limit=500', headers: hub.admin })
  assert.equal(res.statusCode, 200, res.body)
  return (res.json() as { data: { id: string; owner?: { dialect: string; id: string } }[] }).data
}

async function eventCount (hub: TestHub) {
  const res = await hub.app.inject({ method: 'GET', url: '/api/v1/events?limit=500', headers: hub.admin })
  assert.equal(res.statusCode, 200, res.body)
  return (res.json() as { data: unknown[] }).data.length
}

/** Two owners A and B with `events.publish.own` and one route of each kind, plus an admin endpoint. */
async function twoOwners (hub: TestHub, target = 'https://receiver.example.com') {
  const a = await hub.userWith(OWN_MAKER)
  const b = await hub.userWith(OWN_MAKER)
  const routesA = await routesOf(hub, 'a', a, target)
  const routesB = await routesOf(hub, 'b', b, target)
  const admin = await made(hub, '/api/v1/endpoints', hub.admin, { url: `${target}/admin/endpoint` })
  const names = new Map(Object.entries({ ...routesA.endpoints, ...routesB.endpoints, 'admin.endpoint': admin.id as string }).map(([name, id]) => [id, name]))
  /** Publishes as `auth`; on 202, the names of the routes its deliveries went to, sorted. */
  async function publish (auth: Auth, extra: Record<string, string> = {}) {
    const res = await hub.app.inject({ method: 'POST', url: '/api/v1/events', headers: auth, payload: { type: TYPE, payload: { n: 1 }, ...extra } })
    if (res.statusCode !== 202) return { res, reached: [] as string[] }
    const detail = await hub.app.inject({ method: 'GET', url: `/api/v1/events/${res.json().id}`, headers: hub.admin })
    const reached = (detail.json() as { deliveries: { endpoint_id: string }[] }).deliveries.map((d) => names.get(d.endpoint_id) ?? d.endpoint_id).sort()
    assert.equal(res.json().deliveries, reached.length)
    return { res, reached }
  }
  return { a, b, routesA, routesB, publish }
}

/** No workers: deliveries stay on record, nothing leaves the process. */
const API_ONLY = { HOOKHUB_WORKERS: '0' }

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
