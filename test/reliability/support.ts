// Shared pieces of the reliability tier: a sink that counts deliveries per event, a publisher
// that sends events at a steady rate through the public API while hubs die and come back, and
// the one line of figures each test prints for docs/reliability.md.
import type { TestContext } from 'node:test'
import { sql, type Kysely } from 'kysely'
import type { Engine } from '../../src/storage/database.ts'
import type { DB } from '../../src/storage/schema.ts'
import { fetchWithin } from '../helpers/child.ts'
import { startSink, type SinkHandler } from '../helpers/sink.ts'

/** Starting a hub or worker on a machine busy with other suites can take a while. */
export const START = { timeoutMs: 30_000 }

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitUntil<T> (what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile (values: readonly number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/**
 * Prints a test's measured figures as one diagnostic line, `figures <name> {json}`, which is
 * what the table in docs/reliability.md is refreshed from.
 */
export function reportFigures (t: TestContext, name: string, figures: Record<string, number | string | boolean>) {
  t.diagnostic(`figures ${name} ${JSON.stringify({ ...figures, date: new Date().toISOString().slice(0, 10) })}`)
}

/** A sink that counts the requests it gets per event (the `webhook-id` header) and when the first came. */
export async function startCountingSink (t: TestContext, respond: SinkHandler = (_req, res) => res.end('ok')) {
  const counts = new Map<string, number>()
  const firstAt = new Map<string, number>()
  const sink = await startSink(t, (req, res) => {
    const id = String(req.headers['webhook-id'])
    counts.set(id, (counts.get(id) ?? 0) + 1)
    if (!firstAt.has(id)) firstAt.set(id, req.at)
    respond(req, res)
  })
  return {
    ...sink,
    counts,
    firstAt,
    /** Ids of `ids` that never arrived. */
    missing: (ids: Iterable<string>) => [...ids].filter((id) => !counts.has(id)),
    /** Requests beyond the first, summed over `ids`. */
    duplicates: (ids: Iterable<string>) => [...ids].reduce((sum, id) => sum + Math.max(0, (counts.get(id) ?? 0) - 1), 0),
  }
}

export type CountingSink = Awaited<ReturnType<typeof startCountingSink>>

/** What happened to one publish request. */
export interface PublishOutcome {
  n: number
  at: number
  /** HTTP status, or 0 when no answer came (connection refused or reset, timeout). */
  status: number
  /** The event id of a 2xx answer. */
  id?: string
  body?: string
  headers?: Headers
}

export interface LoadOptions {
  /** Stop once this many events were acknowledged (2xx). */
  acknowledged: number
  ratePerS: number
  concurrency: number
  /** The hub to send the next request to (hubs restart on new ports). */
  target: (n: number) => string
  token: string
  /** Gives up (throws) after this long. */
  timeoutMs: number
  /**
   * Called after every answer, e.g. to kill the hub at a chosen moment. A promise it returns is
   * awaited before publishing resolves; when it rejects, publishing stops and rejects with it.
   */
  onOutcome?: (outcome: PublishOutcome, acknowledged: number) => Promise<unknown> | void
  /** Stops publishing early (pass the test's `t.signal`, so that nothing outlives a failed test). */
  signal?: AbortSignal
}

/**
 * Publishes `POST /api/v1/events` at a steady rate from `concurrency` loops until enough are
 * acknowledged. Request n may start no earlier than n / rate seconds after the start; a
 * request without a 2xx answer is recorded and not repeated (its event may or may not exist).
 */
export async function publishSteadily (options: LoadOptions) {
  const outcomes: PublishOutcome[] = []
  const acknowledged: string[] = []
  const started = Date.now()
  let next = 0
  const actions: Promise<unknown>[] = []
  let failure: { error: unknown } | null = null
  const headers = { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' }

  async function loop () {
    while (acknowledged.length < options.acknowledged && !failure && !options.signal?.aborted) {
      if (Date.now() - started > options.timeoutMs) {
        throw new Error(`publishing timed out: ${acknowledged.length} of ${options.acknowledged} acknowledged after ${options.timeoutMs} ms`)
      }
      const n = next++
      const due = started + (n * 1000) / options.ratePerS
      if (due > Date.now()) await sleep(due - Date.now())
      let outcome: PublishOutcome
      try {
        const res = await fetchWithin(`${options.target(n)}/api/v1/events`, {
          method: 'POST', headers, body: JSON.stringify({ type: 'reliability.test', payload: { n } }),
        }, 10_000)
        const body = await res.text()
        outcome = { n, at: Date.now(), status: res.status, body, headers: res.headers }
        if (res.status >= 200 && res.status < 300) {
          outcome.id = (JSON.parse(body) as { id: string }).id
          acknowledged.push(outcome.id)
        }
      } catch {
        outcome = { n, at: Date.now(), status: 0 }
      }
      outcomes.push(outcome)
      const action = options.onOutcome?.(outcome, acknowledged.length)
      if (action) actions.push(action.catch((error: unknown) => { failure ??= { error }; throw error }))
      // A hub that is down refuses at once; do not spin on it.
      if (outcome.status === 0 || outcome.status >= 500) await sleep(50)
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, loop))
  await Promise.all(actions)
  return {
    outcomes,
    acknowledged,
    sent: outcomes.length,
    elapsedMs: Date.now() - started,
    unanswered: outcomes.filter((o) => o.status === 0).length,
    byStatus: outcomes.reduce<Record<string, number>>((acc, o) => { acc[o.status] = (acc[o.status] ?? 0) + 1; return acc }, {}),
  }
}

/** Creates an endpoint through the API of a running hub and returns its id. */
export async function createEndpointOver (hubUrl: string, token: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetchWithin(`${hubUrl}/api/v1/endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  if (res.status !== 201) throw new Error(`creating an endpoint: ${res.status} ${text}`)
  return (JSON.parse(text) as { id: string }).id
}

/** A random moment: a uniform integer in [min, max]. */
export const between = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1))

/**
 * Stores `count` events of type `tag` received at `receivedAt`, each with one delivery per
 * endpoint in `status` and, optionally, one attempt per delivery — in bulk SQL, for tests that
 * need more rows than the API could publish in time. Returns nothing; count with SQL.
 */
export async function seedEvents (db: Kysely<DB>, engine: Engine, o: {
  tag: string
  count: number
  receivedAt: number
  endpointIds: readonly string[]
  status: string
  attempts?: boolean
}) {
  const series = engine === 'postgres'
    ? sql`with s(n) as (select generate_series(1, ${sql.lit(o.count)}))`
    : sql`with recursive s(n) as (select 1 union all select n + 1 from s where n < ${sql.lit(o.count)})`
  const at = sql.lit(o.receivedAt)
  const tag = sql.lit(o.tag)
  await sql`${series} insert into events (public_id, type, source, payload, received_at)
    select ${tag} || '_' || n, ${tag}, 'api', '{"seeded":true}', ${at} from s`.execute(db)
  if (o.endpointIds.length === 0) return
  await sql`insert into deliveries (public_id, event_id, endpoint_id, status, attempt_count, next_attempt_at, last_status_code, created_at, updated_at)
    select ${tag} || '_' || e.id || '_' || p.id, e.id, p.id, ${sql.lit(o.status)}, ${sql.lit(o.attempts ? 1 : 0)},
      ${o.status === 'pending' ? at : sql`null`}, null, ${at}, ${at}
    from events e cross join endpoints p
    where e.type = ${tag} and p.id in (${sql.join(o.endpointIds.map((id) => sql.lit(id)))})`.execute(db)
  if (!o.attempts) return
  await sql`insert into attempts (delivery_id, endpoint_id, started_at, duration_ms, request, response_status, response, error_code, error_message)
    select d.id, d.endpoint_id, ${at}, 5, '{}', 200, null, null, null
    from deliveries d join events e on e.id = d.event_id where e.type = ${tag}`.execute(db)
}
