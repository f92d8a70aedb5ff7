// Endpoints a dialect owns (a Brokerstr distributor's, an Incoplax integration point's, a
// Thulium webhook's) are readable through /api/v1/endpoints but changed only through their
// dialect: every mutating endpoint route answers 409 HOOKHUB_OWNED_BY_DIALECT naming the
// route that manages them, and changes nothing.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { assertError } from '../helpers/native-errors.ts'

reportSkippedPostgres()

type Owned = { dialect: string; ownerId: string; endpointId: string; route: string }

async function call (hub: TestHub, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) {
  return hub.app.inject({ method, url, headers: { ...hub.admin, 'x-target-server': 'integration' }, ...(payload && { payload }) })
}

async function endpointOwnedBy (hub: TestHub, dialect: string, ownerId: string): Promise<string> {
  const list = (await call(hub, 'GET', '/api/v1/endpoints?limit=500')).json() as { data: { id: string; owner?: { dialect: string; id: string } }[] }
  const endpoint = list.data.find((e) => e.owner?.dialect === dialect && e.owner.id === ownerId)
  assert.ok(endpoint, `the ${dialect} resource ${ownerId} owns an endpoint listed with its owner`)
  return endpoint.id
}

/** One endpoint of each owning dialect, made through that dialect. */
async function ownedEndpoints (hub: TestHub): Promise<Owned[]> {
  const node = (await call(hub, 'POST', '/api/v1/integration/nodes', { name: 'Acme', type: 1 })).json().id as string
  const distributor = (await call(hub, 'POST', `/api/v1/integration/distributors/nodes/${node}`, {
    meta: { host: 'https://receiver.example.com', path: '/hook', method: 2 },
  })).json().id as string
  const point = (await call(hub, 'POST', '/rest/v1/service/integration_points', { code: 'OWNED', type: 'public', url: 'https://receiver.example.com/point' })).json().id as string
  const webhook = String((await call(hub, 'POST', '/api/webhooks', { actions: ['CALL_ENDED'], subscription_url: 'https://receiver.example.com/thulium' })).json().id)
  return Promise.all([
    ['brokerstr', distributor, `/api/v1/integration/distributors/${distributor}`],
    ['incoplax', point, `/rest/v1/service/integration_points/${point}`],
    ['thulium', webhook, `/api/webhooks/${webhook}`],
  ].map(async ([dialect, ownerId, route]) => ({ dialect, ownerId, route, endpointId: await endpointOwnedBy(hub, dialect, ownerId) })))
}

for (const engine of engines) {
  describe(`[${engine}] endpoints owned by a dialect`, () => {
    test('PATCH, DELETE, pause, resume and rotate-secret answer 409 HOOKHUB_OWNED_BY_DIALECT naming the dialect route; nothing changes', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_WORKERS: '0' })
      for (const owned of await ownedEndpoints(hub)) {
        const base = `/api/v1/endpoints/${owned.endpointId}`
        const before = await call(hub, 'GET', base)
        assert.equal(before.statusCode, 200, 'readable through the native API')
        assert.deepEqual(before.json().owner, { dialect: owned.dialect, id: owned.ownerId })
        const mutations: [string, 'POST' | 'PATCH' | 'DELETE', string, object?][] = [
          ['PATCH', 'PATCH', base, { url: 'https://elsewhere.example.com/' }],
          ['DELETE', 'DELETE', base],
          ['pause', 'POST', `${base}/pause`],
          ['resume', 'POST', `${base}/resume`],
          ['rotate-secret', 'POST', `${base}/rotate-secret`],
        ]
        for (const [what, method, url, payload] of mutations) {
          const res = await call(hub, method, url, payload)
          const error = assertError(res, 409, 'HOOKHUB_OWNED_BY_DIALECT')
          assert.ok(error.message.includes(owned.route), `${owned.dialect} ${what}: the message names ${owned.route}: ${error.message}`)
          assert.deepEqual(error.details, { dialect: owned.dialect, owner_id: owned.ownerId, route: owned.route }, `${owned.dialect} ${what}`)
        }
        const after = await call(hub, 'GET', base)
        assert.deepEqual(after.json(), before.json(), `${owned.dialect}: nothing changed`)
        // The dialect itself still manages it.
        const removed = await call(hub, 'DELETE', owned.route)
        assert.ok([200, 204].includes(removed.statusCode), `${owned.route}: ${removed.statusCode} ${removed.body}`)
        assert.equal((await call(hub, 'GET', base)).statusCode, 404, `${owned.dialect}: deleted with its dialect resource`)
      }
    })

    test('a caller who cannot see the endpoint still gets 404, not a hint that it exists', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_WORKERS: '0' })
      const [owned] = await ownedEndpoints(hub)
      const other = await hub.userWith(['endpoints.view.own', 'endpoints.manage.own', 'endpoints.delete.own'])
      const res = await hub.app.inject({ method: 'DELETE', url: `/api/v1/endpoints/${owned.endpointId}`, headers: { authorization: other.authorization } })
      assertError(res, 404, 'HOOKHUB_NOT_FOUND')
    })
  })
}
