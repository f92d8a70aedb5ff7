// Reliability, issue 7 (5): size limits. A body of 1 MiB + 1 byte gets 413 (exactly 1 MiB is
// accepted); with 10,000 endpoints and 1,000,000 delivery rows (PostgreSQL; 100,000 on SQLite)
// the list endpoints stay paginated and fast, and their queries use indexes (EXPLAIN).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CompiledQuery, type KyselyPlugin, type Kysely } from 'kysely'
import { encodeCursor } from '../../src/http/native-schemas.ts'
import type { Engine } from '../../src/storage/database.ts'
import { createDeliveryRepository } from '../../src/storage/delivery-repository.ts'
import { createEndpointRepository } from '../../src/storage/endpoint-repository.ts'
import { createEventRepository } from '../../src/storage/event-repository.ts'
import type { DB } from '../../src/storage/schema.ts'
import { createEndpoint } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { assertError } from '../helpers/native-errors.ts'
import { reportFigures, seedEvents } from './support.ts'

reportSkippedPostgres()

const MIB = 1024 * 1024
const ENDPOINTS = 10_000
/** Delivery rows: events × the 10 endpoints they go to. */
const DELIVERIES: Record<Engine, number> = { postgres: 1_000_000, sqlite: 100_000 }
/** Far above what an indexed page costs, far below what a scan of a million rows costs on a busy machine. */
const PAGE_MS = 2_000
const API_ONLY = { HOOKHUB_WORKERS: '0', HOOKHUB_RETENTION_DAYS: '0' }

/** A JSON body of exactly `size` bytes: an event whose payload is a padded string. */
function bodyOf (size: number): string {
  const shell = JSON.stringify({ type: 'big.event', payload: '' })
  return JSON.stringify({ type: 'big.event', payload: 'x'.repeat(size - shell.length) })
}

/** The SQL a repository call sends, captured on its way to the database. */
async function capture (db: Kysely<DB>, call: (spy: Kysely<DB>) => Promise<unknown>): Promise<CompiledQuery[]> {
  const queries: CompiledQuery[] = []
  const plugin: KyselyPlugin = {
    transformQuery: ({ node, queryId }) => { queries.push(db.getExecutor().compileQuery(node, queryId)); return node },
    transformResult: async ({ result }) => result,
  }
  await call(db.withPlugin(plugin))
  return queries
}

/** The plan of a captured query, one line per step. */
async function planOf (hub: TestHub, query: CompiledQuery): Promise<string> {
  const engine = hub.database.engine
  const explain = CompiledQuery.raw(`${engine === 'postgres' ? 'explain' : 'explain query plan'} ${query.sql}`, [...query.parameters])
  const { rows } = await hub.database.db.executeQuery<Record<string, unknown>>(explain)
  return rows.map((r) => String(engine === 'postgres' ? r['QUERY PLAN'] : r.detail)).join('\n')
}

/** A plan that reads a table row by row instead of through an index. */
const FULL_SCAN: Record<Engine, RegExp> = {
  postgres: /Seq Scan on (deliveries|endpoints|events)\b/,
  sqlite: /^SCAN (deliveries|endpoints|events)\b/m,
}

for (const engine of engines) {
  describe(`[${engine}] limits`, () => {
    test('a body of 1 MiB + 1 byte gets 413 in the native shape and stores nothing; exactly 1 MiB is accepted', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const headers = { ...hub.admin, 'content-type': 'application/json' }
      const source = await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: 'big', verify: 'none' } })
      assert.equal(source.statusCode, 201, source.body)
      const hookPath = new URL((source.json() as { inbound_url: string }).inbound_url).pathname
      for (const url of ['/api/v1/events', hookPath]) {
        const tooBig = await hub.app.inject({ method: 'POST', url, headers, payload: bodyOf(MIB + 1) })
        const error = assertError(tooBig, 413, 'HOOKHUB_BODY_TOO_LARGE')
        assert.equal(error.message, `Body exceeds ${MIB} bytes`)
        const fits = await hub.app.inject({ method: 'POST', url, headers, payload: bodyOf(MIB) })
        assert.ok(fits.statusCode === 200 || fits.statusCode === 202, `${url}: exactly 1 MiB is accepted: ${fits.statusCode} ${fits.body.slice(0, 200)}`)
      }
      const list = await hub.app.inject({ method: 'GET', url: '/api/v1/events?type=big.event', headers: hub.admin })
      assert.equal((list.json() as { data: unknown[] }).data.length, 2, 'one event per accepted 1 MiB body, none for the refused ones')
    })

    test(`${ENDPOINTS.toLocaleString('en')} endpoints and ${DELIVERIES[engine].toLocaleString('en')} deliveries: lists stay paginated, fast and indexed`, { timeout: 180_000 }, async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const db = hub.database.db
      const template = await createEndpoint(hub, { url: 'https://receiver.example.com/hook' })
      const seedStarted = Date.now()
      // Copies of a real endpoint (its sealed secret included), numbered so that their ids sort.
      const series = engine === 'postgres'
        ? `with s(n) as (select generate_series(1, ${ENDPOINTS - 1}))`
        : `with recursive s(n) as (select 1 union all select n + 1 from s where n < ${ENDPOINTS - 1})`
      const columns = ['url', 'method', 'headers', 'auth', 'secret', 'previous_secret', 'previous_secret_until', 'format', 'filter_types',
        'filter_node_id', 'filter_channel', 'enabled', 'paused', 'disabled_reason', 'rate_limit_per_s', 'max_in_flight', 'ordering',
        'owner_dialect', 'owner_id', 'user_id', 'consecutive_failures', 'failing_since', 'circuit_open_until', 'created_at', 'updated_at', 'deleted_at']
      await db.executeQuery(CompiledQuery.raw(`${series} insert into endpoints (id, ${columns.join(', ')})
        select 'ep_bulk_' || ${engine === 'postgres' ? "lpad(n::text, 5, '0')" : "substr('00000' || n, -5)"}, ${columns.map((c) => `e.${c}`).join(', ')}
        from s cross join endpoints e where e.id = '${template.id}'`))
      const targets = (await db.selectFrom('endpoints').select('id').orderBy('id').limit(10).execute()).map((r) => r.id)
      const events = DELIVERIES[engine] / targets.length
      const receivedAt = Date.now() - 3_600_000
      await seedEvents(db, engine, { tag: 'bulk.done', count: events - 100, receivedAt, endpointIds: targets, status: 'succeeded' })
      await seedEvents(db, engine, { tag: 'bulk.failed', count: 100, receivedAt, endpointIds: targets, status: 'failed' })
      await db.executeQuery(CompiledQuery.raw('analyze'))
      const seedMs = Date.now() - seedStarted
      const { n: deliveryRows } = await db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      assert.equal(Number(deliveryRows), DELIVERIES[engine])

      const lastDelivery = await db.selectFrom('deliveries').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()
      const lastEvent = await db.selectFrom('events').select(['id', 'public_id']).orderBy('id', 'desc').executeTakeFirstOrThrow()
      const deep = encodeCursor(lastDelivery.id - 5_000)
      const pages: [string, string, number][] = [
        ['endpoints, first page', '/api/v1/endpoints?limit=500', 500],
        ['endpoints, deep page', `/api/v1/endpoints?limit=500&cursor=${encodeCursor('ep_bulk_09000')}`, 500],
        ['deliveries, first page', '/api/v1/deliveries', 50],
        ['deliveries, deep page', `/api/v1/deliveries?limit=500&cursor=${deep}`, 500],
        ['deliveries of one endpoint', `/api/v1/deliveries?endpoint_id=${targets[3]}&limit=100`, 100],
        ['failed deliveries', '/api/v1/deliveries?status=failed&limit=100', 100],
        ['deliveries of one event', `/api/v1/deliveries?event_id=${lastEvent.public_id}`, 10],
        ['deliveries since 2h', '/api/v1/deliveries?since=2h&limit=100', 100],
        ['events, first page', '/api/v1/events', 50],
        ['events, deep page', `/api/v1/events?limit=500&cursor=${encodeCursor(lastEvent.id - 1_000)}`, 500],
        ['events of one type', '/api/v1/events?type=bulk.failed&limit=50', 50],
      ]
      const timings: Record<string, number> = {}
      for (const [label, url, size] of pages) {
        const started = Date.now()
        const res = await hub.app.inject({ method: 'GET', url, headers: hub.admin })
        timings[label] = Date.now() - started
        assert.equal(res.statusCode, 200, `${label}: ${res.body.slice(0, 300)}`)
        const page = res.json() as { data: unknown[]; next_cursor: string | null }
        assert.equal(page.data.length, size, `${label}: a full page`)
        assert.ok(label === 'deliveries of one event' ? page.next_cursor === null : typeof page.next_cursor === 'string', `${label}: paginated`)
      }

      // The repositories' own list queries, as the routes above send them, explained.
      const plans: Record<string, string> = {}
      const queries: [string, (spy: Kysely<DB>) => Promise<unknown>][] = [
        ['endpoints', (spy) => createEndpointRepository(spy).list({ afterId: 'ep_bulk_09000', limit: 501 })],
        ['deliveries', (spy) => createDeliveryRepository(spy, engine).list({ afterId: lastDelivery.id - 5_000, limit: 501 })],
        ['deliveries by endpoint', (spy) => createDeliveryRepository(spy, engine).list({ endpointId: targets[3], afterId: 0, limit: 101 })],
        ['deliveries by status', (spy) => createDeliveryRepository(spy, engine).list({ status: 'failed', afterId: 0, limit: 101 })],
        ['deliveries by event', (spy) => createDeliveryRepository(spy, engine).list({ eventId: lastEvent.id, afterId: 0, limit: 51 })],
        ['events', (spy) => createEventRepository(spy).list({ afterId: lastEvent.id - 1_000, limit: 501 })],
        ['events by type', (spy) => createEventRepository(spy).list({ type: 'bulk.failed', afterId: 0, limit: 101 })],
      ]
      for (const [label, call] of queries) {
        const [query] = await capture(db, call)
        plans[label] = await planOf(hub, query)
      }
      reportFigures(t, `limits-${engine}`, {
        endpoints: ENDPOINTS,
        deliveries: DELIVERIES[engine],
        seed_ms: seedMs,
        slowest_page_ms: Math.max(...Object.values(timings)),
        slowest_page: Object.entries(timings).sort((a, b) => b[1] - a[1])[0][0],
      })
      for (const [label, plan] of Object.entries(plans)) {
        assert.doesNotMatch(plan, FULL_SCAN[engine], `${label} reads through an index:\n${plan}`)
      }
      for (const [label, ms] of Object.entries(timings)) assert.ok(ms < PAGE_MS, `${label} answered in ${ms} ms (limit ${PAGE_MS} ms)`)
    })
  })
}
