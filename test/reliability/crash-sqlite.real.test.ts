// Reliability, issue 7 (1): the real hub on SQLite is killed with SIGKILL twice while 10,000
// events are published through the API, and restarted each time. Every event answered 2xx
// must reach the sink; duplicates stay within the deliveries in flight at the two kills.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { childEnv, fetchWithin, startServe, tempDir, type Served } from '../helpers/child.ts'
import { between, createEndpointOver, publishSteadily, reportFigures, START, startCountingSink, waitUntil } from './support.ts'

const EVENTS = 10_000
const TOKEN = 'hh_reliability_admin_token_0123456789'
/** Sends to one endpoint in flight at once; what a kill can leave delivered but unrecorded. */
const IN_FLIGHT = 16

test('[sqlite] SIGKILL at two random moments while 10,000 events are published: every acknowledged event arrives', { timeout: 240_000 }, async (t) => {
  const dir = tempDir(t, 'hookhub-crash-')
  const env = childEnv({
    HOOKHUB_DATABASE_URL: `sqlite:${dir}/hub.db`,
    HOOKHUB_ADMIN_TOKEN: TOKEN,
    HOOKHUB_LOG_LEVEL: 'warn',
    HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true',
    HOOKHUB_LEASE_SECONDS: '2',
    // Fast, but long enough that a loaded machine never exhausts it against a healthy sink.
    HOOKHUB_RETRY_SCHEDULE: '0,100ms,200ms,500ms,1s,2s,2s,2s,2s',
    HOOKHUB_CIRCUIT_COOLDOWN: '100ms',
  })
  const sink = await startCountingSink(t)
  let hub: Served = await startServe(t, env, START)
  await createEndpointOver(hub.url, TOKEN, { url: `${sink.url}/in`, max_in_flight: IN_FLIGHT })

  const killAt = [between(EVENTS * 0.15, EVENTS * 0.4), between(EVENTS * 0.55, EVENTS * 0.8)]
  type Crash = { killedAt: number; restartedAt: number; ackedBefore: string[]; drainMs?: number }
  const crashes: Crash[] = []
  const drains: Promise<void>[] = []
  let acked: string[] = []
  let crashing: Promise<void> | null = null

  async function crash () {
    const killedAt = Date.now()
    const ackedBefore = [...acked]
    assert.deepEqual(await hub.stop('SIGKILL'), { code: null, signal: 'SIGKILL' })
    hub = await startServe(t, env, START)
    const entry: Crash = { killedAt, restartedAt: Date.now(), ackedBefore }
    crashes.push(entry)
    // Drain: from the restart until every event acknowledged before the kill has arrived.
    drains.push(waitUntil('the events acknowledged before the kill', () => sink.missing(ackedBefore).length === 0 || undefined, 60_000, 20)
      .then(() => { entry.drainMs = Date.now() - entry.restartedAt }))
  }

  const load = await publishSteadily({
    acknowledged: EVENTS,
    ratePerS: 450,
    concurrency: 16,
    target: () => hub.url,
    token: TOKEN,
    timeoutMs: 150_000,
    signal: t.signal,
    onOutcome: (outcome, count) => {
      if (outcome.id) acked.push(outcome.id)
      if (!crashing && killAt.length > 0 && count >= killAt[0]) {
        killAt.shift()
        return (crashing = crash().finally(() => { crashing = null }))
      }
    },
  })
  acked = load.acknowledged
  const publishedAt = Date.now()
  await waitUntil('every acknowledged event at the sink', () => sink.missing(acked).length === 0 || undefined, 120_000, 50)
  const finalDrainMs = Date.now() - publishedAt
  await Promise.all(drains)

  const failed = await fetchWithin(`${hub.url}/api/v1/deliveries?status=failed&limit=1`, { headers: { authorization: `Bearer ${TOKEN}` } })
  const failedPage = await failed.json() as { data: unknown[] }
  const duplicates = sink.duplicates(acked)
  const window = crashes.length * IN_FLIGHT
  const unacknowledgedDelivered = sink.counts.size - acked.length
  reportFigures(t, 'crash-sqlite', {
    sent: load.sent,
    acknowledged: acked.length,
    unanswered: load.unanswered,
    delivered: acked.length - sink.missing(acked).length,
    unacknowledged_delivered: unacknowledgedDelivered,
    duplicates,
    window,
    drain_after_restart_ms: crashes.map((c) => c.drainMs).join('/'),
    downtime_ms: crashes.map((c) => c.restartedAt - c.killedAt).join('/'),
    final_drain_ms: finalDrainMs,
    publish_s: Math.round(load.elapsedMs / 100) / 10,
  })

  assert.equal(crashes.length, 2, 'the hub was killed twice')
  assert.ok(acked.length >= EVENTS)
  assert.deepEqual(sink.missing(acked), [], 'every acknowledged event arrived')
  assert.ok(duplicates <= window, `duplicates ${duplicates} within the in-flight window ${window}`)
  assert.ok([...sink.counts.values()].every((n) => n <= crashes.length + 1), 'no event arrived more often than once per life of the hub')
  assert.ok(unacknowledgedDelivered >= 0 && unacknowledgedDelivered <= load.unanswered, 'only events whose answer was lost arrive unacknowledged')
  assert.equal(failed.status, 200)
  assert.deepEqual(failedPage.data, [], 'no delivery failed')
  assert.deepEqual(await hub.stop('SIGTERM'), { code: 0, signal: null })
})
