// Wherever an endpoint's open circuit holds deliveries, the API says until when: the endpoint
// read, the delivery log and the live stream's update of the try that opened it; a retry time
// is never earlier than the circuit lets it through.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { DeliveryActivity } from '../../src/core/activity-feed.ts'
import { stateOf } from '../../src/cli/endpoint-commands.ts'
import { createEndpoint, publish, settled } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

for (const engine of engines) {
  describe(`[${engine}] an open circuit is shown`, () => {
    test('endpoint, delivery and stream say circuit open until; the retry waits for it', async (t) => {
      const hub = await startHub(t, engine, {
        HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true', HOOKHUB_RETRY_SCHEDULE: '0,10ms,10ms,10ms,10ms,10ms,10ms', HOOKHUB_CIRCUIT_COOLDOWN: '10m',
      })
      const updates: DeliveryActivity[] = []
      hub.activity.subscribe((activity) => { if (activity.kind === 'delivery') updates.push(activity.delivery) })
      const sink = await startSink(t, (_req, res) => {
        res.statusCode = 500
        res.end()
      })
      const failing = await createEndpoint(hub, { url: sink.url })
      const healthy = await createEndpoint(hub, { url: `${sink.url}/other`, filter: { types: ['never.*'] } })
      const event = await publish(hub, 'a.b', {})
      const [delivery] = await settled(hub, event.id, 30_000, ([d]) => d.attempt_count === 5)

      const endpoint = (await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${failing.id}`, headers: hub.admin })).json()
      assert.match(String(endpoint.circuit_open_until), ISO)
      const until = Date.parse(endpoint.circuit_open_until)
      assert.ok(until > Date.now() + 5 * 60_000, `open for the cooldown: ${endpoint.circuit_open_until}`)
      const listed = (await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints?limit=500', headers: hub.admin })).json().data as { id: string; circuit_open_until: string | null }[]
      assert.equal(listed.find((e) => e.id === failing.id)?.circuit_open_until, endpoint.circuit_open_until)
      assert.equal(listed.find((e) => e.id === healthy.id)?.circuit_open_until, null, 'a closed circuit: null')

      const shown = (await hub.app.inject({ method: 'GET', url: `/api/v1/deliveries/${delivery.id}`, headers: hub.admin })).json()
      assert.equal(shown.status, 'pending')
      assert.equal(shown.circuit_open_until, endpoint.circuit_open_until)
      assert.ok(Date.parse(shown.next_attempt_at) >= until, 'the next try is not before the circuit lets it through')

      const fifth = updates.filter((u) => u.id === delivery.id && u.attempt === 5)
      assert.equal(fifth.length, 1)
      assert.equal(fifth[0].circuit_open_until, until, 'the update of the try that opened the circuit says until when')
      assert.ok((fifth[0].next_attempt_at ?? 0) >= until)
      assert.ok(updates.filter((u) => u.attempt < 5).every((u) => u.circuit_open_until === null), 'earlier tries: no circuit')
      assert.ok(updates.every((u) => u.attempt <= u.max_attempts), 'never 5/4')

      assert.match(stateOf(endpoint), /^circuit open until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'hookhub endpoint list says so')
    })
  })
}
