import type { Logger } from 'pino'
import type { ClaimedDelivery, DeliveryOutcome, DeliveryRepository } from '../storage/delivery-repository.ts'
import type { EndpointRepository, EndpointRow, RoutableRow } from '../storage/endpoint-repository.ts'
import type { Destination } from '../destinations/destination.ts'
import type { Activity } from './activity-feed.ts'
import { createDeliveryAttempts } from './delivery-attempt.ts'
import { CIRCUIT_THRESHOLD, type EndpointService } from './endpoint-service.ts'
import type { PublishInput } from './event-service.ts'
import { newId } from './ids.ts'
import type { Transforms } from './transforms.ts'

const IDLE_POLL_MS = 5_000
const BLOCKED_RECHECK_MS = 250
const ENDPOINT_CACHE_MS = 1_000
/** How often a worker returns deliveries of dead workers (expired leases) to the queue, at most. */
const RECLAIM_INTERVAL_MS = 1_000
const PUMP_RETRY_MS = 1_000
/**
 * Tries an endpoint may have in flight before any has succeeded (see windowOf): what an endpoint
 * that accepts connections and never answers holds of the worker's slots until its tries time out.
 */
const FIRST_WINDOW = 2

export interface WorkerOptions {
  retryScheduleMs: readonly number[]
  leaseMs: number
  circuitCooldownMs: number
  /** Deliveries one worker holds at once across all endpoints. */
  maxConcurrency: number
  /** In-flight deliveries per endpoint when the endpoint sets no max_in_flight. */
  defaultPerEndpoint: number
}

type Deps = {
  deliveries: Pick<DeliveryRepository, 'claim' | 'reclaimExpired' | 'renewLeases' | 'release' | 'complete' | 'nextDueAt'>
  endpoints: Pick<EndpointRepository, 'findById' | 'recordSuccess' | 'recordFailure' | 'openCircuit' | 'disable'>
  endpointService: Pick<EndpointService, 'toEndpoint' | 'signingSecrets' | 'targetUrl'>
  publish: (input: PublishInput) => Promise<unknown>
  client: Pick<Destination, 'send'>
  transforms?: Pick<Transforms, 'apply'>
  subscribe: (listener: () => void) => () => void
  logger: Logger | false
  clock: () => number
  options: WorkerOptions
  report?: (activity: Activity) => void
}

interface EndpointLane {
  waiting: ClaimedDelivery[]
  active: number
  /** The endpoint's own cap (max_in_flight, or 1 while its circuit is half-open), as last read. */
  cap: number
  /** Deliveries offered to this worker by a publish that has not committed yet (see offer). */
  promised: number
  /** A claim filled the lane, or left it out, since it last ran dry: the database may hold more of its work. */
  claimed: boolean
  /** The lane asked for a claim that has not yet read its window: it stays, even idle, until one has. */
  asked: boolean
  timer: NodeJS.Timeout | null
}

/** Token bucket of a rate-limited endpoint; outlives the lane, which goes when it is idle. */
interface Bucket {
  tokens: number
  refilledAt: number
}

/**
 * Claims due deliveries, sends them and records every try. Each endpoint has its own lane
 * (concurrency cap, window, rate limit), so a slow or dead endpoint only ever occupies its own
 * lane, and the window keeps one that does not answer from holding the slots others need.
 */
export function createDeliveryWorker (deps: Deps) {
  const { deliveries, endpoints, endpointService, client, clock, options } = deps
  const log = deps.logger || undefined
  const owner = newId('wrk')
  const held = new Map<number, ClaimedDelivery>()
  const lanes = new Map<string, EndpointLane>()
  const buckets = new Map<string, Bucket>()
  /** Each endpoint's window (see windowOf); outlives the lane, like the bucket. */
  const windows = new Map<string, number>()
  const endpointCache = new Map<string, { row: EndpointRow | undefined; at: number }>()
  const inFlight = new Set<Promise<void>>()
  let stopping = false
  let wake: (() => void) | null = null
  let loop: Promise<void> | null = null
  let renewTimer: NodeJS.Timeout | null = null
  let unsubscribe: (() => void) | null = null

  // `woken` remembers a poke that came while the loop was busy, so that no wake-up is lost.
  let woken = false
  const poke = () => { woken = true; const w = wake; wake = null; w?.() }

  /** The endpoint, read at most a second ago and, given the version a claim saw, not older than that. */
  async function endpointRow (id: string, version?: number): Promise<EndpointRow | undefined> {
    const cached = endpointCache.get(id)
    const now = clock()
    const current = version === undefined || cached?.row?.updated_at === version
    if (cached && current && now - cached.at < ENDPOINT_CACHE_MS) return cached.row
    const row = await endpoints.findById(id)
    endpointCache.set(id, { row, at: now })
    return row
  }

  const capOf = (row: EndpointRow | undefined) =>
    row?.consecutive_failures !== undefined && row.consecutive_failures >= CIRCUIT_THRESHOLD
      ? 1
      : row?.max_in_flight ?? options.defaultPerEndpoint

  /**
   * The tries an endpoint may have in flight now, within its cap: FIRST_WINDOW at first (1 for an
   * endpoint already failing), twice as many after each success, half as many after each failure
   * (a timeout, a connection error, an answer other than 2xx). So an endpoint that never answers,
   * or fails more often than not, holds a slot or two however much of its work is queued, and the
   * worker's slots go to endpoints that answer; one that answers reaches its cap in a few tries.
   */
  const windowOf = (endpointId: string, consecutiveFailures = 0) =>
    windows.get(endpointId) ?? (consecutiveFailures > 0 ? 1 : FIRST_WINDOW)

  const isIdle = (lane: EndpointLane) => lane.waiting.length === 0 && lane.active === 0 && lane.promised === 0 && !lane.timer
  let promised = 0

  function laneOf (endpointId: string): EndpointLane {
    let lane = lanes.get(endpointId)
    if (!lane) {
      lane = { waiting: [], active: 0, cap: options.defaultPerEndpoint, promised: 0, claimed: false, asked: false, timer: null }
      lanes.set(endpointId, lane)
    }
    return lane
  }

  /** Token bucket: true when a request may go now, else the milliseconds to wait. */
  function takeToken (endpointId: string, ratePerS: number | null): true | number {
    if (!ratePerS) return true
    const now = clock()
    let bucket = buckets.get(endpointId)
    if (!bucket) {
      bucket = { tokens: ratePerS, refilledAt: now }
      buckets.set(endpointId, bucket)
    }
    bucket.tokens = Math.min(ratePerS, bucket.tokens + ((now - bucket.refilledAt) / 1000) * ratePerS)
    bucket.refilledAt = now
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return true
    }
    return Math.ceil(((1 - bucket.tokens) / ratePerS) * 1000)
  }

  /**
   * Starts what the lane may start now. Called without waiting (claims, finished tries,
   * timers), so it never rejects: when the endpoint cannot be read (database away), the lane
   * is looked at again a little later; its leases are renewed meanwhile.
   */
  function pump (endpointId: string): void {
    startReady(endpointId).catch((err) => {
      log?.warn({ err, endpoint: endpointId }, 'delivery lane stalled; retrying')
      const lane = laneOf(endpointId)
      if (!lane.timer) lane.timer = setTimeout(() => { lane.timer = null; pump(endpointId) }, PUMP_RETRY_MS)
    })
  }

  async function startReady (endpointId: string): Promise<void> {
    const lane = laneOf(endpointId)
    const row = await endpointRow(endpointId)
    const cap = lane.cap = capOf(row)
    const window = windowOf(endpointId, row?.consecutive_failures)
    windows.set(endpointId, window)
    while (lane.waiting.length > 0 && lane.active < Math.min(cap, window) && !lane.timer) {
      const wait = takeToken(endpointId, row?.rate_limit_per_s ?? null)
      if (wait !== true) {
        lane.timer = setTimeout(() => { lane.timer = null; pump(endpointId) }, wait)
        return
      }
      const delivery = lane.waiting.shift() as ClaimedDelivery
      lane.active++
      const task = attempt(delivery).catch((err) => {
        log?.error({ err, delivery: delivery.publicId }, 'delivery attempt failed unexpectedly')
        return null
      }).then((status) => {
        const succeeded = status === 'succeeded'
        // Claim again only when it can bring something: this lane, filled by a claim, ran dry, or
        // every slot was taken. A lane fed only by publishes of this process (offer) has no more
        // in the database than the notifications of other publishes announce. Anything but a
        // success (a retry to schedule, a circuit that opened) has the queue looked at again.
        const dry = lane.waiting.length === 0 && lane.claimed
        if (dry) lane.claimed = false
        const refill = dry || !succeeded || held.size >= options.maxConcurrency
        // Only the receiver's answer moves the window: not a try given back untouched (paused meanwhile).
        const failed = status === 'pending' || status === 'failed'
        const current = windowOf(endpointId)
        const next = succeeded ? Math.min(cap, current * 2) : failed ? Math.max(1, Math.floor(current / 2)) : current
        windows.set(endpointId, next)
        lane.active--
        held.delete(delivery.id)
        inFlight.delete(task)
        if (failed) giveBack(lane, Math.min(cap, next) - lane.active)
        if (refill) lane.asked = true
        if (!isIdle(lane)) pump(endpointId)
        else if (!lane.asked) lanes.delete(endpointId)
        if (refill) poke()
      })
      inFlight.add(task)
    }
  }

  /**
   * Returns to the queue what a lane holds beyond `room` tries: claimed ahead for a window the
   * endpoint has lost by failing, it would hold slots until the endpoint answers again.
   */
  function giveBack (lane: EndpointLane, room: number): void {
    const back = lane.waiting.splice(Math.max(0, room))
    if (back.length === 0) return
    for (const delivery of back) held.delete(delivery.id)
    // Should this fail, the leases, no longer renewed, expire and the deliveries come back anyway.
    deliveries.release(owner, back.map((d) => d.id), clock()).catch((err) => log?.warn({ err }, 'handing back deliveries failed'))
  }

  const attempts = createDeliveryAttempts({
    deliveries, endpoints, endpointService, client, transforms: deps.transforms, publish: deps.publish, logger: deps.logger, clock,
    retryScheduleMs: options.retryScheduleMs, circuitCooldownMs: options.circuitCooldownMs, report: deps.report,
  })

  /** The delivery's state after the try; null when it was given back untouched. */
  async function attempt (delivery: ClaimedDelivery): Promise<DeliveryOutcome['status'] | null> {
    const result = await attempts.attempt(delivery, owner, {}, await endpointRow(delivery.endpointId, delivery.endpointVersion))
    const status = result.outcome?.status ?? null
    // A failure may have opened the circuit or disabled the endpoint: read it afresh next time.
    if (status !== 'succeeded') endpointCache.delete(delivery.endpointId)
    return status
  }

  /**
   * What a claim may take for each endpoint this worker has a lane for (the others get what a
   * first contact may, see the claim). A lane with claimed work still queued gets nothing: each
   * lane is refilled when it runs dry, a whole window at a time, rather than one claim per
   * finished delivery. A lane still below its cap (new, or failing) gets only what it may start
   * now, so that nothing queued for an endpoint that does not answer holds a slot either.
   */
  function claimShares (): Record<string, number> {
    const shares: Record<string, number> = {}
    for (const [id, lane] of lanes) {
      const window = windowOf(id)
      const share = lane.waiting.length > 0 ? 0 : window >= lane.cap ? window : Math.max(0, window - lane.active - lane.promised)
      // Left out now: when it runs dry, the claim looks again (see startReady).
      if (share === 0) lane.claimed = true
      shares[id] = share
      lane.asked = false
      if (isIdle(lane)) lanes.delete(id)
    }
    return shares
  }

  /**
   * Waits for a wake-up (new work, a freed slot) or until the next delivery falls due. Work
   * that is due but could not be claimed (paused endpoint, open circuit, full lane) is looked
   * at again after a short pause rather than in a busy loop.
   */
  async function sleep () {
    // Woken while claiming (a busy worker, most of the time): claim again without asking when work falls due.
    if (!woken) {
      const due = await deliveries.nextDueAt().catch(() => null)
      const now = clock()
      const ms = due === null ? IDLE_POLL_MS : due > now ? Math.min(IDLE_POLL_MS, due - now) : BLOCKED_RECHECK_MS
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => { wake = null; resolve() }, ms)
          wake = () => { clearTimeout(timer); resolve() }
        })
      }
    }
    // Lets the requests already read publish too, so that one claim takes a burst together.
    await new Promise((resolve) => setImmediate(resolve))
  }

  let reclaimedAt = 0

  async function run () {
    while (!stopping) {
      try {
        woken = false
        const now = clock()
        if (now - reclaimedAt >= Math.min(RECLAIM_INTERVAL_MS, options.leaseMs / 2)) {
          reclaimedAt = now
          await deliveries.reclaimExpired(now)
        }
        const free = options.maxConcurrency - held.size
        if (free > 0) {
          const claimed = await deliveries.claim(owner, now, options.leaseMs, free, claimShares(), FIRST_WINDOW, CIRCUIT_THRESHOLD)
          for (const delivery of claimed) {
            held.set(delivery.id, delivery)
            const lane = laneOf(delivery.endpointId)
            lane.waiting.push(delivery)
            lane.claimed = true
          }
          for (const endpointId of new Set(claimed.map((d) => d.endpointId))) pump(endpointId)
          if (claimed.length > 0 && claimed.length === free) continue
        }
        if (stopping) break
        await sleep()
      } catch (err) {
        log?.error({ err }, 'delivery worker loop failed; retrying')
        await new Promise((resolve) => setTimeout(resolve, 1000))
      }
    }
  }

  return {
    id: owner,
    start () {
      unsubscribe = deps.subscribe(poke)
      renewTimer = setInterval(() => {
        deliveries.renewLeases(owner, [...held.keys()], clock() + options.leaseMs)
          .catch((err) => log?.warn({ err }, 'lease renewal failed'))
      }, Math.max(100, Math.floor(options.leaseMs / 3)))
      renewTimer.unref()
      loop = run()
    },
    /** Stops claiming, lets in-flight tries finish and hands back what was claimed but not started. */
    async stop () {
      stopping = true
      unsubscribe?.()
      poke()
      await loop
      const waiting: number[] = []
      for (const lane of lanes.values()) {
        if (lane.timer) clearTimeout(lane.timer)
        lane.timer = null
        waiting.push(...lane.waiting.map((d) => d.id))
        lane.waiting = []
      }
      await Promise.allSettled([...inFlight])
      await deliveries.release(owner, waiting, clock()).catch(() => {})
      if (renewTimer) clearInterval(renewTimer)
    },
    /** Deliveries this worker currently holds (claimed, waiting or in flight). */
    get held () { return held.size },
    leaseMs: options.leaseMs,
    /**
     * A publish in this process offers its new delivery before committing it. Taken (true) when
     * a claim would take it now and its lane is idle enough to start it at once: the delivery
     * is then created leased to this worker and starts without a claim (settle hands it over).
     * Paused, fifo, failing, rate-limited (queued) endpoints and those at their window are left to claims.
     */
    offer (endpoint: RoutableRow, now: number): boolean {
      if (stopping || endpoint.paused || endpoint.ordering === 'fifo' || endpoint.consecutive_failures >= CIRCUIT_THRESHOLD) return false
      if (endpoint.circuit_open_until !== null && endpoint.circuit_open_until > now) return false
      if (held.size + promised >= options.maxConcurrency) return false
      const lane = lanes.get(endpoint.id)
      const cap = Math.min(endpoint.max_in_flight ?? options.defaultPerEndpoint, windowOf(endpoint.id, endpoint.consecutive_failures))
      if (lane && (lane.waiting.length > 0 || lane.timer || lane.active + lane.promised >= cap)) return false
      laneOf(endpoint.id).promised++
      promised++
      return true
    },
    /** Ends an offer: the delivery as committed (leased to this worker), or null when the publish stored none. */
    settle (endpointId: string, delivery: ClaimedDelivery | null): void {
      const lane = laneOf(endpointId)
      lane.promised--
      promised--
      if (delivery && stopping) {
        // Too late to start it: back to the queue for whoever runs next.
        deliveries.release(owner, [delivery.id], clock()).catch(() => {})
      } else if (delivery) {
        held.set(delivery.id, delivery)
        lane.waiting.push(delivery)
        pump(endpointId)
        return
      }
      if (isIdle(lane)) lanes.delete(endpointId)
    },
  }
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>
