// Reliability, issue 7 (3): the database goes away while events are published. PostgreSQL
// terminates every connection of the hub (pg_terminate_backend) and refuses new ones for a few
// seconds. While it is down the API answers 503 HOOKHUB_DATABASE_UNAVAILABLE in the native
// shape — never 2xx for an event it did not store — and it recovers by itself afterwards.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import pg from 'pg'
import { childEnv, fetchWithin, startServe } from '../helpers/child.ts'
import { postgresUrl, scratchPostgresDatabase, withPgClient } from '../helpers/engines.ts'
import { createEndpointOver, publishSteadily, reportFigures, sleep, START, startCountingSink, waitUntil, type PublishOutcome } from './support.ts'

const TOKEN = 'hh_reliability_admin_token_0123456789'
const EVENTS = 800
const OUTAGE_MS = 3_000
/** Sends in flight to the one endpoint: tries whose outcome could not be recorded while the database was down. */
const IN_FLIGHT = 16

const admin = (text: string) => withPgClient(postgresUrl as string, (c) => c.query(text))

if (!postgresUrl) {
  test.skip('[postgres] database outage test skipped: HOOKHUB_TEST_DATABASE_URL is not set')
} else {
  test('[postgres] database outage during publish: 503 in the native shape while down, nothing acknowledged unstored, recovers by itself', { timeout: 120_000 }, async (t) => {
    const databaseUrl = await scratchPostgresDatabase(t, 'hh_rel_outage')
    // (Dropped afterwards even if the test fails while it refuses connections: DROP … WITH (FORCE) does not connect to it.)
    const name = new URL(databaseUrl).pathname.slice(1)
    const env = childEnv({
      HOOKHUB_DATABASE_URL: databaseUrl,
      HOOKHUB_SECRET_KEY: randomBytes(32).toString('base64'),
      HOOKHUB_ADMIN_TOKEN: TOKEN,
      HOOKHUB_LOG_LEVEL: 'error',
      HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true',
      HOOKHUB_LEASE_SECONDS: '2',
      HOOKHUB_RETRY_SCHEDULE: '0,100ms,200ms,500ms,1s,2s,2s,2s,2s',
    })
    const hub = await startServe(t, env, START)
    const sink = await startCountingSink(t)
    await createEndpointOver(hub.url, TOKEN, { url: `${sink.url}/in`, max_in_flight: IN_FLIGHT })

    /** The readiness status; a hub that died on the outage fails the test with its output. */
    const readyz = () => fetchWithin(`${hub.url}/readyz`).then((res) => res.status, (err: Error) => {
      throw new Error(`the hub is gone (${err.message}):\n${hub.stderr()}\n${hub.stdout().slice(-3000)}`)
    })
    const window = { start: 0, end: 0 }
    const readiness: number[] = []
    let outage: Promise<void> | null = null
    async function takeDown () {
      await admin(`alter database ${name} allow_connections false`)
      await admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`)
      window.start = Date.now()
      await sleep(OUTAGE_MS / 2)
      readiness.push(await readyz())
      await sleep(OUTAGE_MS / 2)
      await admin(`alter database ${name} allow_connections true`)
      window.end = Date.now()
    }

    const load = await publishSteadily({
      acknowledged: EVENTS,
      ratePerS: 100,
      concurrency: 8,
      target: () => hub.url,
      token: TOKEN,
      timeoutMs: 60_000,
      signal: t.signal,
      onOutcome: (_o, count) => {
        if (!outage && count >= EVENTS / 4) return (outage = takeDown())
      },
    })
    readiness.push(await readyz())

    const refused = load.outcomes.filter((o) => o.status === 503)
    const other = load.outcomes.filter((o) => o.status !== 202 && o.status !== 503)
    const acceptedDuring = load.outcomes.filter((o) => o.status === 202 && o.at > window.start + 100 && o.at < window.end)
    const firstAfter = load.outcomes.filter((o) => o.status === 202 && o.at > window.end).map((o) => o.at).sort((a, b) => a - b)[0]

    // What the database holds: every acknowledged event; of the refused ones, those that committed before the answer failed.
    const stored = await waitUntil('the database back', async () => {
      try {
        const client = new pg.Client({ connectionString: databaseUrl })
        await client.connect()
        try {
          return (await client.query<{ public_id: string; n: number }>("select public_id, (payload::json->>'n')::int as n from events where type = 'reliability.test'")).rows
        } finally {
          await client.end()
        }
      } catch {
        return undefined
      }
    }, 10_000)
    const storedIds = new Set(stored.map((r) => r.public_id))
    const storedNs = new Set(stored.map((r) => r.n))
    await waitUntil('every acknowledged event at the sink', () => sink.missing(load.acknowledged).length === 0 || undefined, 60_000)

    reportFigures(t, 'database-outage', {
      sent: load.sent,
      acknowledged: load.acknowledged.length,
      refused_503: refused.length,
      other_status: other.length,
      acknowledged_unstored: load.acknowledged.filter((id) => !storedIds.has(id)).length,
      refused_but_stored: refused.filter((o) => storedNs.has(o.n)).length,
      delivered: load.acknowledged.length - sink.missing(load.acknowledged).length,
      duplicates: sink.duplicates(load.acknowledged),
      outage_ms: window.end - window.start,
      recovery_ms: firstAfter - window.end,
    })

    assert.deepEqual(other.map((o: PublishOutcome) => `${o.status} ${o.body ?? ''}`), [], 'every answer is 202 or 503')
    assert.ok(refused.length > 0, 'publishes were refused while the database was down')
    assert.deepEqual(acceptedDuring.map((o) => o.n), [], 'nothing was acknowledged while the database was down')
    for (const o of refused) {
      assert.deepEqual(JSON.parse(o.body ?? ''), {
        error: { code: 'HOOKHUB_DATABASE_UNAVAILABLE', message: 'Database is unavailable; retry later', details: {} },
      })
      assert.equal(o.headers?.get('retry-after'), '5')
    }
    assert.deepEqual(readiness, [503, 200], '/readyz says not ready while down, ready after')
    assert.deepEqual(load.acknowledged.filter((id) => !storedIds.has(id)), [], 'every acknowledged event is stored')
    assert.ok(firstAfter !== undefined, 'publishing recovered without a restart')
    assert.deepEqual(sink.missing(load.acknowledged), [], 'every acknowledged event was delivered')
    assert.ok(sink.duplicates(load.acknowledged) <= IN_FLIGHT, 'only tries in flight during the outage were sent again')
    assert.deepEqual(await hub.stop('SIGTERM'), { code: 0, signal: null })
  })
}
