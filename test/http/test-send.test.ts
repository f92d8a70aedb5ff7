// POST /api/v1/endpoints/{id}/test (one test event to one endpoint) and GET /api/v1/endpoints/{id}/secret.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { assertError, assertFieldNamed } from '../helpers/native-errors.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

/** No workers: deliveries stay pending, so what was created can be read back at leisure. */
const API_ONLY = { HOOKHUB_WORKERS: '0' }
type Auth = { authorization: string }

async function endpoint (hub: TestHub, body: Record<string, unknown> = {}, headers: Auth = hub.admin) {
  const res = await hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers, payload: { url: 'https://example.com/hook', ...body } })
  assert.equal(res.statusCode, 201, res.body)
  return res.json() as { id: string; secret: string }
}

const sendTest = (hub: TestHub, id: string, payload?: unknown, headers: Auth = hub.admin) =>
  hub.app.inject({ method: 'POST', url: `/api/v1/endpoints/${id}/test`, headers, ...(payload !== undefined && { payload: payload as object }) })
const get = (hub: TestHub, url: string, headers: Auth = hub.admin) => hub.app.inject({ method: 'GET', url, headers })

async function deliveryOf (hub: TestHub, res: { statusCode: number; body: string; json: () => unknown }) {
  assert.equal(res.statusCode, 202, res.body)
  const { delivery_id: id } = res.json() as { delivery_id: string }
  assert.match(id, /^dlv_[0-9a-z]{26}$/)
  const delivery = (await get(hub, `/api/v1/deliveries/${id}`)).json() as { endpoint_id: string; event_id: string }
  const event = (await get(hub, `/api/v1/events/${delivery.event_id}`)).json() as
    { type: string; source: string; payload: unknown; deliveries: { id: string; endpoint_id: string }[] }
  return { id, delivery, event }
}

for (const engine of engines) {
  describe(`[${engine}] test send`, () => {
    test('goes to that endpoint alone, whatever its filter; without a catalog, type from the filter and payload {}', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const target = await endpoint(hub, { filter: { types: ['invoice.*', 'order.paid'] } })
      await endpoint(hub, { filter: { types: ['*'] } })
      await endpoint(hub, { filter: { types: ['order.paid'] } })
      const { delivery, event } = await deliveryOf(hub, await sendTest(hub, target.id))
      assert.equal(delivery.endpoint_id, target.id)
      assert.deepEqual(event.deliveries.map((d) => d.endpoint_id), [target.id], 'no other endpoint gets it')
      assert.equal(event.type, 'order.paid', 'the first plain type of the filter')
      assert.equal(event.source, 'test')
      assert.deepEqual(event.payload, {})
    })

    test('a tenant\'s endpoint gets an event of that tenant', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const tenant = await hub.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: hub.admin, payload: { id: 'acme', name: 'Acme' } })
      assert.equal(tenant.statusCode, 201, tenant.body)
      const target = await endpoint(hub, { tenant_id: 'acme' })
      await endpoint(hub, { tenant_id: 'acme' })
      const { event } = await deliveryOf(hub, await sendTest(hub, target.id))
      assert.equal((event as { tenant_id?: string }).tenant_id, 'acme')
      assert.deepEqual(event.deliveries.map((d) => d.endpoint_id), [target.id], 'not the tenant\'s other endpoint either')
    })

    test('with a catalog: the first current catalog type the endpoint receives, its example as payload; a payload its schema refuses is 422', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const catalog = [
        { name: 'order.archived', description: 'old', example: { old: true }, deprecated: true },
        { name: 'order.created', description: 'A new order', schema: { type: 'object', required: ['order_id'] }, example: { order_id: 'ord_1', total: 12.5 } },
        { name: 'invoice.paid', example: { invoice_id: 'inv_1' } },
      ]
      for (const type of catalog) {
        const res = await hub.app.inject({ method: 'POST', url: '/api/v1/event-types', headers: hub.admin, payload: type })
        assert.equal(res.statusCode, 201, res.body)
      }
      const target = await endpoint(hub, { filter: { types: ['order.*'] } })
      const byDefault = await deliveryOf(hub, await sendTest(hub, target.id))
      assert.equal(byDefault.event.type, 'order.created', 'current before deprecated, and only types the filter receives')
      assert.deepEqual(byDefault.event.payload, { order_id: 'ord_1', total: 12.5 })
      const named = await deliveryOf(hub, await sendTest(hub, target.id, { type: 'invoice.paid' }))
      assert.deepEqual(named.event.payload, { invoice_id: 'inv_1' }, 'the example of the type asked for')
      const unknown = await deliveryOf(hub, await sendTest(hub, target.id, { type: 'not.in.catalog' }))
      assert.deepEqual(unknown.event.payload, {})
      const refused = assertError(await sendTest(hub, target.id, { type: 'order.created', payload: { total: 1 } }), 422, 'HOOKHUB_PAYLOAD_INVALID')
      assert.match(refused.message, /order\.created/)
    })

    test('a given type and payload are used as sent; a filter of wildcards alone gives hookhub.test', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const target = await endpoint(hub, { filter: { types: ['order.*'] } })
      const given = await deliveryOf(hub, await sendTest(hub, target.id, { type: 'shipment.sent', payload: { id: 7, items: [1, 2] } }))
      assert.equal(given.event.type, 'shipment.sent', 'sent although the filter does not match it')
      assert.deepEqual(given.event.payload, { id: 7, items: [1, 2] })
      const empty = await deliveryOf(hub, await hub.app.inject({ method: 'POST', url: `/api/v1/endpoints/${target.id}/test`, headers: hub.admin }))
      assert.equal(empty.event.type, 'hookhub.test')
    })

    test('the receiver gets the payload byte for byte, signed with the endpoint\'s secret', async (t) => {
      const sink = await startSink(t)
      const hub = await startHub(t, engine, { HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true' })
      const target = await endpoint(hub, { url: `${sink.url}/hook` })
      const raw = '{"type":"order.created","payload":{"total": 12.50, "id":1}}'
      const res = await hub.app.inject({
        method: 'POST', url: `/api/v1/endpoints/${target.id}/test`, headers: { ...hub.admin, 'content-type': 'application/json' }, payload: raw,
      })
      assert.equal(res.statusCode, 202, res.body)
      await sink.waitFor(1)
      const [request] = sink.received
      const body = new Webhook(target.secret).verify(request.body, request.headers as Record<string, string>) as { type: string }
      assert.equal(body.type, 'order.created')
      assert.ok(request.body.includes('{"total": 12.50, "id":1}'), request.body)
    })

    test('unknown id, another owner\'s endpoint: 404; no credentials 401; view-only 403', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const own = ['endpoints.create.own', 'endpoints.view.own', 'endpoints.manage.own']
      const a = await hub.userWith(own)
      const b = await hub.userWith(own)
      const viewer = await hub.userWith(['endpoints.view'])
      const ofA = await endpoint(hub, {}, a)
      const notFound = { error: { code: 'HOOKHUB_NOT_FOUND', message: 'Endpoint not found', details: {} } }
      for (const [id, who] of [['ep_unknown', hub.admin], [ofA.id, b]] as const) {
        for (const url of [`/api/v1/endpoints/${id}/test`, `/api/v1/endpoints/${id}/secret`]) {
          const res = await hub.app.inject({ method: url.endsWith('test') ? 'POST' : 'GET', url, headers: who })
          assert.equal(res.statusCode, 404, `${url}: ${res.body}`)
          assert.deepEqual(res.json(), notFound)
        }
      }
      assertError(await sendTest(hub, ofA.id, {}, { authorization: 'Bearer hh_nobody' }), 401, 'HOOKHUB_UNAUTHENTICATED')
      assertError(await sendTest(hub, ofA.id, {}, viewer), 403, 'HOOKHUB_FORBIDDEN')
      assertError(await get(hub, `/api/v1/endpoints/${ofA.id}/secret`, viewer), 403, 'HOOKHUB_FORBIDDEN')
      assert.equal((await sendTest(hub, ofA.id, {}, a)).statusCode, 202, 'its owner may')
    })

    test('bad bodies: 400 malformed, 422 unknown field, wrong types, bad type name, 413 oversized', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { id } = await endpoint(hub)
      const malformed = await hub.app.inject({
        method: 'POST', url: `/api/v1/endpoints/${id}/test`, headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{"type": ',
      })
      assert.equal(malformed.statusCode, 400)
      assert.deepEqual(malformed.json(), { error: { code: 'HOOKHUB_INVALID_JSON', message: 'Body is not valid JSON', details: {} } })
      assertFieldNamed(await sendTest(hub, id, { colour: 'red' }), 'colour', 'unknown field')
      assertFieldNamed(await sendTest(hub, id, { type: 42 }), 'type', 'a number as type')
      assertFieldNamed(await sendTest(hub, id, { type: '' }), 'type', 'an empty type')
      assertFieldNamed(await sendTest(hub, id, { type: 'has spaces' }), 'type', 'a type with spaces')
      assertFieldNamed(await sendTest(hub, id, [1]), 'body', 'an array body')
      const big = await sendTest(hub, id, { payload: 'x'.repeat(2 * 1024 * 1024) })
      assertError(big, 413, 'HOOKHUB_BODY_TOO_LARGE')
      assert.equal(((await get(hub, '/api/v1/events')).json() as { data: unknown[] }).data.length, 0, 'nothing was published')
    })

    test('a paused or disabled endpoint answers 409: the test would not arrive now', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const paused = await endpoint(hub, { paused: true })
      const disabled = await endpoint(hub, { enabled: false })
      const pausedRes = assertError(await sendTest(hub, paused.id, {}), 409, 'HOOKHUB_CONFLICT')
      assert.equal(pausedRes.message, `Endpoint ${paused.id} is paused; resume it to send a test event`)
      const disabledRes = assertError(await sendTest(hub, disabled.id, {}), 409, 'HOOKHUB_CONFLICT')
      assert.equal(disabledRes.message, `Endpoint ${disabled.id} is disabled; enable it to send a test event`)
      assert.equal(((await get(hub, '/api/v1/events')).json() as { data: unknown[] }).data.length, 0, 'nothing was published')
    })

    test('GET …/secret shows the current signing secret, the new one after a rotation', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { id, secret } = await endpoint(hub)
      const first = await get(hub, `/api/v1/endpoints/${id}/secret`)
      assert.equal(first.statusCode, 200, first.body)
      assert.deepEqual(first.json(), { secret })
      const rotated = (await hub.app.inject({ method: 'POST', url: `/api/v1/endpoints/${id}/rotate-secret`, headers: hub.admin })).json() as { secret: string }
      assert.notEqual(rotated.secret, secret)
      assert.deepEqual((await get(hub, `/api/v1/endpoints/${id}/secret`)).json(), { secret: rotated.secret })
    })
  })
}
