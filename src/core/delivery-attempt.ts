import type { Logger } from 'pino'
import type { ClaimedDelivery, DeliveryOutcome, DeliveryRepository, NewAttempt } from '../storage/delivery-repository.ts'
import type { EndpointRepository, EndpointRow } from '../storage/endpoint-repository.ts'
import { VERSION } from '../version.ts'
import { DeliveryError, type OutboundResponse, type SendOptions } from './delivery-client.ts'
import { isBrokerAnswer, type BrokerAnswer, type Destination, type DestinationRequest } from '../destinations/destination.ts'
import { destinationKindOf, maskUrlPassword } from '../destinations/broker-url.ts'
import type { Activity } from './activity-feed.ts'
import { createDeliveryLog } from './delivery-log.ts'
import { CIRCUIT_THRESHOLD, MASK, type Endpoint, type EndpointService } from './endpoint-service.ts'
import type { PublishInput } from './event-service.ts'
import { BODYLESS_METHODS, renderPayload, renderQuery, userAgentOf } from './payload-formats.ts'
import { maskHeaders } from './sensitive-headers.ts'
import { nextDelay, parseRetryAfter } from './retry-schedule.ts'
import { signatureHeaders } from './signing.ts'
import { TRANSFORM_FAILED, TransformError, transformOf, withoutTransforms, type DraftRequest, type Transforms } from './transforms.ts'

export const DISABLE_AFTER_MS = 5 * 24 * 3_600_000
const MAX_CIRCUIT_COOLDOWN_MS = 10 * 60_000

/** Appended as text: the receiver's own query stays exactly as it was written. */
const withQuery = (url: string, query: string) => `${url}${!url.includes('?') ? '?' : /[?&]$/.test(url) ? '' : '&'}${query}`

/** Masks credentials in what an attempt records of its request: sensitive headers (the signature too) and the query token. */
function recordedRequest (req: DestinationRequest, queryParam: string | null) {
  const headers = maskHeaders(req.headers)
  const url = queryParam ? req.url.replace(/([?&])([^=&]+)=[^&]*$/, `$1$2=${MASK}`) : maskUrlPassword(req.url)
  return JSON.stringify({ method: req.method, url, headers })
}

type Deps = {
  deliveries: Pick<DeliveryRepository, 'complete' | 'release'>
  endpoints: Pick<EndpointRepository, 'findById' | 'recordSuccess' | 'recordFailure' | 'openCircuit' | 'disable'>
  endpointService: Pick<EndpointService, 'toEndpoint' | 'signingSecrets' | 'targetUrl'>
  client: Pick<Destination, 'send'>
  publish: (input: PublishInput) => Promise<unknown>
  logger: Logger | false
  clock: () => number
  retryScheduleMs: readonly number[]
  circuitCooldownMs: number
  /** Runs endpoint transforms; without it, requests go as their format renders them. */
  transforms?: Pick<Transforms, 'apply'>
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
  const { deliveries, endpoints, endpointService, client, clock, transforms = withoutTransforms } = deps
  const log = createDeliveryLog(deps.logger)

  // Decrypting an endpoint's auth and secrets costs more than signing: done once per row read.
  const prepared = new WeakMap<EndpointRow, { endpoint: Endpoint; secrets: string[]; target: string }>()
  function prepare (row: EndpointRow, now: number) {
    let entry = prepared.get(row)
    if (!entry) {
      entry = { endpoint: endpointService.toEndpoint(row), secrets: endpointService.signingSecrets(row, now), target: endpointService.targetUrl(row) }
      prepared.set(row, entry)
    }
    return entry
  }

  /** The request as the endpoint's format renders it, before signing and auth: what a transform may change. */
  function draftRequest (row: EndpointRow, delivery: ClaimedDelivery, now: number): DraftRequest {
    const { endpoint } = prepare(row, now)
    const event = { type: delivery.eventType, payload: delivery.payload, contentType: delivery.contentType, receivedAt: delivery.receivedAt }
    const ownUserAgent = Object.keys(endpoint.headers).some((name) => name.toLowerCase() === 'user-agent')
    const headers: Record<string, string> = { ...(!ownUserAgent && { 'user-agent': userAgentOf(endpoint.format, VERSION) }), ...endpoint.headers }
    const { body, contentType } = renderPayload(endpoint.format, event)
    return { method: endpoint.method, url: endpoint.url, headers, body, contentType }
  }

  function buildRequest (row: EndpointRow, delivery: ClaimedDelivery, now: number, draft: DraftRequest) {
    const { endpoint, secrets, target } = prepare(row, now)
    const headers = { ...draft.headers }
    // The stored URL as the transform saw it is sent to the real target (a broker URL's password included).
    let url = draft.url === endpoint.url ? target : draft.url
    let body: string | Buffer | null = null
    let signed: string | Buffer
    if (BODYLESS_METHODS.has(draft.method)) {
      // No body to sign or send: the event and what the signature covers travel in the query.
      const rendered = renderQuery({ type: delivery.eventType, id: delivery.eventPublicId }, draft)
      url = withQuery(url, rendered.query)
      signed = rendered.payload
    } else {
      headers['content-type'] = draft.contentType
      body = signed = draft.body
    }
    Object.assign(headers, signatureHeaders(secrets, delivery.eventPublicId, Math.floor(now / 1000), signed))
    const auth = endpoint.auth
    if (auth.type === 'basic') headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
    if (auth.type === 'bearer') headers.authorization = `Bearer ${auth.token}`
    // Last in the query, where recordedRequest masks it.
    const queryParam = auth.type === 'query' ? auth.param || 'token' : null
    if (queryParam) url = withQuery(url, `${encodeURIComponent(queryParam)}=${encodeURIComponent(auth.token ?? '')}`)
    const request: DestinationRequest = { url, method: draft.method, headers, body, deliveryId: delivery.publicId, eventType: delivery.eventType }
    return { request, queryParam }
  }

  /** What a response or an error means for the delivery. */
  function outcomeOf (delivery: ClaimedDelivery, response: OutboundResponse | null, ack: BrokerAnswer | null, error: DeliveryError | null, now: number): DeliveryOutcome {
    if (ack) return { status: 'succeeded', statusCode: null }
    const statusCode = response?.status ?? null
    if (response && response.status >= 200 && response.status < 300) return { status: 'succeeded', statusCode: response.status }
    // Sending again would meet the same answer: a fix (of the endpoint, of its transform) and a manual retry are needed.
    if (response?.status === 410 || error?.code === 'HOOKHUB_SSRF_BLOCKED' || error?.code === TRANSFORM_FAILED) return { status: 'failed', statusCode }
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
        ...(row && { destination: destinationKindOf(row.url) }),
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
      const draft = draftRequest(row, delivery, now)
      let built: ReturnType<typeof buildRequest> | null = null
      let response: OutboundResponse | null = null
      let ack: BrokerAnswer | null = null
      let error: DeliveryError | null = null
      let changed: { draft: DraftRequest | null; logs: string | null } = { draft, logs: null }
      try {
        // The endpoint's transform, if any, changes the request or skips it before it is signed.
        // An event reaches only the endpoints of its own tenant: the endpoint's tenant is the event's.
        changed = await transforms.apply(transformOf(row), draft, { id: delivery.eventPublicId, type: delivery.eventType, tenantId: row.tenant_id })
        if (changed.draft) {
          built = buildRequest(row, delivery, now, changed.draft)
          const answer = await client.send(built.request, send)
          if (isBrokerAnswer(answer)) ack = answer
          else response = answer
        }
      } catch (err) {
        if (err instanceof TransformError) changed.logs = err.logs || null
        error = err instanceof DeliveryError ? err : new DeliveryError('CONNECTION_ERROR', String(err))
      }
      // Skipped or failed in its transform: the record shows the request the format rendered.
      const { request, queryParam } = built ?? buildRequest(row, delivery, now, draft)
      const finished = clock()
      const outcome: DeliveryOutcome = !changed.draft && !error ? { status: 'skipped', statusCode: null } : outcomeOf(delivery, response, ack, error, finished)
      const record: NewAttempt = {
        startedAt: now,
        durationMs: finished - now,
        request: recordedRequest(request, queryParam),
        responseStatus: response?.status ?? null,
        response: ack ? JSON.stringify(ack) : response ? JSON.stringify({ status: response.status, headers: response.headers, body: response.body }) : null,
        errorCode: error?.code ?? null,
        errorMessage: error?.message ?? null,
        logs: changed.logs,
      }
      await deliveries.complete(owner, delivery.id, delivery.endpointId, record, outcome, finished)
      if (outcome.status === 'succeeded') {
        reportAttempt(delivery, row, outcome, record)
        if (row.consecutive_failures > 0 && await endpoints.recordSuccess(row.id)) {
          log.recovered(delivery, row.consecutive_failures, row.circuit_open_until !== null)
        }
      } else if (outcome.status === 'skipped' || error?.code === TRANSFORM_FAILED) {
        // A skip or a broken transform says nothing of the receiver: its circuit stays as it is.
        if (outcome.status !== 'skipped') log.failedTry(delivery, outcome, record)
        reportAttempt(delivery, row, outcome, record)
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
