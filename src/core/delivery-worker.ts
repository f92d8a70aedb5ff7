import type { Logger } from 'pino'
import type { ClaimedDelivery, DeliveryOutcome, DeliveryRepository, NewAttempt } from '../storage/delivery-repository.ts'
import type { EndpointRepository, EndpointRow } from '../storage/endpoint-repository.ts'
import { VERSION } from '../version.ts'
import { DeliveryError, type DeliveryClient, type OutboundRequest, type OutboundResponse } from './delivery-client.ts'
import { CIRCUIT_THRESHOLD, MASK, type EndpointService } from './endpoint-service.ts'
import type { PublishInput } from './event-service.ts'
import { newId } from './ids.ts'
import { renderPayload } from './payload-formats.ts'
import { nextDelay, parseRetryAfter } from './retry-schedule.ts'
import { signatureHeaders } from './signing.ts'

export const DISABLE_AFTER_MS = 5 * 24 * 3_600_000
const IDLE_POLL_MS = 5_000
const BLOCKED_RECHECK_MS = 250
const ENDPOINT_CACHE_MS = 1_000
const MAX_CIRCUIT_COOLDOWN_MS = 10 * 60_000

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
  deliveries: Pick<DeliveryRepository, 'claim' | 'renewLeases' | 'release' | 'complete' | 'nextDueAt'>
  endpoints: Pick<EndpointRepository, 'findById' | 'recordSuccess' | 'recordFailure' | 'openCircuit' | 'disable'>
  endpointService: Pick<EndpointService, 'toEndpoint' | 'signingSecrets'>
  publish: (input: PublishInput) => Promise<unknown>
  client: Pick<DeliveryClient, 'send'>
  subscribe: (listener: () => void) => () => void
  logger: Logger | false
  clock: () => number
  options: WorkerOptions
}

interface EndpointLane {
  waiting: ClaimedDelivery[]
  active: number
  timer: NodeJS.Timeout | null
}

/** Token bucket of a rate-limited endpoint; outlives the lane, which goes when it is idle. */
interface Bucket {
  tokens: number
  refilledAt: number
}

/** Masks credentials in what an attempt records of its request. */
function recordedRequest (req: OutboundRequest, queryParam: string | null) {
  const headers = { ...req.headers }
  if (headers.authorization) headers.authorization = MASK
  const url = queryParam ? req.url.replace(/([?&])([^=&]+)=[^&]*$/, `$1$2=${MASK}`) : req.url
  return JSON.stringify({ method: req.method, url, headers })
}

/**
 * Claims due deliveries, sends them and records every try. Each endpoint has its own lane
 * (concurrency cap, rate limit), so a slow or dead endpoint only ever occupies its own lane.
 */
export function createDeliveryWorker (deps: Deps) {
  const { deliveries, endpoints, endpointService, client, clock, options } = deps
  const log = deps.logger || undefined
  const owner = newId('wrk')
  const held = new Map<number, ClaimedDelivery>()
  const lanes = new Map<string, EndpointLane>()
  const buckets = new Map<string, Bucket>()
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

  async function endpointRow (id: string, fresh = false): Promise<EndpointRow | undefined> {
    const cached = endpointCache.get(id)
    const now = clock()
    if (!fresh && cached && now - cached.at < ENDPOINT_CACHE_MS) return cached.row
    const row = await endpoints.findById(id)
    endpointCache.set(id, { row, at: now })
    return row
  }

  const capOf = (row: EndpointRow | undefined) =>
    row?.consecutive_failures !== undefined && row.consecutive_failures >= CIRCUIT_THRESHOLD
      ? 1
      : row?.max_in_flight ?? options.defaultPerEndpoint

  function laneOf (endpointId: string): EndpointLane {
    let lane = lanes.get(endpointId)
    if (!lane) {
      lane = { waiting: [], active: 0, timer: null }
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

  async function pump (endpointId: string): Promise<void> {
    const lane = laneOf(endpointId)
    const row = await endpointRow(endpointId)
    while (lane.waiting.length > 0 && lane.active < capOf(row) && !lane.timer) {
      const wait = takeToken(endpointId, row?.rate_limit_per_s ?? null)
      if (wait !== true) {
        lane.timer = setTimeout(() => { lane.timer = null; void pump(endpointId) }, wait)
        return
      }
      const delivery = lane.waiting.shift() as ClaimedDelivery
      lane.active++
      const task = attempt(delivery).catch((err) => {
        log?.error({ err, delivery: delivery.publicId }, 'delivery attempt failed unexpectedly')
      }).finally(() => {
        lane.active--
        held.delete(delivery.id)
        inFlight.delete(task)
        if (lane.waiting.length === 0 && lane.active === 0 && !lane.timer) lanes.delete(endpointId)
        else void pump(endpointId)
        poke()
      })
      inFlight.add(task)
    }
  }

  function buildRequest (row: EndpointRow, delivery: ClaimedDelivery, now: number) {
    const endpoint = endpointService.toEndpoint(row)
    const body = renderPayload(endpoint.format, {
      type: delivery.eventType, payload: delivery.payload, receivedAt: delivery.receivedAt,
    })
    const headers: Record<string, string> = {
      ...endpoint.headers,
      'content-type': 'application/json',
      'user-agent': `hookhub/${VERSION}`,
      ...signatureHeaders(endpointService.signingSecrets(row, now), delivery.eventPublicId, Math.floor(now / 1000), body),
    }
    let url = endpoint.url
    const auth = endpoint.auth
    if (auth.type === 'basic') headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
    if (auth.type === 'bearer') headers.authorization = `Bearer ${auth.token}`
    const queryParam = auth.type === 'query' ? auth.param || 'token' : null
    // Appended as text: the receiver's own query stays exactly as it was written.
    if (queryParam) url += `${url.includes('?') ? '&' : '?'}${encodeURIComponent(queryParam)}=${encodeURIComponent(auth.token ?? '')}`
    const withBody = endpoint.method !== 'GET'
    const request: OutboundRequest = { url, method: endpoint.method, headers, body: withBody ? body : null }
    return { request, queryParam }
  }

  /** What a response or an error means for the delivery. */
  function outcomeOf (delivery: ClaimedDelivery, response: OutboundResponse | null, error: DeliveryError | null, now: number): DeliveryOutcome {
    const statusCode = response?.status ?? null
    if (response && response.status >= 200 && response.status < 300) return { status: 'succeeded', statusCode: response.status }
    if (response?.status === 410 || error?.code === 'HOOKHUB_SSRF_BLOCKED') return { status: 'failed', statusCode }
    const retryAfter = response && (response.status === 429 || response.status === 503)
      ? parseRetryAfter(response.headers['retry-after'], now)
      : null
    const delay = nextDelay(options.retryScheduleMs, delivery.attemptCount + 2, retryAfter)
    return delay === null ? { status: 'failed', statusCode } : { status: 'pending', statusCode, nextAttemptAt: now + delay }
  }

  async function afterFailure (row: EndpointRow, response: OutboundResponse | null, now: number) {
    if (response?.status === 410) {
      if (await endpoints.disable(row.id, 'the receiver answered 410 Gone', now)) await announceDisabled(row, 'gone')
      return
    }
    const state = await endpoints.recordFailure(row.id, now)
    if (!state) return
    if (state.consecutive_failures >= CIRCUIT_THRESHOLD) {
      const cooldown = Math.min(MAX_CIRCUIT_COOLDOWN_MS, options.circuitCooldownMs * 2 ** (state.consecutive_failures - CIRCUIT_THRESHOLD))
      await endpoints.openCircuit(row.id, now + cooldown)
    }
    if (state.failing_since !== null && now - state.failing_since >= DISABLE_AFTER_MS) {
      if (await endpoints.disable(row.id, 'failing continuously for 5 days', now)) await announceDisabled(row, 'failing')
    }
    endpointCache.delete(row.id)
  }

  async function announceDisabled (row: EndpointRow, reason: string) {
    log?.warn({ endpoint: row.id, reason }, 'endpoint disabled')
    endpointCache.delete(row.id)
    await deps.publish({
      type: 'endpoint.disabled',
      payload: JSON.stringify({ endpoint_id: row.id, url: row.url, reason }),
      source: 'hookhub',
    })
  }

  async function attempt (delivery: ClaimedDelivery): Promise<void> {
    const row = await endpointRow(delivery.endpointId, true)
    const now = clock()
    if (!row) {
      await deliveries.complete(owner, delivery.id, delivery.endpointId, {
        startedAt: now, durationMs: 0, request: '{}', responseStatus: null, response: null,
        errorCode: 'ENDPOINT_DELETED', errorMessage: 'the endpoint was deleted',
      }, { status: 'cancelled', statusCode: null }, now)
      return
    }
    if (row.enabled === 0 || row.paused === 1) {
      // Paused or disabled after the claim: give it back untouched.
      await deliveries.release(owner, [delivery.id], now)
      return
    }
    const { request, queryParam } = buildRequest(row, delivery, now)
    let response: OutboundResponse | null = null
    let error: DeliveryError | null = null
    try {
      response = await client.send(request)
    } catch (err) {
      error = err instanceof DeliveryError ? err : new DeliveryError('CONNECTION_ERROR', String(err))
    }
    const finished = clock()
    const outcome = outcomeOf(delivery, response, error, finished)
    const record: NewAttempt = {
      startedAt: now,
      durationMs: finished - now,
      request: recordedRequest(request, queryParam),
      responseStatus: response?.status ?? null,
      response: response ? JSON.stringify(response) : null,
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
    }
    await deliveries.complete(owner, delivery.id, delivery.endpointId, record, outcome, finished)
    if (outcome.status === 'succeeded') {
      if (row.consecutive_failures > 0) {
        await endpoints.recordSuccess(row.id)
        endpointCache.delete(row.id)
      }
    } else {
      await afterFailure(row, response, finished)
    }
  }

  async function saturatedEndpoints (): Promise<string[]> {
    const out: string[] = []
    for (const [id, lane] of lanes) {
      if (lane.active + lane.waiting.length >= capOf(await endpointRow(id))) out.push(id)
    }
    return out
  }

  /**
   * Waits for a wake-up (new work, a freed slot) or until the next delivery falls due. Work
   * that is due but could not be claimed (paused endpoint, open circuit, full lane) is looked
   * at again after a short pause rather than in a busy loop.
   */
  async function sleep () {
    const due = await deliveries.nextDueAt().catch(() => null)
    const now = clock()
    const ms = due === null ? IDLE_POLL_MS : due > now ? Math.min(IDLE_POLL_MS, due - now) : BLOCKED_RECHECK_MS
    if (woken) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { wake = null; resolve() }, ms)
      wake = () => { clearTimeout(timer); resolve() }
    })
  }

  async function run () {
    while (!stopping) {
      try {
        woken = false
        const free = options.maxConcurrency - held.size
        if (free > 0) {
          const now = clock()
          const claimed = await deliveries.claim(owner, now, options.leaseMs, free, options.defaultPerEndpoint,
            await saturatedEndpoints(), CIRCUIT_THRESHOLD)
          for (const delivery of claimed) {
            held.set(delivery.id, delivery)
            laneOf(delivery.endpointId).waiting.push(delivery)
          }
          for (const endpointId of new Set(claimed.map((d) => d.endpointId))) void pump(endpointId)
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
  }
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>
