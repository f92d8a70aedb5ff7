import assert from 'node:assert/strict'
import { hostname } from 'node:os'
import { describe, test } from 'node:test'
import { createEndpoint, FAST_DELIVERY, publish, settled } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
async function sample (hub: TestHub, series: string): Promise<number | undefined> {
  const res = await hub.app.inject({ method: 'GET', url: '/metrics' })
  assert.equal(res.statusCode, 200)
  const line = res.body.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

for (const engine of engines) {
  describe(`[${engine}] /metrics: events, deliveries, queue and endpoints`, () => {
    test('counts events by source and type, attempts by outcome and endpoint, retries and latency', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      let calls = 0
      const sink = await startSink(t, (_req, res) => { res.statusCode = ++calls === 1 ? 500 : 200; res.end() })
      const endpoint = await createEndpoint(hub, { url: sink.url })
      const first = await publish(hub, 'task.created', {})
      await settled(hub, first.id)
      const second = await publish(hub, 'task.created', {})
      await settled(hub, second.id)

      assert.equal(await sample(hub, 'hookhub_events_received_total{source="api",type="task.created"}'), 2)
      assert.equal(await sample(hub, `hookhub_delivery_attempts_total{outcome="pending",endpoint="${endpoint.id}"}`), 1)
      assert.equal(await sample(hub, `hookhub_delivery_attempts_total{outcome="succeeded",endpoint="${endpoint.id}"}`), 2)
      assert.equal(await sample(hub, 'hookhub_delivery_retries_total'), 1)
      assert.equal(await sample(hub, 'hookhub_delivery_attempt_duration_seconds_count{outcome="succeeded"}'), 2)
      assert.equal(await sample(hub, 'hookhub_queue_depth{status="pending"}'), 0)
      assert.equal(await sample(hub, 'hookhub_queue_oldest_due_age_seconds'), 0)
      assert.equal(await sample(hub, 'hookhub_deliveries_in_flight'), 0)
      assert.equal(await sample(hub, 'hookhub_endpoints{circuit="closed",enabled="true",paused="false"}'), 1)
      assert.ok((await sample(hub, 'hookhub_process_resident_memory_bytes'))! > 0, 'process metrics are there')
    })

    test('queue depth and the oldest due age show a paused backlog; endpoint states by circuit and pause', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const endpoint = await createEndpoint(hub, { url: sink.url, paused: true })
      await publish(hub, 'task.created', {})
      await publish(hub, 'task.created', {})
      await new Promise((resolve) => setTimeout(resolve, 50))
      assert.equal(await sample(hub, 'hookhub_queue_depth{status="pending"}'), 2)
      assert.ok((await sample(hub, 'hookhub_queue_oldest_due_age_seconds'))! > 0)
      assert.equal(await sample(hub, 'hookhub_endpoints{circuit="closed",enabled="true",paused="true"}'), 1)
      const res = await hub.app.inject({ method: 'POST', url: `/api/v1/endpoints/${endpoint.id}/resume`, headers: hub.admin })
      assert.equal(res.statusCode, 200)
      await sink.waitFor(2)
    })

    test('an endpoint whose name resolves to a private address counts an SSRF block', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_RETRY_SCHEDULE: '0' })
      // The machine's own name passes validation as a name but resolves to a private address.
      await createEndpoint(hub, { url: `http://${hostname()}:9/hook` })
      const event = await publish(hub, 'task.created', {})
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'failed')
      assert.equal(await sample(hub, 'hookhub_ssrf_blocked_total'), 1)
    })

    test('label values are bounded: the 51st event type and later ones count as "other"', async (t) => {
      const hub = await startHub(t, engine)
      for (let i = 0; i < 55; i++) await publish(hub, `kind.${i}`, {})
      const res = await hub.app.inject({ method: 'GET', url: '/metrics' })
      const series = res.body.split('\n').filter((l) => l.startsWith('hookhub_events_received_total{'))
      assert.equal(series.length, 51)
      assert.ok(series.includes('hookhub_events_received_total{source="api",type="other"} 5'), series.join('\n'))
    })
  })
}
