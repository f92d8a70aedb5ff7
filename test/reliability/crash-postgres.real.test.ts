// Reliability, issue 7 (2): scale-out on PostgreSQL — two API processes (HOOKHUB_WORKERS=0)
// and three `hookhub worker` processes on one database. One worker is killed with SIGKILL while
// it holds deliveries and one API process while it answers publishes; the dead worker's
// leases expire and the others take its deliveries over. Then a graceful SIGTERM of a worker
// in the middle of the flow: it finishes what it has in flight and nothing arrives twice.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import pg from 'pg'
import { childEnv, startServe, startWorker, type Served, type WorkerProcess } from '../helpers/child.ts'
import { postgresUrl, scratchPostgresDatabase } from '../helpers/engines.ts'
import { between, createEndpointOver, publishSteadily, reportFigures, START, startCountingSink, waitUntil } from './support.ts'

const CRASH_EVENTS = 2_000
const GRACEFUL_EVENTS = 600
const TOKEN = 'hh_reliability_admin_token_0123456789'
const IN_FLIGHT = 16
/**
 * Long enough that a live worker on a loaded machine never loses its lease (at 2 s, renewals
 * late under load let other workers send a few deliveries again); takeover waits this long.
 */
const LEASE_SECONDS = 5
/** Each delivery takes this long at the sink, so every worker always has some in flight. */
const SINK_DELAY_MS = 10

type Leased = { id: number; lease_owner: string; lease_expires_at: number }

if (!postgresUrl) {
  test.skip('[postgres] scale-out crash test skipped: HOOKHUB_TEST_DATABASE_URL is not set')
} else {
  test('[postgres] 2 API + 3 worker processes: SIGKILL of a worker mid-batch and of an API mid-publish lose nothing; SIGTERM of a worker duplicates nothing', { timeout: 150_000 }, async (t) => {
    const databaseUrl = await scratchPostgresDatabase(t, 'hh_rel_crash')
    const db = new pg.Client({ connectionString: databaseUrl })
    await db.connect()
    // The database is dropped WITH (FORCE) when the test ends, which may end this connection first.
    db.on('error', () => {})
    t.after(() => db.end())
    /** Deliveries leased right now. */
    const leased = async () => (await db.query<Leased>(
      "select id, lease_owner, lease_expires_at from deliveries where status = 'delivering'")).rows
    const heldBy = async (owner: string) =>
      (await db.query<{ n: number }>('select count(*)::int as n from deliveries where lease_owner = $1', [owner])).rows[0].n
    /**
     * The workers that claim deliveries after `since` (a claim stamps updated_at and the owner;
     * a finished try clears the owner): waits until `count` of them have shown up.
     */
    async function claimersSince (since: number, count: number): Promise<Set<string>> {
      const seen = new Set<string>()
      await waitUntil(`${count} workers claiming`, async () => {
        const { rows } = await db.query<{ lease_owner: string }>(
          "select distinct lease_owner from deliveries where status = 'delivering' and updated_at > $1", [since])
        for (const r of rows) seen.add(r.lease_owner)
        return seen.size >= count || undefined
      }, 10_000, 20)
      return seen
    }

    const env = childEnv({
      HOOKHUB_DATABASE_URL: databaseUrl,
      HOOKHUB_SECRET_KEY: randomBytes(32).toString('base64'),
      HOOKHUB_ADMIN_TOKEN: TOKEN,
      HOOKHUB_LOG_LEVEL: 'warn',
      HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true',
      HOOKHUB_WORKERS: '0',
      HOOKHUB_LEASE_SECONDS: String(LEASE_SECONDS),
      HOOKHUB_RETRY_SCHEDULE: '0,100ms,200ms,500ms,1s,2s,2s,2s,2s',
      HOOKHUB_CIRCUIT_COOLDOWN: '100ms',
    })
    const apis: Served[] = [await startServe(t, env, START), await startServe(t, env, START)]
    // Both phases publish alike: round-robin over the two APIs at a steady rate.
    const steady = { ratePerS: 250, concurrency: 16, target: (n: number) => apis[n % 2].url, token: TOKEN, timeoutMs: 90_000, signal: t.signal }
    const workers: WorkerProcess[] = await Promise.all([0, 1, 2].map(() => startWorker(t, env, START)))
    // While `held` is set the sink answers nobody, so deliveries stay leased by whoever sent them.
    let held: Promise<void> | undefined
    let release = () => {}
    const sink = await startCountingSink(t, (_req, res) => {
      const answer = () => setTimeout(() => res.end('ok'), SINK_DELAY_MS)
      if (held) held.then(answer); else answer()
    })
    await createEndpointOver(apis[0].url, TOKEN, { url: `${sink.url}/in`, max_in_flight: IN_FLIGHT })

    // Phase 1: crashes.
    const workerKillAt = between(CRASH_EVENTS * 0.2, CRASH_EVENTS * 0.35)
    const apiKillAt = between(CRASH_EVENTS * 0.5, CRASH_EVENTS * 0.7)
    // Started from inside the publisher, awaited after it (an object: its fields escape TypeScript's narrowing).
    const kills: { worker?: Promise<{ dead: Leased[]; survivors: Set<string>; takeoverMs: number }>; api?: Promise<void> } = {}
    const crash = await publishSteadily({
      acknowledged: CRASH_EVENTS,
      ...steady,
      onOutcome: (_o, count) => {
        if (!kills.worker && count >= workerKillAt) {
          return (kills.worker = (async () => {
            // Kill while every worker holds deliveries, so that the victim surely dies mid-batch:
            // the sink holds its answers until the kill, so nothing leased finishes in between.
            held = new Promise((resolve) => { release = resolve })
            let killedAt: number
            let atKill: Leased[]
            try {
              await waitUntil('deliveries leased by all three workers', async () =>
                new Set((await leased()).map((r) => r.lease_owner)).size === 3 || undefined, 10_000, 10)
              assert.deepEqual(await workers[0].stop('SIGKILL'), { code: null, signal: 'SIGKILL' })
              killedAt = Date.now()
              // No lease can expire this soon after the kill: the dead worker's rows are all here.
              atKill = await leased()
            } finally {
              held = undefined
              release()
            }
            const survivors = await claimersSince(killedAt, 2)
            const deadOwners = new Set(atKill.map((r) => r.lease_owner).filter((o) => !survivors.has(o)))
            assert.equal(deadOwners.size, 1, `one worker stopped claiming: ${[...deadOwners].join(', ')}`)
            const deadOwner = [...deadOwners][0]
            const takeoverMs = await waitUntil('the dead worker\'s deliveries taken over', async () =>
              (await heldBy(deadOwner)) === 0 ? Date.now() - killedAt : undefined, 20_000, 20)
            return { dead: atKill.filter((r) => r.lease_owner === deadOwner), survivors, takeoverMs }
          })())
        }
        if (!kills.api && count >= apiKillAt) {
          return (kills.api = (async () => {
            assert.deepEqual(await apis[1].stop('SIGKILL'), { code: null, signal: 'SIGKILL' })
            apis[1] = await startServe(t, env, START)
          })())
        }
      },
    })
    assert.ok(kills.api && kills.worker, 'a worker and an API process were killed')
    const { dead, survivors, takeoverMs } = await kills.worker
    assert.ok(dead.length > 0, 'the killed worker held deliveries when it died')
    const published = Date.now()
    await waitUntil('every acknowledged event at the sink', () => sink.missing(crash.acknowledged).length === 0 || undefined, 60_000)
    const crashDrainMs = Date.now() - published
    const finished = await db.query("select count(*)::int as n from deliveries where id = any($1) and status = 'succeeded'", [dead.map((r) => r.id)])
    const crashDuplicates = sink.duplicates(crash.acknowledged)
    // A duplicate whose two tries are both on record was sent again after a live worker lost its lease.
    const twiceRecorded = (await db.query<{ n: number }>(
      'select count(*)::int as n from (select delivery_id from attempts group by delivery_id having count(*) > 1) twice')).rows[0].n

    // Phase 2: a graceful stop of a worker while deliveries flow.
    const stop: { graceful?: Promise<{ exit: unknown; stopMs: number; left: number }> } = {}
    const stopAt = between(GRACEFUL_EVENTS * 0.3, GRACEFUL_EVENTS * 0.6)
    const calm = await publishSteadily({
      acknowledged: GRACEFUL_EVENTS,
      ...steady,
      onOutcome: (_o, count) => {
        if (!stop.graceful && count >= stopAt) {
          return (stop.graceful = (async () => {
            const started = Date.now()
            const exit = await workers[1].stop('SIGTERM')
            const stopMs = Date.now() - started
            const exitedAt = Date.now()
            // Whatever the stopped worker still leases now, nobody will renew: it would be left behind.
            const { rows } = await db.query<{ lease_owner: string; n: number }>(
              'select lease_owner, count(*)::int as n from deliveries where lease_owner is not null group by lease_owner')
            const alive = await claimersSince(exitedAt, 1)
            const stoppedOwners = [...survivors].filter((o) => !alive.has(o))
            assert.equal(stoppedOwners.length, 1, 'one of the two survivors stopped claiming')
            return { exit, stopMs, left: rows.find((r) => r.lease_owner === stoppedOwners[0])?.n ?? 0 }
          })())
        }
      },
    })
    assert.ok(stop.graceful, 'a worker was stopped')
    const stopped = await stop.graceful
    await waitUntil('every event of the graceful phase at the sink', () => sink.missing(calm.acknowledged).length === 0 || undefined, 60_000)
    const calmDuplicates = sink.duplicates(calm.acknowledged)

    reportFigures(t, 'crash-postgres', {
      sent: crash.sent + calm.sent,
      acknowledged: crash.acknowledged.length + calm.acknowledged.length,
      unanswered: crash.unanswered + calm.unanswered,
      delivered: crash.acknowledged.length + calm.acknowledged.length - sink.missing([...crash.acknowledged, ...calm.acknowledged]).length,
      orphaned_leases: dead.length,
      takeover_ms: takeoverMs,
      duplicates_after_sigkill: crashDuplicates,
      twice_recorded: twiceRecorded,
      window: IN_FLIGHT,
      drain_ms: crashDrainMs,
      duplicates_after_sigterm: calmDuplicates,
      sigterm_exit_ms: stopped.stopMs,
    })

    assert.equal(finished.rows[0].n, dead.length, 'every delivery the dead worker held was finished by another')
    assert.ok(crashDuplicates <= IN_FLIGHT, `duplicates ${crashDuplicates} within the dead worker's in-flight window ${IN_FLIGHT}`)
    assert.deepEqual(stopped.exit, { code: 0, signal: null }, workers[1].output())
    assert.equal(stopped.left, 0, 'the stopped worker left no lease behind')
    assert.equal(calmDuplicates, 0, 'a graceful stop duplicates nothing')
    for (const process of [...apis, workers[2]]) assert.deepEqual(await process.stop('SIGTERM'), { code: 0, signal: null })
  })
}
