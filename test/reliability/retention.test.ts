// Retention (issue 7, 5): HOOKHUB_RETENTION_DAYS prunes old finished events with their
// deliveries, attempts and idempotency keys, in batches, never touching open work, and without
// holding up deliveries that run at the same time.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from 'kysely'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { createRetention, DAY_MS, DEFAULT_RETENTION, retentionOptionsFor } from '../../src/core/retention.ts'
import { createRetentionRepository } from '../../src/storage/retention-repository.ts'
import { createEndpoint, FAST_DELIVERY } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { percentile, reportFigures, seedEvents, startCountingSink, waitUntil } from './support.ts'

reportSkippedPostgres()

const NOW = Date.UTC(2026, 5, 1)
const OLD = NOW - 31 * DAY_MS
const RECENT = NOW - 29 * DAY_MS
/** The hub's own pruner stays off; each test drives one with its own options. */
const NO_PRUNER = { HOOKHUB_RETENTION_DAYS: '0', HOOKHUB_WORKERS: '0' }

const count = async (hub: TestHub, table: 'events' | 'deliveries' | 'attempts' | 'idempotency_keys', tag?: string) => {
  const where = tag === undefined ? sql`` : table === 'events'
    ? sql`where type = ${tag}`
    : table === 'deliveries'
      ? sql`where event_id in (select id from events where type = ${tag})`
      : table === 'attempts'
        ? sql`where delivery_id in (select d.id from deliveries d join events e on e.id = d.event_id where e.type = ${tag})`
        : sql`where event_id in (select id from events where type = ${tag})`
  const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} ${where}`.execute(hub.database.db)
  return Number(rows[0].n)
}

function pruner (hub: TestHub, options: Partial<typeof DEFAULT_RETENTION> = {}) {
  return createRetention({
    retention: createRetentionRepository(hub.database.db, hub.database.engine),
    logger: false,
    clock: () => NOW,
    options: { ...DEFAULT_RETENTION, pauseMs: 1, ...options, days: 30 },
  })
}

test('HOOKHUB_RETENTION_DAYS: 30 by default, 0 turns pruning off, anything else is refused naming the variable', async (t) => {
  assert.equal(loadConfig({}).retentionDays, 30)
  assert.equal(loadConfig({ HOOKHUB_RETENTION_DAYS: '7' }).retentionDays, 7)
  assert.equal(loadConfig({ HOOKHUB_RETENTION_DAYS: '0' }).retentionDays, 0)
  for (const bad of ['-1', '1.5', 'thirty', '7d']) {
    assert.throws(() => loadConfig({ HOOKHUB_RETENTION_DAYS: bad }), (err: Error) =>
      err instanceof ConfigError && err.message === `HOOKHUB_RETENTION_DAYS "${bad}" must be an integer of at least 0`, bad)
  }
  assert.throws(() => createRetention({ retention: { pruneBatch: async () => null }, logger: false, clock: Date.now, options: { ...DEFAULT_RETENTION, days: 0 } }),
    /retention days must be a whole number of at least 1/)
  const off = await startHub(t, 'sqlite', { HOOKHUB_RETENTION_DAYS: '0' })
  assert.equal(off.retention, null, 'no pruner when retention is off')
  const on = await startHub(t, 'sqlite', { HOOKHUB_RETENTION_DAYS: '14' })
  assert.equal(on.retention?.options.days, 14, 'serve runs a pruner with the configured days')
  assert.deepEqual(on.retention?.options, retentionOptionsFor('sqlite', 14))
  assert.equal(retentionOptionsFor('sqlite', 14).targetBatchMs, 50, 'SQLite batches shrink past 50 ms')
  assert.equal(retentionOptionsFor('postgres', 14).targetBatchMs, Number.POSITIVE_INFINITY, 'PostgreSQL batches stay at 1,000')
})

test('a batch slower than targetBatchMs halves the next one, down to a tenth; a fast one doubles it, up to batchSize', async () => {
  const sizes: number[] = []
  let left = 5_000
  let slow = true
  const retention = createRetention({
    retention: {
      async pruneBatch (_cutoff, limit) {
        sizes.push(limit)
        if (sizes.length === 6) slow = false
        await new Promise((resolve) => setTimeout(resolve, slow ? 30 : 0))
        const events = Math.min(limit, left)
        left -= events
        return { events, deliveries: events, attempts: 0, idempotencyKeys: 0 }
      },
    },
    logger: false,
    clock: () => NOW,
    options: { ...DEFAULT_RETENTION, batchSize: 1_000, targetBatchMs: 20, pauseMs: 1, days: 30 },
  })
  const totals = await retention.runOnce()
  assert.deepEqual(sizes.slice(0, 8), [1_000, 500, 250, 125, 100, 100, 200, 400])
  assert.equal(totals.events, 5_000)
  assert.ok(sizes.every((size) => size >= 100 && size <= 1_000))
})

for (const engine of engines) {
  describe(`[${engine}] retention`, () => {
    test('deletes old finished events with their deliveries, attempts and keys; keeps open work and recent events', async (t) => {
      const hub = await startHub(t, engine, NO_PRUNER)
      const a = (await createEndpoint(hub, { url: 'https://a.example.com/hook' })).id
      const b = (await createEndpoint(hub, { url: 'https://b.example.com/hook' })).id
      const db = hub.database.db
      await seedEvents(db, engine, { tag: 'old.done', count: 3, receivedAt: OLD, endpointIds: [a, b], status: 'succeeded', attempts: true })
      await seedEvents(db, engine, { tag: 'old.failed', count: 2, receivedAt: OLD, endpointIds: [a], status: 'failed', attempts: true })
      await seedEvents(db, engine, { tag: 'old.cancelled', count: 1, receivedAt: OLD, endpointIds: [a], status: 'cancelled' })
      await seedEvents(db, engine, { tag: 'old.none', count: 2, receivedAt: OLD, endpointIds: [], status: 'succeeded' })
      await seedEvents(db, engine, { tag: 'old.pending', count: 2, receivedAt: OLD, endpointIds: [a], status: 'pending' })
      await seedEvents(db, engine, { tag: 'old.delivering', count: 1, receivedAt: OLD, endpointIds: [a], status: 'delivering' })
      await seedEvents(db, engine, { tag: 'recent.done', count: 2, receivedAt: RECENT, endpointIds: [a], status: 'succeeded', attempts: true })
      // An old event, one delivery finished and one still retrying: the whole event stays.
      await seedEvents(db, engine, { tag: 'old.mixed', count: 1, receivedAt: OLD, endpointIds: [a], status: 'succeeded', attempts: true })
      await sql`insert into deliveries (public_id, event_id, endpoint_id, status, attempt_count, next_attempt_at, created_at, updated_at)
        select 'dlv_mixed_open', id, ${sql.lit(b)}, 'pending', 2, ${sql.lit(NOW)}, ${sql.lit(OLD)}, ${sql.lit(OLD)} from events where type = 'old.mixed'`.execute(db)
      await sql`insert into idempotency_keys (key, event_id, created_at)
        select 'api:1:' || public_id, id, received_at from events where type in ('old.done', 'recent.done')`.execute(db)

      const totals = await pruner(hub).runOnce()

      assert.deepEqual(totals, { events: 8, deliveries: 9, attempts: 8, idempotencyKeys: 3, batches: 1, skipped: false })
      for (const gone of ['old.done', 'old.failed', 'old.cancelled', 'old.none']) {
        assert.equal(await count(hub, 'events', gone), 0, `${gone} pruned`)
        assert.equal(await count(hub, 'deliveries', gone), 0, `${gone} deliveries pruned`)
        assert.equal(await count(hub, 'attempts', gone), 0, `${gone} attempts pruned`)
      }
      assert.equal(await count(hub, 'idempotency_keys', 'old.done'), 0)
      assert.equal(await count(hub, 'events', 'old.pending'), 2, 'pending work stays')
      assert.equal(await count(hub, 'deliveries', 'old.pending'), 2)
      assert.equal(await count(hub, 'events', 'old.delivering'), 1, 'in-flight work stays')
      assert.equal(await count(hub, 'events', 'old.mixed'), 1, 'an event with one open delivery stays whole')
      assert.equal(await count(hub, 'deliveries', 'old.mixed'), 2)
      assert.equal(await count(hub, 'attempts', 'old.mixed'), 1)
      assert.equal(await count(hub, 'events', 'recent.done'), 2, 'recent events stay')
      assert.equal(await count(hub, 'attempts', 'recent.done'), 2)
      assert.equal(await count(hub, 'idempotency_keys', 'recent.done'), 2)
      // The API agrees: a pruned event is gone, a kept one is whole.
      const gone = await hub.app.inject({ method: 'GET', url: '/api/v1/events/old.done_1', headers: hub.admin })
      assert.equal(gone.statusCode, 404)
      const kept = await hub.app.inject({ method: 'GET', url: '/api/v1/events/old.mixed_1', headers: hub.admin })
      assert.equal(kept.statusCode, 200)
      assert.equal((kept.json() as { deliveries: unknown[] }).deliveries.length, 2)

      assert.deepEqual(await pruner(hub).runOnce(), { events: 0, deliveries: 0, attempts: 0, idempotencyKeys: 0, batches: 1, skipped: false }, 'a second run finds nothing')
    })

    test('works in batches of batchSize and stops between batches when asked', async (t) => {
      // (targetBatchMs out of reach: the batch size stays put, whatever this machine's speed.)
      const hub = await startHub(t, engine, NO_PRUNER)
      const a = (await createEndpoint(hub, { url: 'https://a.example.com/hook' })).id
      await seedEvents(hub.database.db, engine, { tag: 'old.bulk', count: 2_500, receivedAt: OLD, endpointIds: [a], status: 'succeeded', attempts: true })

      // A run stopped during its first batch ends after that batch, with the rest still there.
      let stop: Promise<void> | undefined
      const repository = createRetentionRepository(hub.database.db, hub.database.engine)
      const stopped = createRetention({
        retention: { pruneBatch: async (cutoff, limit) => { stop ??= stopped.stop(); return repository.pruneBatch(cutoff, limit) } },
        logger: false,
        clock: () => NOW,
        options: { ...DEFAULT_RETENTION, batchSize: 1_000, pauseMs: 1, targetBatchMs: 60_000, days: 30 },
      })
      const partial = await stopped.runOnce()
      await stop
      assert.equal(partial.batches, 1)
      assert.equal(partial.events, 1_000)
      assert.equal(await count(hub, 'events', 'old.bulk'), 1_500)

      const totals = await pruner(hub, { batchSize: 1_000, targetBatchMs: 60_000 }).runOnce()
      assert.deepEqual(totals, { events: 1_500, deliveries: 1_500, attempts: 1_500, idempotencyKeys: 0, batches: 2, skipped: false })
      assert.equal(await count(hub, 'events', 'old.bulk'), 0)
    })

    test('pruning 20,000 old events while events are delivered does not hold deliveries up', { timeout: 120_000 }, async (t) => {
      const hub = await startHub(t, engine, { ...FAST_DELIVERY, HOOKHUB_RETENTION_DAYS: '0' })
      const sink = await startCountingSink(t)
      const endpoint = (await createEndpoint(hub, { url: sink.url })).id
      await seedEvents(hub.database.db, engine, { tag: 'old.bulk', count: 20_000, receivedAt: OLD, endpointIds: [endpoint], status: 'succeeded', attempts: true })

      /** Publishes `n` events 20 ms apart and returns each one's publish-to-arrival latency. */
      async function latencies (n: number): Promise<number[]> {
        const sent = new Map<string, number>()
        for (let i = 0; i < n; i++) {
          const res = await hub.app.inject({ method: 'POST', url: '/api/v1/events', headers: hub.admin, payload: { type: 'live.event', payload: { i } } })
          assert.equal(res.statusCode, 202, res.body)
          sent.set((res.json() as { id: string }).id, Date.now())
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        await waitUntil('the live events at the sink', () => sink.missing(sent.keys()).length === 0 || undefined, 30_000)
        return [...sent].map(([id, at]) => (sink.firstAt.get(id) as number) - at)
      }

      const baseline = await latencies(50)
      // The real clock: the seeded events are 31 days old now, too.
      const retention = createRetention({
        retention: createRetentionRepository(hub.database.db, hub.database.engine),
        logger: false,
        clock: Date.now,
        options: retentionOptionsFor(engine, 30),
      })
      const started = Date.now()
      let pruneMs = 0
      const pruning = retention.runOnce().then((totals) => { pruneMs = Date.now() - started; return totals })
      const during = await latencies(50)
      const totals = await pruning

      const limit = Math.max(2 * percentile(baseline, 99), percentile(baseline, 99) + 250)
      reportFigures(t, `retention-${engine}`, {
        pruned_events: totals.events,
        batches: totals.batches,
        prune_ms: pruneMs,
        p99_baseline_ms: percentile(baseline, 99),
        p99_during_prune_ms: percentile(during, 99),
        limit_ms: limit,
      })
      assert.equal(totals.events, 20_000)
      assert.ok(totals.batches >= 21, `at most 1,000 events a batch: ${totals.batches} batches`)
      assert.equal(await count(hub, 'events', 'live.event'), 100, 'the live events are untouched')
      assert.ok(percentile(during, 99) <= limit, `p99 latency while pruning ${percentile(during, 99)} ms within ${limit} ms (baseline p99 ${percentile(baseline, 99)} ms)`)
    })
  })
}
