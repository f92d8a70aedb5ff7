// Tenants: /api/v1/tenants, endpoints and events that name a tenant, and routing that keeps
// each tenant's events to its own endpoints.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { assertError, assertFieldNamed } from '../helpers/native-errors.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'

reportSkippedPostgres()

const API_ONLY = { HOOKHUB_WORKERS: '0' }
const TARGET = 'https://receiver.example.com/hook'
type Auth = { authorization: string }

const inject = (hub: TestHub, method: string, url: string, payload?: unknown, headers: Auth = hub.admin) =>
  hub.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined && { payload: payload as object }) })

async function ok<T = Record<string, any>> (hub: TestHub, method: string, url: string, payload?: unknown, status = 200): Promise<T> {
  const res = await inject(hub, method, url, payload)
  assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`)
  return res.json() as T
}

const endpointFor = async (hub: TestHub, tenantId?: string) =>
  (await ok(hub, 'POST', '/api/v1/endpoints', { url: TARGET, ...(tenantId && { tenant_id: tenantId }) }, 201)).id as string

/** The endpoints an event reached, read from its deliveries. */
async function reached (hub: TestHub, body: Record<string, unknown>): Promise<string[]> {
  const event = await ok(hub, 'POST', '/api/v1/events', { type: 'order.created', payload: { n: 1 }, ...body }, 202)
  const detail = await ok<{ deliveries: { endpoint_id: string }[] }>(hub, 'GET', `/api/v1/events/${event.id}`)
  return detail.deliveries.map((d) => d.endpoint_id).sort()
}

for (const engine of engines) {
  describe(`[${engine}] tenants`, () => {
    test('create, read, list, update and delete; the id is the operator\'s own or a generated tnt_…', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const acme = await ok(hub, 'POST', '/api/v1/tenants', { id: 'acme:eu-1', name: 'Acme', metadata: { plan: 'pro' } }, 201)
      assert.deepEqual(Object.keys(acme).sort(), ['created_at', 'id', 'metadata', 'name', 'updated_at'])
      assert.deepEqual([acme.id, acme.name, acme.metadata], ['acme:eu-1', 'Acme', { plan: 'pro' }])
      const generated = await ok(hub, 'POST', '/api/v1/tenants', { name: 'Globex' }, 201)
      assert.match(generated.id, /^tnt_[0-9a-z]{26}$/)
      assert.deepEqual(generated.metadata, {})

      assert.deepEqual(await ok(hub, 'GET', '/api/v1/tenants/acme:eu-1'), acme)
      const page = await ok<{ data: { id: string }[] }>(hub, 'GET', '/api/v1/tenants?limit=500')
      assert.deepEqual(page.data.map((x) => x.id).sort(), ['acme:eu-1', generated.id].sort())
      const first = await ok<{ data: unknown[]; next_cursor: string }>(hub, 'GET', '/api/v1/tenants?limit=1')
      const second = await ok<{ data: unknown[]; next_cursor: string | null }>(hub, 'GET', `/api/v1/tenants?limit=1&cursor=${first.next_cursor}`)
      assert.equal(first.data.length + second.data.length, 2)
      assert.equal(second.next_cursor, null)

      const changed = await ok(hub, 'PATCH', '/api/v1/tenants/acme:eu-1', { metadata: { plan: 'enterprise' } })
      assert.deepEqual([changed.name, changed.metadata], ['Acme', { plan: 'enterprise' }])
      assert.equal((await ok(hub, 'PATCH', '/api/v1/tenants/acme:eu-1', { name: 'Acme EU' })).name, 'Acme EU')

      assert.equal((await inject(hub, 'DELETE', '/api/v1/tenants/acme:eu-1')).statusCode, 204)
      assertError(await inject(hub, 'GET', '/api/v1/tenants/acme:eu-1'), 404, 'HOOKHUB_NOT_FOUND')
      assertError(await inject(hub, 'DELETE', '/api/v1/tenants/acme:eu-1'), 404, 'HOOKHUB_NOT_FOUND')
      assertError(await inject(hub, 'PATCH', '/api/v1/tenants/acme:eu-1', { name: 'x' }), 404, 'HOOKHUB_NOT_FOUND')
    })

    test('bad input: a taken id 409, ids and fields out of shape 422, malformed JSON 400, no auth 401, no permission 403', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      await ok(hub, 'POST', '/api/v1/tenants', { id: 'acme', name: 'Acme' }, 201)
      assertError(await inject(hub, 'POST', '/api/v1/tenants', { id: 'acme', name: 'Again' }), 409, 'HOOKHUB_CONFLICT')
      for (const id of ['', 'a b', 'acme/1', 'é', 'x'.repeat(256)]) {
        assertFieldNamed(await inject(hub, 'POST', '/api/v1/tenants', { id, name: 'A' }), 'id', JSON.stringify(id))
      }
      assert.equal((await inject(hub, 'POST', '/api/v1/tenants', { id: 'x'.repeat(255), name: 'A' })).statusCode, 201)
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/tenants', { id: 'b' }), 'name', 'no name')
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/tenants', { name: 'x'.repeat(256) }), 'name', 'long name')
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/tenants', { name: 'A', metadata: [1] }), 'metadata', 'metadata array')
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/tenants', { name: 'A', metadata: 'x' }), 'metadata', 'metadata string')
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/tenants', { name: 'A', extra: 1 }), 'extra', 'unknown field')
      assertFieldNamed(await inject(hub, 'PATCH', '/api/v1/tenants/acme', { id: 'other' }), 'id', 'the id is not changed')
      const malformed = await hub.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{"name":' })
      assertError(malformed, 400, 'HOOKHUB_INVALID_JSON')
      const big = await inject(hub, 'POST', '/api/v1/tenants', { name: 'A', metadata: { blob: 'x'.repeat(1024 * 1024) } })
      assertError(big, 413, 'HOOKHUB_BODY_TOO_LARGE')
      assertError(await hub.app.inject({ method: 'GET', url: '/api/v1/tenants' }), 401, 'HOOKHUB_UNAUTHENTICATED')
      const viewer = await hub.userWith(['tenants.view'])
      assertError(await inject(hub, 'POST', '/api/v1/tenants', { name: 'A' }, viewer), 403, 'HOOKHUB_FORBIDDEN')
      assert.equal((await inject(hub, 'GET', '/api/v1/tenants/acme', undefined, viewer)).statusCode, 200)
      // Tenants have no owner: .own grants nothing.
      const own = await hub.userWith(['tenants.view.own'])
      assertError(await inject(hub, 'GET', '/api/v1/tenants', undefined, own), 403, 'HOOKHUB_FORBIDDEN')
    })

    test('endpoints name their tenant; unknown tenants answer 422; lists filter by tenant', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      await ok(hub, 'POST', '/api/v1/tenants', { id: 'acme', name: 'Acme' }, 201)
      const created = await ok(hub, 'POST', '/api/v1/endpoints', { url: TARGET, tenant_id: 'acme' }, 201)
      assert.equal(created.tenant_id, 'acme')
      assert.equal((await ok(hub, 'GET', `/api/v1/endpoints/${created.id}`)).tenant_id, 'acme')
      const plain = await endpointFor(hub)
      assert.equal('tenant_id' in (await ok(hub, 'GET', `/api/v1/endpoints/${plain}`)), false)
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/endpoints', { url: TARGET, tenant_id: 'nobody' }), 'tenant_id', 'unknown tenant')
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/endpoints', { url: TARGET, tenant_id: 'a b' }), 'tenant_id', 'bad tenant id')
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/endpoints', { url: TARGET, tenant_id: 7 }), 'tenant_id', 'tenant id of a wrong type')
      const listed = await ok<{ data: { id: string }[] }>(hub, 'GET', '/api/v1/endpoints?tenant_id=acme&limit=500')
      assert.deepEqual(listed.data.map((e) => e.id), [created.id])

      assertFieldNamed(await inject(hub, 'POST', '/api/v1/events', { type: 'x', payload: {}, tenant_id: 'nobody' }), 'tenant_id', 'publishing to an unknown tenant')
      const before = await ok<{ data: unknown[] }>(hub, 'GET', '/api/v1/events?limit=500')
      assert.equal(before.data.length, 0, 'nothing stored')

      const event = await ok(hub, 'POST', '/api/v1/events', { type: 'x', payload: {}, tenant_id: 'acme' }, 202)
      await ok(hub, 'POST', '/api/v1/events', { type: 'x', payload: {} }, 202)
      const detail = await ok(hub, 'GET', `/api/v1/events/${event.id}`)
      assert.equal(detail.tenant_id, 'acme')
      assert.equal(detail.deliveries[0].tenant_id, 'acme')
      const events = await ok<{ data: { id: string; tenant_id: string | null }[] }>(hub, 'GET', '/api/v1/events?tenant_id=acme&limit=500')
      assert.deepEqual(events.data.map((e) => e.id), [event.id])
      const deliveries = await ok<{ data: { endpoint_id: string; tenant_id?: string }[] }>(hub, 'GET', '/api/v1/deliveries?tenant_id=acme&limit=500')
      assert.deepEqual(deliveries.data.map((d) => [d.endpoint_id, d.tenant_id]), [[created.id, 'acme']])
    })

    test('an event with a tenant reaches that tenant\'s endpoints only; one without, endpoints without a tenant only', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      for (const id of ['a', 'b']) await ok(hub, 'POST', '/api/v1/tenants', { id, name: id }, 201)
      const a1 = await endpointFor(hub, 'a')
      const a2 = await endpointFor(hub, 'a')
      const b1 = await endpointFor(hub, 'b')
      const none = await endpointFor(hub)
      assert.deepEqual(await reached(hub, { tenant_id: 'a' }), [a1, a2].sort())
      assert.deepEqual(await reached(hub, { tenant_id: 'b' }), [b1])
      assert.deepEqual(await reached(hub, {}), [none])
      // Published together (one routing query for the batch), each still reaches its own.
      const results = await Promise.all(['a', 'b', null, 'a', 'b', null].map((tenant) => reached(hub, tenant ? { tenant_id: tenant } : {})))
      assert.deepEqual(results, [[a1, a2].sort(), [b1], [none], [a1, a2].sort(), [b1], [none]])
    })

    test('under .own, no tenant exists: endpoints and events naming one answer 404 and nothing is stored', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      await ok(hub, 'POST', '/api/v1/tenants', { id: 'acme', name: 'Acme' }, 201)
      const own = await hub.userWith(['endpoints.create.own', 'endpoints.view.own', 'events.publish.own'])
      assertError(await inject(hub, 'POST', '/api/v1/endpoints', { url: TARGET, tenant_id: 'acme' }, own), 404, 'HOOKHUB_NOT_FOUND')
      assertError(await inject(hub, 'POST', '/api/v1/events', { type: 'x', payload: {}, tenant_id: 'acme' }, own), 404, 'HOOKHUB_NOT_FOUND')
      assert.deepEqual((await inject(hub, 'GET', '/api/v1/endpoints', undefined, own)).json().data, [])
      assert.equal((await ok<{ data: unknown[] }>(hub, 'GET', '/api/v1/events?limit=500')).data.length, 0)
      assert.equal((await inject(hub, 'POST', '/api/v1/endpoints', { url: TARGET }, own)).statusCode, 201)
    })

    test('deleting a tenant deletes its endpoints and cancels their waiting deliveries; their history stays readable', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      await ok(hub, 'POST', '/api/v1/tenants', { id: 'gone', name: 'Gone' }, 201)
      await ok(hub, 'POST', '/api/v1/tenants', { id: 'kept', name: 'Kept' }, 201)
      const endpoint = await endpointFor(hub, 'gone')
      const other = await endpointFor(hub, 'kept')
      const event = await ok(hub, 'POST', '/api/v1/events', { type: 'x', payload: {}, tenant_id: 'gone' }, 202)
      assert.equal((await inject(hub, 'DELETE', '/api/v1/tenants/gone')).statusCode, 204)
      assertError(await inject(hub, 'GET', `/api/v1/endpoints/${endpoint}`), 404, 'HOOKHUB_NOT_FOUND')
      assert.equal((await inject(hub, 'GET', `/api/v1/endpoints/${other}`)).statusCode, 200)
      const detail = await ok(hub, 'GET', `/api/v1/events/${event.id}`)
      assert.equal(detail.deliveries.length, 1)
      assert.equal(detail.deliveries[0].status, 'cancelled')
      const history = await ok<{ data: { endpoint_id: string }[] }>(hub, 'GET', '/api/v1/deliveries?tenant_id=gone&limit=500')
      assert.deepEqual(history.data.map((d) => d.endpoint_id), [endpoint])
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/events', { type: 'x', payload: {}, tenant_id: 'gone' }), 'tenant_id', 'a deleted tenant')
    })
  })
}
