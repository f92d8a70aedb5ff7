// The load generators, run in the runner's process (the servers are separate processes):
// autocannon for closed-loop load (N connections as fast as answered), and a small open-loop
// publisher for a fixed rate, whose requests carry their own send time.
import { createRequire } from 'node:module'
import { Pool } from 'undici'

// autocannon ships no types; this is the part used here.
interface Histogram { p50: number, p90: number, p99: number, max: number }
interface AutocannonResult {
  duration: number
  latency: Histogram
  '2xx': number
  non2xx: number
  errors: number
  timeouts: number
}
type Autocannon = (opts: Record<string, unknown>, done: (err: Error | null, result: AutocannonResult) => void) => { stop (): void }
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

/** The wall clock shared by all processes on this machine, with sub-millisecond resolution. */
export const now = () => performance.timeOrigin + performance.now()

/** An event of about 1 KB of JSON, shaped like a real one. `sentAt` is read back by SINK. */
export function eventBody (id: number, sentAt?: number): string {
  return JSON.stringify({
    type: 'bench.order.created',
    payload: {
      id,
      ...(sentAt === undefined ? {} : { sent_at: sentAt }),
      customer: { id: 'cus_8f14e45fceea167a', email: 'jane.doe@example.com', name: 'Jane Doe' },
      currency: 'EUR',
      total: 1234.56,
      items: Array.from({ length: 6 }, (_, i) => ({ sku: `SKU-${1000 + i}`, name: `Item number ${i}`, quantity: i + 1, price: 19.99 })),
      shipping: { street: '1 Example Street', city: 'Sampletown', postcode: '12345', country: 'DE' },
      note: 'x'.repeat(240),
    },
  })
}

/**
 * What Kanboard posts for a task, padded to about the size of `eventBody` so that the two ingest
 * paths are compared on the same bytes.
 */
export function kanboardBody (): string {
  return JSON.stringify({
    event_name: 'task.create',
    event_data: {
      task_id: '4',
      task: {
        id: '4', title: 'Ship the order', description: 'x'.repeat(500), project_id: '1', column_id: '2',
        owner_id: '1', creator_id: '1', date_creation: 1_764_000_000, date_due: 0, color_id: 'yellow', score: '0',
        position: '3', category_id: '0', swimlane_id: '1', priority: '0', tags: ['bench', 'orders'],
        project_name: 'Orders', column_title: 'Ready', assignee_username: 'jane', assignee_name: 'Jane Doe',
      },
    },
  })
}

export interface LoadFigures {
  requests: number
  per_s: number
  p50_ms: number
  p90_ms: number
  p99_ms: number
  max_ms: number
  non_2xx: number
  errors: number
}

interface LoadOptions {
  url: string
  headers?: Record<string, string>
  /** The JSON body of every request; `eventBody(1)` unless given. */
  body?: string
  connections: number
  /** Seconds of load, or … */
  duration?: number
  /** … a number of requests to send, … */
  amount?: number
  /** … within at most this many seconds (autocannon itself ignores `duration` when given `amount`). */
  maxSeconds?: number
}

/**
 * Closed-loop load with one fixed ≈1 KB JSON body. Only 2xx answers count as done, so a
 * server answering errors quickly cannot look fast.
 */
export async function closedLoop ({ url, headers = {}, body = eventBody(1), connections, duration, amount, maxSeconds }: LoadOptions): Promise<LoadFigures> {
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const instance = autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      connections,
      ...(amount === undefined ? { duration } : { amount }),
      timeout: 30,
    }, (err, res) => {
      clearTimeout(timer)
      if (err) reject(err)
      else resolve(res)
    })
    if (maxSeconds !== undefined) timer = setTimeout(() => instance.stop(), maxSeconds * 1000)
  })
  return {
    requests: result['2xx'],
    per_s: Math.round(result['2xx'] / result.duration),
    p50_ms: result.latency.p50,
    p90_ms: result.latency.p90,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
    non_2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

/**
 * Open-loop publishing at a fixed rate for `seconds`: each request is sent on schedule whether
 * or not earlier ones have been answered (no coordinated omission), and carries its send time.
 * Returns how many were accepted (2xx).
 */
export async function fixedRate (
  { url, headers = {}, rate, seconds }: { url: string, headers?: Record<string, string>, rate: number, seconds: number },
): Promise<{ sent: number, accepted: number, failed: number }> {
  const target = new URL(url)
  const pool = new Pool(target.origin, { connections: 100, pipelining: 1 })
  const total = rate * seconds
  let sent = 0
  let accepted = 0
  let failed = 0
  const inFlight = new Set<Promise<void>>()
  const start = now()
  const send = (id: number) => {
    const request = pool.request({
      method: 'POST',
      path: target.pathname,
      headers: { 'content-type': 'application/json', ...headers },
      body: eventBody(id, now()),
    }).then(async (res) => {
      await res.body.dump()
      if (res.statusCode >= 200 && res.statusCode < 300) accepted++
      else failed++
    }, () => { failed++ }).finally(() => inFlight.delete(request))
    inFlight.add(request)
  }
  await new Promise<void>((resolve) => {
    // Timers fire about once a millisecond at best; each tick sends all requests now due.
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor((now() - start) / 1000 * rate))
      while (sent < due) send(sent++)
      if (sent >= total) {
        clearInterval(timer)
        resolve()
      }
    }, 1)
  })
  await Promise.all(inFlight)
  await pool.close()
  return { sent, accepted, failed }
}

/** Percentile (nearest rank) of unsorted samples; NaN when there are none. */
export function percentile (samples: number[], p: number): number {
  if (samples.length === 0) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)]
}
