import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { createEndpoint, deliveriesOf, FAST_DELIVERY, publish, settled, type WireDelivery } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

/** The benchmark's transform too: two fields renamed, one header added. */
const RENAME = `function handler (webhook) {
  const data = webhook.payload.data
  data.customer_id = data.customer
  data.amount_cents = data.amount
  delete data.customer
  delete data.amount
  webhook.headers['x-transformed'] = 'yes'
  console.log('renamed', webhook.event.id)
  return webhook
}`

type Attempt = NonNullable<WireDelivery['attempts']>[number] & { logs?: string; error: { code: string; message: string } | null }
const attemptsOf = (d: WireDelivery) => (d.attempts ?? []) as Attempt[]

async function deliveryTo (hub: TestHub, eventId: string, endpointId: string) {
  const list = await deliveriesOf(hub, eventId)
  const found = list.find((d) => (d as WireDelivery & { endpoint_id: string }).endpoint_id === endpointId)
  assert.ok(found, `a delivery of ${eventId} to ${endpointId}`)
  return found
}

for (const engine of engines) {
  describe(`[${engine}] delivery through a transform`, () => {
    test('the changed request is sent, signed over the body actually sent, and its console output is kept', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const endpoint = await createEndpoint(hub, { url: `${sink.url}/in`, transform: { code: RENAME } })
      const event = await publish(hub, 'order.created', { customer: 'cus_1', amount: 1250, note: 'ü' })
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'succeeded')
      assert.equal(sink.received.length, 1)
      const { headers, body } = sink.received[0]
      assert.equal(headers['x-transformed'], 'yes')
      assert.equal(headers['content-type'], 'application/json')
      const verified = new Webhook(endpoint.secret).verify(body, headers as Record<string, string>) as { type: string; data: unknown }
      assert.equal(verified.type, 'order.created')
      assert.deepEqual(verified.data, { note: 'ü', customer_id: 'cus_1', amount_cents: 1250 })
      const [attempt] = attemptsOf(delivery)
      assert.equal(attempt.logs, `renamed ${event.id}\n`)
      assert.equal(attempt.request.headers['x-transformed'], 'yes')
      const read = await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${endpoint.id}`, headers: hub.admin })
      assert.deepEqual(read.json().transform, { code: RENAME, enabled: true })
    })

    test('the handler sees the event\'s tenant', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const tenant = await hub.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: hub.admin, payload: { id: 'acme', name: 'Acme' } })
      assert.equal(tenant.statusCode, 201, tenant.body)
      const code = 'function handler (w) { w.headers["x-tenant"] = String(w.event.tenant_id); return w }'
      await createEndpoint(hub, { url: `${sink.url}/tenant`, tenant_id: 'acme', transform: { code } })
      await createEndpoint(hub, { url: `${sink.url}/none`, transform: { code } })
      const withTenant = await publish(hub, 'order.created', { n: 1 }, { tenant_id: 'acme' })
      const without = await publish(hub, 'order.created', { n: 2 })
      await settled(hub, withTenant.id)
      await settled(hub, without.id)
      const seen = Object.fromEntries(sink.received.map((r) => [r.url, r.headers['x-tenant']]))
      assert.deepEqual(seen, { '/tenant': 'acme', '/none': 'null' })
    })

    test('returning null skips the delivery: status skipped, nothing sent, no retry', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const endpoint = await createEndpoint(hub, {
        url: sink.url, transform: { code: 'function handler (w) { return w.payload.data.internal ? null : w }' },
      })
      const skipped = await publish(hub, 'order.created', { internal: true })
      const sent = await publish(hub, 'order.created', { internal: false })
      const [s] = await settled(hub, skipped.id)
      await settled(hub, sent.id)
      assert.equal(s.status, 'skipped')
      assert.equal(s.attempt_count, 1)
      assert.equal(attemptsOf(s)[0].error, null)
      assert.equal(attemptsOf(s)[0].response, null)
      assert.equal(sink.received.length, 1)
      assert.deepEqual(JSON.parse(sink.received[0].body).data, { internal: false })
      const list = await hub.app.inject({ method: 'GET', url: `/api/v1/deliveries?status=skipped&endpoint_id=${endpoint.id}`, headers: hub.admin })
      assert.deepEqual((list.json() as { data: { id: string }[] }).data.map((d) => d.id), [s.id])
      // A skip sent nothing: it counts in no success rate.
      const health = await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${endpoint.id}/health`, headers: hub.admin })
      assert.deepEqual([health.json().attempts.last_hour, health.json().success_rate.last_hour], [1, 1])
      const stats = await hub.app.inject({ method: 'GET', url: '/api/v1/stats/overview', headers: hub.admin })
      assert.deepEqual(stats.json().attempts_last_hour, { total: 1, succeeded: 1 })
      const perEndpoint = await hub.app.inject({ method: 'GET', url: '/api/v1/stats/endpoints', headers: hub.admin })
      const hourly = (perEndpoint.json() as { data: { endpoint_id: string; hourly: { attempts: number }[] }[] }).data
        .find((e) => e.endpoint_id === endpoint.id)?.hourly ?? []
      assert.equal(hourly.reduce((sum, h) => sum + h.attempts, 0), 1)
    })

    test('every kind of failure ends the try as TRANSFORM_FAILED without retries, while other endpoints keep receiving and /healthz answers', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const healthy = await createEndpoint(hub, { url: `${sink.url}/healthy` })
      const kinds: Record<string, [string, RegExp]> = {
        throws: ['function handler () { throw new TypeError("no way") }', /TypeError: no way/],
        loops: ['function handler () { for (;;) {} }', /ran longer than 50 ms/],
        recursion: ['function handler () { const f = () => f() + 1; return f() }', /stack overflow/],
        allocation: ['function handler () { const a = []; for (;;) a.push("x".repeat(65536) + a.length) }', /memory|ran longer/],
        huge: ['function handler (w) { w.payload = "x".repeat(3e6); return w }', /larger than|memory|ran longer/],
        escape: ['function handler () { return this.constructor.constructor("return process")().exit(1) }', /process/],
        badValue: ['function handler () { return "text" }', /handler returned string/],
        badUrl: ['function handler (w) { w.url = "not a url"; return w }', /not an absolute URL/],
      }
      const endpoints: Record<string, string> = {}
      for (const [name, [code]] of Object.entries(kinds)) {
        endpoints[name] = (await createEndpoint(hub, { url: `${sink.url}/${name}`, transform: { code } })).id
      }
      const event = await publish(hub, 'order.created', { n: 1 })
      // The event loop stays free while sandboxes loop and allocate for seconds: /healthz answers all along.
      const probes: { status: number; ms: number }[] = []
      let settling = true
      const probing = (async () => {
        while (settling) {
          const started = Date.now()
          const res = await hub.app.inject({ method: 'GET', url: '/healthz' })
          probes.push({ status: res.statusCode, ms: Date.now() - started })
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      })()
      await settled(hub, event.id, 60_000)
      settling = false
      await probing
      assert.ok(probes.length >= 3, `probes: ${probes.length}`)
      assert.ok(probes.every((p) => p.status === 200))
      // The allocation bomb alone holds its sandbox thread for seconds; on the event loop it would hold /healthz as long.
      assert.ok(Math.max(...probes.map((p) => p.ms)) < 2000, JSON.stringify(probes))
      for (const [name, [, message]] of Object.entries(kinds)) {
        const delivery = await deliveryTo(hub, event.id, endpoints[name])
        assert.equal(delivery.status, 'failed', name)
        assert.equal(delivery.attempt_count, 1, `${name}: not retried`)
        const [attempt] = attemptsOf(delivery)
        assert.equal(attempt.error?.code, 'TRANSFORM_FAILED', name)
        assert.match(attempt.error?.message ?? '', message, name)
      }
      assert.equal((await deliveryTo(hub, event.id, healthy.id)).status, 'succeeded')
      const second = await publish(hub, 'order.created', { n: 2 })
      await settled(hub, second.id, 60_000)
      assert.equal((await deliveryTo(hub, second.id, healthy.id)).status, 'succeeded')
      assert.deepEqual(sink.received.map((r) => r.url), ['/healthy', '/healthy'])
      // A broken transform says nothing of the receiver: no circuit opens for it.
      const health2 = await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${endpoints.throws}/health`, headers: hub.admin })
      assert.equal(health2.json().circuit.consecutive_failures, 0)
    })

    test('a manual retry after the code is fixed sends the delivery', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const endpoint = await createEndpoint(hub, { url: sink.url, transform: { code: 'function handler (w) { return w.payload.data.missing.field }' } })
      const event = await publish(hub, 'order.created', { n: 1 })
      const [failed] = await settled(hub, event.id)
      assert.equal(failed.status, 'failed')
      assert.equal(attemptsOf(failed)[0].error?.code, 'TRANSFORM_FAILED')
      const fixed = await hub.app.inject({
        method: 'PATCH', url: `/api/v1/endpoints/${endpoint.id}`, headers: hub.admin,
        payload: { transform: { code: 'function handler (w) { w.headers["x-fixed"] = "1"; return w }' } },
      })
      assert.equal(fixed.statusCode, 200, fixed.body)
      const retry = await hub.app.inject({ method: 'POST', url: `/api/v1/deliveries/${failed.id}/retry`, headers: hub.admin })
      assert.equal(retry.statusCode, 202)
      const [sent] = await settled(hub, event.id, 8000, (ds) => ds[0].status === 'succeeded')
      assert.equal(sent.attempt_count, 2)
      assert.equal(sink.received.length, 1)
      assert.equal(sink.received[0].headers['x-fixed'], '1')
    })

    test('a disabled transform does not run; removing it with null sends the format\'s own body', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const endpoint = await createEndpoint(hub, { url: sink.url, transform: { code: 'function handler () { return null }', enabled: false } })
      const first = await publish(hub, 'a', { n: 1 })
      assert.equal((await settled(hub, first.id))[0].status, 'succeeded')
      const removed = await hub.app.inject({ method: 'PATCH', url: `/api/v1/endpoints/${endpoint.id}`, headers: hub.admin, payload: { transform: null } })
      assert.equal(removed.statusCode, 200)
      assert.equal('transform' in removed.json(), false)
      const second = await publish(hub, 'a', { n: 2 })
      assert.equal((await settled(hub, second.id))[0].status, 'succeeded')
      assert.equal(sink.received.length, 2)
    })

    test('a body-less endpoint sends the transformed payload in its query, and the signature covers it', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const endpoint = await createEndpoint(hub, {
        url: `${sink.url}/get?x=1`, method: 'GET', format: 'raw', transform: { code: 'function handler (w) { w.payload = { renamed: w.payload.n }; return w }' },
      })
      const event = await publish(hub, 'ping', { n: 7 })
      assert.equal((await settled(hub, event.id))[0].status, 'succeeded')
      const received = new URL(sink.received[0].url, sink.url)
      assert.equal(received.searchParams.get('x'), '1')
      const payload = received.searchParams.get('payload') as string
      assert.equal(payload, '{"renamed":7}')
      new Webhook(endpoint.secret).verify(payload, sink.received[0].headers as Record<string, string>)
    })

    test('create and update refuse code that does not compile or defines no handler, naming transform.code', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_WORKERS: '0' })
      for (const code of ['function handler ( {', 'const x = 1', 'for (;;) {}']) {
        const res = await hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: hub.admin, payload: { url: 'https://example.com/in', transform: { code } } })
        assert.equal(res.statusCode, 422, code)
        assert.equal(res.json().error.code, 'HOOKHUB_VALIDATION_FAILED')
        assert.ok(res.json().error.details.fields['transform.code'], `${code}: ${res.body}`)
      }
      const big = await hub.app.inject({
        method: 'POST', url: '/api/v1/endpoints', headers: hub.admin,
        payload: { url: 'https://example.com/in', transform: { code: `function handler (w) { return w } // ${'é'.repeat(40_000)}` } },
      })
      assert.equal(big.statusCode, 422)
      assert.deepEqual(big.json().error.details.fields, { 'transform.code': ['must be at most 65536 bytes'] })
      const endpoint = await createEndpoint(hub, { url: 'https://example.com/in' })
      const res = await hub.app.inject({ method: 'PATCH', url: `/api/v1/endpoints/${endpoint.id}`, headers: hub.admin, payload: { transform: { code: 'nope(' } } })
      assert.equal(res.statusCode, 422)
      assert.ok(res.json().error.details.fields['transform.code'])
    })
  })
}

describe('the SSRF guard', () => {
  test('refuses a private address a transform puts in the URL', async (t) => {
    const hub = await startHub(t, 'sqlite', { ...FAST_DELIVERY, HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'false' })
    const sink = await startSink(t)
    await createEndpoint(hub, {
      url: 'https://receiver.example.com/in',
      transform: { code: `function handler (w) { w.url = ${JSON.stringify(`${sink.url}/stolen`)}; return w }` },
    })
    const event = await publish(hub, 'order.created', { n: 1 })
    const [delivery] = await settled(hub, event.id)
    assert.equal(delivery.status, 'failed')
    assert.equal(attemptsOf(delivery)[0].error?.code, 'HOOKHUB_SSRF_BLOCKED')
    assert.equal(sink.received.length, 0)
  })
})
