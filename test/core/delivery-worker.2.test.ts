import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createEndpoint, deliveriesOf, FAST_DELIVERY, publish, settled } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

const seqOf = (body: string) => (JSON.parse(body) as { data: { n: number } }).data.n

// Ordering, pausing, recovery and the endpoint-level protections.
for (const engine of engines) {
  describe(`[${engine}] delivery scheduling`, () => {
    test('fifo: the endpoint receives events in order even when the first fails twice', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      let failures = 0
      const sink = await startSink(t, (req, res) => {
        res.statusCode = seqOf(req.body) === 1 && failures++ < 2 ? 500 : 200
        res.end()
      })
      await createEndpoint(hub, { url: sink.url, ordering: 'fifo' })
      const events = []
      for (let n = 1; n <= 6; n++) events.push(await publish(hub, 'seq', { n }))
      await sink.waitFor(8)
      await settled(hub, events[5].id)
      const succeeded = sink.received.map((r) => seqOf(r.body))
      assert.deepEqual(succeeded, [1, 1, 1, 2, 3, 4, 5, 6])
    })

    test('pause accumulates deliveries; resume drains them all, in order', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const endpoint = await createEndpoint(hub, { url: sink.url, ordering: 'fifo' })
      const paused = await hub.app.inject({ method: 'POST', url: `/api/v1/endpoints/${endpoint.id}/pause`, headers: hub.admin })
      assert.equal(paused.json().paused, true)
      const events = []
      for (let n = 1; n <= 5; n++) events.push(await publish(hub, 'seq', { n }))
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.equal(sink.received.length, 0, 'nothing is sent while paused')
      const health = (await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${endpoint.id}/health`, headers: hub.admin })).json()
      assert.equal(health.backlog, 5)
      const resumed = await hub.app.inject({ method: 'POST', url: `/api/v1/endpoints/${endpoint.id}/resume`, headers: hub.admin })
      assert.equal(resumed.json().paused, false)
      await sink.waitFor(5)
      assert.deepEqual(sink.received.map((r) => seqOf(r.body)), [1, 2, 3, 4, 5])
    })

    test('recover re-queues failed deliveries once the receiver is back', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      let healthy = false
      const sink = await startSink(t, (_req, res) => { res.statusCode = healthy ? 200 : 503; res.end() })
      const endpoint = await createEndpoint(hub, { url: sink.url })
      const event = await publish(hub, 'a.b', {})
      const [failed] = await settled(hub, event.id)
      assert.equal(failed.status, 'failed')
      healthy = true
      const recovered = await hub.app.inject({
        method: 'POST', url: `/api/v1/endpoints/${endpoint.id}/recover`, headers: hub.admin, payload: { since: '1h' },
      })
      assert.equal(recovered.statusCode, 202)
      assert.deepEqual(recovered.json(), { requeued: 1 })
      const [done] = await settled(hub, event.id, 8000, (ds) => ds[0].status === 'succeeded')
      assert.equal(done.attempt_count, 4)
    })

    test('a delivery retried by hand goes out again', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: sink.url })
      const event = await publish(hub, 'a.b', {})
      const [delivery] = await settled(hub, event.id)
      const retry = await hub.app.inject({ method: 'POST', url: `/api/v1/deliveries/${delivery.id}/retry`, headers: hub.admin })
      assert.equal(retry.statusCode, 202)
      await sink.waitFor(2)
      const [again] = await settled(hub, event.id, 8000, (ds) => ds[0].attempt_count === 2 && ds[0].status === 'succeeded')
      assert.equal(again.attempts?.length, 2)
    })

    test('the circuit opens after repeated failures, then a probe closes it', async (t) => {
      const hub = await startHub(t, engine, { ...FAST_DELIVERY, HOOKHUB_RETRY_SCHEDULE: '0', HOOKHUB_CIRCUIT_COOLDOWN: '5s' })
      let healthy = false
      const sink = await startSink(t, (_req, res) => { res.statusCode = healthy ? 200 : 500; res.end() })
      const endpoint = await createEndpoint(hub, { url: sink.url })
      const failed = []
      for (let i = 0; i < 5; i++) failed.push(await publish(hub, 'a.b', { i }))
      for (const e of failed) await settled(hub, e.id)
      const open = (await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${endpoint.id}/health`, headers: hub.admin })).json()
      assert.equal(open.circuit.state, 'open')
      assert.equal(open.circuit.consecutive_failures, 5)
      assert.equal(open.success_rate.last_hour, 0)
      healthy = true
      const before = sink.received.length
      const next = await publish(hub, 'a.b', { i: 5 })
      await new Promise((resolve) => setTimeout(resolve, 150))
      assert.equal(sink.received.length, before, 'nothing is sent while the circuit is open')
      // The cooldown leaves a loaded machine seconds between the circuit opening and the check above.
      const [probe] = await settled(hub, next.id, 30_000)
      assert.equal(probe.status, 'succeeded')
      const closed = (await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${endpoint.id}/health`, headers: hub.admin })).json()
      assert.equal(closed.circuit.state, 'closed')
      assert.equal(closed.recent_attempts.length, 6)
    })

    test('an endpoint failing for five days is disabled and announced', async (t) => {
      const hub = await startHub(t, engine, { ...FAST_DELIVERY, HOOKHUB_RETRY_SCHEDULE: '0' })
      const sink = await startSink(t, (_req, res) => { res.statusCode = 500; res.end() })
      const watcher = await startSink(t)
      const endpoint = await createEndpoint(hub, { url: sink.url, filter: { types: ['job.*'] } })
      await createEndpoint(hub, { url: watcher.url, filter: { types: ['endpoint.disabled'] } })
      await hub.database.db.updateTable('endpoints')
        .set({ failing_since: Date.now() - 5 * 24 * 3600 * 1000 - 1000, consecutive_failures: 1 })
        .where('id', '=', endpoint.id).execute()
      const event = await publish(hub, 'job.run', {})
      await settled(hub, event.id)
      await watcher.waitFor(1)
      const ep = (await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${endpoint.id}`, headers: hub.admin })).json()
      assert.equal(ep.enabled, false)
      assert.match(ep.disabled_reason, /5 days/)
      assert.equal(JSON.parse(watcher.received[0].body).data.reason, 'failing')
    })

    test('SSRF: a stored endpoint that points at loopback is blocked at connect time and not retried', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_RETRY_SCHEDULE: '0,50ms,100ms' })
      const sink = await startSink(t)
      const created = await hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: hub.admin, payload: { url: sink.url } })
      assert.equal(created.statusCode, 422, 'a literal loopback URL is refused at creation')
      // A URL that passed creation (e.g. a name that later resolves to loopback) is still stopped.
      const endpoint = await createEndpoint(hub, { url: 'https://hooks.example.com/x' })
      await hub.database.db.updateTable('endpoints').set({ url: `http://localhost:${sink.port}/` }).where('id', '=', endpoint.id).execute()
      const event = await publish(hub, 'a.b', {})
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'failed')
      assert.equal(delivery.attempt_count, 1)
      assert.equal(delivery.attempts?.[0].error?.code, 'HOOKHUB_SSRF_BLOCKED')
      assert.equal(sink.received.length, 0)
    })

    test('a delivery whose worker died comes back when its lease expires', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const endpoint = await createEndpoint(hub, { url: sink.url })
      await hub.app.inject({ method: 'POST', url: `/api/v1/endpoints/${endpoint.id}/pause`, headers: hub.admin })
      const event = await publish(hub, 'a.b', {})
      // As if another worker had claimed it and then died: leased, lease already expired.
      await hub.database.db.updateTable('deliveries')
        .set({ status: 'delivering', lease_owner: 'wrk_dead', lease_expires_at: Date.now() - 1 })
        .execute()
      await hub.app.inject({ method: 'POST', url: `/api/v1/endpoints/${endpoint.id}/resume`, headers: hub.admin })
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'succeeded')
      assert.equal(sink.received.length, 1)
    })

    test('rate limit: an endpoint limited to 5/s takes at least a second for 10 deliveries', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: sink.url, rate_limit_per_s: 5 })
      const started = Date.now()
      for (let n = 0; n < 10; n++) await publish(hub, 'a.b', { n })
      await sink.waitFor(10, 10_000)
      const spread = sink.received[9].at - started
      assert.ok(spread >= 900, `10 deliveries at 5/s took ${spread} ms`)
    })

    test('a dead endpoint does not hold back a healthy one', async (t) => {
      const hub = await startHub(t, engine, { ...FAST_DELIVERY, HOOKHUB_REQUEST_TIMEOUT: '3s' })
      const dead = await startSink(t, () => {})
      const healthy = await startSink(t)
      await createEndpoint(hub, { url: dead.url })
      await createEndpoint(hub, { url: healthy.url })
      const started = Date.now()
      for (let n = 0; n < 20; n++) await publish(hub, 'a.b', { n })
      await healthy.waitFor(20, 2500)
      assert.ok(healthy.received[19].at - started < 2500, 'healthy deliveries did not wait for the dead endpoint')
    })

    test('deleting an endpoint cancels its waiting deliveries', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const endpoint = await createEndpoint(hub, { url: sink.url })
      await hub.app.inject({ method: 'POST', url: `/api/v1/endpoints/${endpoint.id}/pause`, headers: hub.admin })
      const event = await publish(hub, 'a.b', {})
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `/api/v1/endpoints/${endpoint.id}`, headers: hub.admin })).statusCode, 204)
      const [delivery] = await deliveriesOf(hub, event.id)
      assert.equal(delivery.status, 'cancelled')
    })
  })
}
