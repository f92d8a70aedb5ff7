import type { Logger } from 'pino'
import type { ClaimedDelivery, DeliveryOutcome, DeliveryRepository, NewAttempt } from '../storage/delivery-repository.ts'
import type { EndpointRepository, EndpointRow } from '../storage/endpoint-repository.ts'
import { VERSION } from '../version.ts'
import { DeliveryError, type DeliveryClient, type OutboundRequest, type OutboundResponse, type SendOptions } from './delivery-client.ts'
import type { Activity } from './activity-feed.ts'
import { createDeliveryLog } from './delivery-log.ts'
import { CIRCUIT_THRESHOLD, MASK, type Endpoint, type EndpointService } from './endpoint-service.ts'
import type { PublishInput } from './event-service.ts'
import { BODYLESS_METHODS, renderPayload, renderQuery, userAgentOf } from './payload-formats.ts'
import { maskHeaders } from './sensitive-headers.ts'
import { nextDelay, parseRetryAfter } from './retry-schedule.ts'
import { signatureHeaders } from './signing.ts'

export const DISABLE_AFTER_MS = 5 * 24 * 3_600_000
const MAX_CIRCUIT_COOLDOWN_MS = 10 * 60_000

/** Appended as text: the receiver's own query stays exactly as it was written. */
const withQuery = (url: string, query: string) => `${url}${!url.includes('?') ? '?' : /[?&]$/.test(url) ? '' : '&'}${query}`

/** Masks credentials in what an attempt records of its request: sensitive headers (the signature too) and the query token. */
function recordedRequest (req: OutboundRequest, queryParam: string | null) {
  const headers = maskHeaders(req.headers)
  const url = queryParam ? req.url.replace(/([?&])([^=&]+)=[^&]*$/, `$1$2=${MASK}`) : req.url
  return JSON.stringify({ method: req.method, url, headers })
}

type Deps = {
  deliveries: Pick<DeliveryRepository, 'complete' | 'release'>
  endpoints: Pick<EndpointRepository, 'findById' | 'recordSuccess' | 'recordFailure' | 'openCircuit' | 'disable'>
  endpointService: Pick<EndpointService, 'toEndpoint' | 'signingSecrets'>
  client: Pick<DeliveryClient, 'send'>
  publish: (input: PublishInput) => Promise<unknown>
  logger: Logger | false
  clock: () => number
  retryScheduleMs: readonly number[]
  circuitCooldownMs: number
  /** Hears every finished attempt (live streams, metrics). */
  report?: (activity: Activity) => void
}

export interface AttemptResult {
  /** null when the try did not happen (endpoint deleted, paused or disabled since the claim). */
  outcome: DeliveryOutcome | null
  response: OutboundResponse | null
  error: DeliveryError | null
}

/**
 * One try of one leased delivery, as the worker and the synchronous relay both make it:
 * build the signed request, send it, record the attempt, decide the next state and keep the
 * endpoint's failure state (circuit, 410, five days) up to date.
 */
export function createDeliveryAttempts (deps: Deps) {
  const { deliveries, endpoints, endpointService, client, clock } = deps
  const log = createDeliveryLog(deps.logger)

  // Decrypting an endpoint's auth and secrets costs more than signing: done once per row read.
  const prepared = new WeakMap<EndpointRow, { endpoint: Endpoint; secrets: string[] }>()
  function prepare (row: EndpointRow, now: number) {
    let entry = prepared.get(row)
    if (!entry) {
      entry = { endpoint: endpointService.toEndpoint(row), secrets: endpointService.signingSecrets(row, now) }
      prepared.set(row, entry)
    }
    return entry
  }

  function buildRequest (row: EndpointRow, delivery: ClaimedDelivery, now: number) {
    const { endpoint, secrets } = prepare(row, now)
    const event = {
      id: delivery.eventPublicId, type: delivery.eventType, payload: delivery.payload, contentType: delivery.contentType, receivedAt: delivery.receivedAt,
    }
    const ownUserAgent = Object.keys(endpoint.headers).some((name) => name.toLowerCase() === 'user-agent')
    const headers: Record<string, string> = { ...(!ownUserAgent && { 'user-agent': userAgentOf(endpoint.format, VERSION) }), ...endpoint.headers }
    let url = endpoint.url
    let body: string | Buffer | null = null
    let signed: string | Buffer
    if (BODYLESS_METHODS.has(endpoint.method)) {
      // No body to sign or send: the event and what the signature covers travel in the query.
      const rendered = renderQuery(endpoint.format, event)
      url = withQuery(url, rendered.query)
      signed = rendered.payload
    } else {
      const rendered = renderPayload(endpoint.format, event)
      headers['content-type'] = rendered.contentType
      body = signed = rendered.body
    }
    Object.assign(headers, signatureHeaders(secrets, delivery.eventPublicId, Math.floor(now / 1000), signed))
    const auth = endpoint.auth
    if (auth.type === 'basic') headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
    if (auth.type === 'bearer') headers.authorization = `Bearer ${auth.token}`
    // Last in the query, where recordedRequest masks it.
    const queryParam = auth.type === 'query' ? auth.param || 'token' : null
    if (queryParam) url = withQuery(url, `${encodeURIComponent(queryParam)}=${encodeURIComponent(auth.token ?? '')}`)
    const request: OutboundRequest = { url, method: endpoint.method, headers, body }
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
    const delay = nextDelay(deps.retryScheduleMs, delivery.attemptCount + 2, retryAfter)
    return delay === null ? { status: 'failed', statusCode } : { status: 'pending', statusCode, nextAttemptAt: now + delay }
  }

  function reportAttempt (delivery: ClaimedDelivery, row: EndpointRow | undefined, outcome: DeliveryOutcome, record: NewAttempt, heldUntil: number | null = null) {
    const next = outcome.status === 'pending' ? outcome.nextAttemptAt : null
    deps.report?.({
      kind: 'delivery',
      delivery: {
        id: delivery.publicId,
        event_id: delivery.eventPublicId,
        event_type: delivery.eventType,
        endpoint_id: delivery.endpointId,
        endpoint_user_id: row?.user_id ?? null,
        status: outcome.status,
        attempt: delivery.attemptCount + 1,
        // A manual retry after the schedule ran out is one attempt more, never "5/4".
        max_attempts: Math.max(deps.retryScheduleMs.length, delivery.attemptCount + 1),
        status_code: outcome.statusCode,
        duration_ms: record.durationMs,
        error: record.errorCode === null ? null : { code: record.errorCode, message: record.errorMessage ?? '' },
        next_attempt_at: next === null ? null : Math.max(next, heldUntil ?? next),
        circuit_open_until: next === null ? null : heldUntil,
        at: record.startedAt + record.durationMs,
      },
    })
  }

  async function announceDisabled (row: EndpointRow, delivery: ClaimedDelivery, reason: string) {
    log.disabled(delivery, reason)
    await deps.publish({
      type: 'endpoint.disabled',
      payload: JSON.stringify({ endpoint_id: row.id, url: row.url, reason }),
      source: 'hookhub',
    })
  }

  /** Keeps the endpoint's failure state; returns until when its circuit is now open, if it opened. */
  async function afterFailure (row: EndpointRow, delivery: ClaimedDelivery, response: OutboundResponse | null, now: number): Promise<number | null> {
    if (response?.status === 410) {
      if (await endpoints.disable(row.id, 'the receiver answered 410 Gone', now)) await announceDisabled(row, delivery, 'gone')
      return null
    }
    const state = await endpoints.recordFailure(row.id, now)
    if (!state) return null
    let openUntil: number | null = null
    if (state.consecutive_failures >= CIRCUIT_THRESHOLD) {
      const cooldown = Math.min(MAX_CIRCUIT_COOLDOWN_MS, deps.circuitCooldownMs * 2 ** (state.consecutive_failures - CIRCUIT_THRESHOLD))
      openUntil = now + cooldown
      await endpoints.openCircuit(row.id, openUntil)
      log.circuitOpened(delivery, state.consecutive_failures, openUntil)
    }
    if (state.failing_since !== null && now - state.failing_since >= DISABLE_AFTER_MS) {
      if (await endpoints.disable(row.id, 'failing continuously for 5 days', now)) await announceDisabled(row, delivery, 'failing')
    }
    return openUntil
  }

  return {
    /**
     * Tries a delivery leased to `owner`; `send` options may shorten the timeout or keep the
     * whole body. A worker passes the endpoint row it read moments ago (at most a second old).
     */
    async attempt (delivery: ClaimedDelivery, owner: string, send: SendOptions = {}, endpointRow?: EndpointRow): Promise<AttemptResult> {
      const row = endpointRow ?? await endpoints.findById(delivery.endpointId)
      const now = clock()
      if (!row) {
        const record: NewAttempt = {
          startedAt: now, durationMs: 0, request: '{}', responseStatus: null, response: null,
          errorCode: 'ENDPOINT_DELETED', errorMessage: 'the endpoint was deleted',
        }
        const outcome: DeliveryOutcome = { status: 'cancelled', statusCode: null }
        await deliveries.complete(owner, delivery.id, delivery.endpointId, record, outcome, now)
        reportAttempt(delivery, row, outcome, record)
        return { outcome, response: null, error: null }
      }
      if (row.enabled === 0 || row.paused === 1) {
        // Paused or disabled after the claim: give it back untouched.
        await deliveries.release(owner, [delivery.id], now)
        return { outcome: null, response: null, error: null }
      }
      const { request, queryParam } = buildRequest(row, delivery, now)
      let response: OutboundResponse | null = null
      let error: DeliveryError | null = null
      try {
        response = await client.send(request, send)
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
        response: response ? JSON.stringify({ status: response.status, headers: response.headers, body: response.body }) : null,
        errorCode: error?.code ?? null,
        errorMessage: error?.message ?? null,
      }
      await deliveries.complete(owner, delivery.id, delivery.endpointId, record, outcome, finished)
      if (outcome.status === 'succeeded') {
        reportAttempt(delivery, row, outcome, record)
        if (row.consecutive_failures > 0 && await endpoints.recordSuccess(row.id)) {
          log.recovered(delivery, row.consecutive_failures, row.circuit_open_until !== null)
        }
      } else {
        log.failedTry(delivery, outcome, record)
        // Told after the circuit is settled, so that the stream says when an opened circuit lets the retry through.
        reportAttempt(delivery, row, outcome, record, await afterFailure(row, delivery, response, finished))
      }
      return { outcome, response, error }
    },
  }
}

export type DeliveryAttempts = ReturnType<typeof createDeliveryAttempts>
