// Isolation between owners when subscribing: under `endpoints.create.own` and
// `endpoints.manage.own`, an endpoint's filter.node_id may not name another owner's Brokerstr node
// and its filter.channel may not name another owner's integration point (404, nothing created or
// changed); labels that name neither stay free. The unscoped permissions may filter on anything.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { assertError } from '../helpers/native-errors.ts'
import { API_ONLY, listEndpoints, made, twoOwners, type Auth } from './owners.ts'

reportSkippedPostgres()

const URL = 'https://receiver.example.com/filtered'

const create = (hub: TestHub, auth: Auth, filter: Record<string, unknown>) =>
  hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: auth, payload: { url: URL, filter: { types: ['*'], ...filter } } })

const update = (hub: TestHub, auth: Auth, id: string, filter: Record<string, unknown>) =>
  hub.app.inject({ method: 'PATCH', url: `/api/v1/endpoints/${id}`, headers: auth, payload: { filter } })

for (const engine of engines) {
  describe(`[${engine}] an .own endpoint filters only on its owner's nodes and channels`, () => {
    test("creating with another owner's node_id or channel: 404 HOOKHUB_NOT_FOUND, nothing created", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, routesB } = await twoOwners(hub)
      const before = (await listEndpoints(hub)).length
      assertError(await create(hub, a, { node_id: routesB.node }), 404, 'HOOKHUB_NOT_FOUND')
      assertError(await create(hub, a, { channel: routesB.code }), 404, 'HOOKHUB_NOT_FOUND')
      assertError(await create(hub, a, { node_id: 'store-7', channel: routesB.code }), 404, 'HOOKHUB_NOT_FOUND')
      assert.equal((await listEndpoints(hub)).length, before, 'no endpoint created')
    })

    test("changing the filter to another owner's node_id or channel: 404, the endpoint unchanged", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, routesA, routesB } = await twoOwners(hub)
      const own = await made(hub, '/api/v1/endpoints', a, { url: URL, filter: { types: ['*'], node_id: routesA.node } })
      assertError(await update(hub, a, own.id as string, { node_id: routesB.node }), 404, 'HOOKHUB_NOT_FOUND')
      assertError(await update(hub, a, own.id as string, { channel: routesB.code }), 404, 'HOOKHUB_NOT_FOUND')
      const stored = (await listEndpoints(hub)).find((e) => e.id === own.id)
      assert.deepEqual(stored?.filter, { types: ['*'], node_id: routesA.node })
    })

    test('its own node and channel, and labels that name no node or integration point, are accepted', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, routesA } = await twoOwners(hub)
      for (const filter of [{ node_id: routesA.node }, { channel: routesA.code }, { node_id: 'store-7', channel: 'shop' }]) {
        const res = await create(hub, a, filter)
        assert.equal(res.statusCode, 201, res.body)
      }
      const own = await made(hub, '/api/v1/endpoints', a, { url: URL })
      const res = await update(hub, a, own.id as string, { types: ['*'], node_id: routesA.node, channel: routesA.code })
      assert.equal(res.statusCode, 200, res.body)
    })

    test("the unscoped endpoints.create may filter on any owner's node; an .own publish into that node still reaches only its publisher's routes", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, routesA, publish } = await twoOwners(hub)
      const maker = await hub.userWith(['endpoints.create', 'endpoints.manage'])
      const res = await create(hub, maker, { node_id: routesA.node })
      assert.equal(res.statusCode, 201, res.body)
      assert.equal((await update(hub, maker, res.json().id as string, { channel: routesA.code })).statusCode, 200)
      const { reached } = await publish(a, { node_id: routesA.node })
      assert.deepEqual(reached, ['a.distributor', 'a.endpoint', 'a.webhook'])
    })
  })
}
