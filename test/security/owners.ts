// Shared by the owner-isolation tests (publish-scope, source-scope, endpoint-filter-scope): two
// owners A and B holding only `.own` permissions, each with one route of every kind (a native
// endpoint, a Brokerstr distributor on its node, a Thulium webhook, an Incoplax integration
// point), plus an admin endpoint; and the names of the routes an event reached.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { TestHub } from '../helpers/hub.ts'

export type Auth = { authorization: string }

export const OWN_MAKER = [
  'events.publish.own', 'endpoints.create.own', 'endpoints.manage.own', 'nodes.create.own', 'distributors.create.own',
  'webhooks.create.own', 'integration_points.create.own', 'sources.create.own', 'integrations.create.own',
]
/** Thulium webhooks subscribe to actions: every route below listens to this type. */
export const TYPE = 'CALL_ENDED'

/** No workers: deliveries stay on record, nothing leaves the process. */
export const API_ONLY = { HOOKHUB_WORKERS: '0' }

export async function made (hub: TestHub, url: string, auth: Auth, payload: unknown) {
  const res = await hub.app.inject({ method: 'POST', url, headers: { ...auth, 'x-target-server': 'integration' }, payload: payload as object })
  assert.ok([200, 201].includes(res.statusCode), `POST ${url}: ${res.statusCode} ${res.body}`)
  return res.json() as Record<string, any>
}

export async function listEndpoints (hub: TestHub) {
  const res = await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints?limit=500', headers: hub.admin })
  assert.equal(res.statusCode, 200, res.body)
  return (res.json() as { data: { id: string; owner?: { dialect: string; id: string }; filter: { types: string[]; node_id?: string; channel?: string } }[] }).data
}

export async function eventCount (hub: TestHub) {
  const res = await hub.app.inject({ method: 'GET', url: '/api/v1/events?limit=500', headers: hub.admin })
  assert.equal(res.statusCode, 200, res.body)
  return (res.json() as { data: unknown[] }).data.length
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
  return { node: node.id as string, code, point: point as { id: string; token_local: string }, endpoints: endpoints as Record<string, string> }
}

/** Two owners A and B holding OWN_MAKER and one route of each kind, plus an admin endpoint. */
export async function twoOwners (hub: TestHub, target = 'https://receiver.example.com') {
  const a = await hub.userWith(OWN_MAKER)
  const b = await hub.userWith(OWN_MAKER)
  const routesA = await routesOf(hub, 'a', a, target)
  const routesB = await routesOf(hub, 'b', b, target)
  const admin = await made(hub, '/api/v1/endpoints', hub.admin, { url: `${target}/admin/endpoint` })
  const names = new Map(Object.entries({ ...routesA.endpoints, ...routesB.endpoints, 'admin.endpoint': admin.id as string }).map(([name, id]) => [id, name]))
  /** The names of the routes an event's deliveries went to, sorted (ids of endpoints made later). */
  async function reachedBy (eventId: string) {
    const detail = await hub.app.inject({ method: 'GET', url: `/api/v1/events/${eventId}`, headers: hub.admin })
    assert.equal(detail.statusCode, 200, detail.body)
    return (detail.json() as { deliveries: { endpoint_id: string }[] }).deliveries.map((d) => names.get(d.endpoint_id) ?? d.endpoint_id).sort()
  }
  /** Publishes as `auth`; on 202, the names of the routes its deliveries went to. */
  async function publish (auth: Auth, extra: Record<string, string> = {}) {
    const res = await hub.app.inject({ method: 'POST', url: '/api/v1/events', headers: auth, payload: { type: TYPE, payload: { n: 1 }, ...extra } })
    if (res.statusCode !== 202) return { res, reached: [] as string[] }
    const reached = await reachedBy(res.json().id)
    assert.equal(res.json().deliveries, reached.length)
    return { res, reached }
  }
  return { a, b, routesA, routesB, publish, reachedBy }
}
