import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { DeliveryService } from '../core/delivery-service.ts'
import type { AttemptRow, DeliveryView } from '../storage/delivery-repository.ts'
import { maskHeaders } from '../core/sensitive-headers.ts'
import { principalOf, scopeFor } from './auth.ts'
import { listOf, OrderedListQuery, listPage, nativeErrors, numericCursor, parseSince, Timestamp, toTimestamp, withExamples } from './native-schemas.ts'

const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed', 'cancelled', 'skipped']

export const deliveryExample = {
  id: 'dlv_01kdyak3tpam6npbjrc4639vkd',
  event_id: 'evt_01kdyak3sexqymdydx0fpxxrry',
  endpoint_id: 'ep_01kdvr6csem08zedck8bpvt7ck',
  status: 'succeeded',
  attempt_count: 1,
  next_attempt_at: null,
  circuit_open_until: null,
  last_status_code: 200,
  created_at: '2026-01-02T03:04:05.718Z',
  updated_at: '2026-01-02T03:04:05.815Z',
}

export const Delivery = withExamples(Type.Object({
  id: Type.String(),
  event_id: Type.String(),
  endpoint_id: Type.String(),
  status: Type.String({ enum: DELIVERY_STATUSES }),
  attempt_count: Type.Integer(),
  next_attempt_at: Type.Union([Timestamp, Type.Null()], {
    description: 'when a pending delivery is tried next: never in the past, and not before an open circuit lets it through',
  }),
  circuit_open_until: Type.Union([Timestamp, Type.Null()], {
    description: 'set while the endpoint\'s open circuit holds this pending delivery back',
  }),
  last_status_code: Type.Union([Type.Integer(), Type.Null()]),
  tenant_id: Type.Optional(Type.String({ description: 'The tenant of the endpoint, when it has one' })),
  created_at: Timestamp,
  updated_at: Timestamp,
}), deliveryExample)

const Headers = Type.Record(Type.String(), Type.String())

export const attemptExample = {
  id: 41,
  started_at: '2026-01-02T03:04:05.731Z',
  duration_ms: 84,
  request: {
    method: 'POST',
    url: 'https://receiver.example.com/webhooks/hookhub',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'hookhub/0.1.0',
      'webhook-id': 'evt_01kdyak3sexqymdydx0fpxxrry',
      'webhook-timestamp': '1767323045',
      'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
    },
  },
  response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' },
  error: null,
}

export const Attempt = withExamples(Type.Object({
  id: Type.Integer(),
  started_at: Timestamp,
  duration_ms: Type.Integer(),
  request: Type.Object({ method: Type.String(), url: Type.String(), headers: Headers }),
  response: Type.Union([
    Type.Object({ status: Type.Integer(), headers: Headers, body: Type.String() }),
    Type.Object({ broker: Type.String({ description: 'amqp, nats, redis or mqtt: what the broker acknowledged (e.g. the Redis entry id, the JetStream stream and sequence)' }) }, { additionalProperties: true }),
    Type.Null(),
  ]),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  logs: Type.Optional(Type.String({ description: 'what the endpoint\'s transform wrote with console.log (first 4 KB); absent when none ran or it wrote nothing' })),
}), attemptExample)

/** A delivery as the service scheduled it for showing (see asScheduled). */
export function toWireDelivery (row: DeliveryView) {
  return {
    id: row.public_id,
    event_id: row.event_public_id,
    endpoint_id: row.endpoint_id,
    status: row.status,
    attempt_count: row.attempt_count,
    next_attempt_at: row.next_attempt_at === null ? null : toTimestamp(row.next_attempt_at),
    circuit_open_until: row.circuit_open_until === null ? null : toTimestamp(row.circuit_open_until),
    last_status_code: row.last_status_code,
    ...(row.tenant_id !== null && { tenant_id: row.tenant_id }),
    created_at: toTimestamp(row.created_at),
    updated_at: toTimestamp(row.updated_at),
  }
}

/** Attempts recorded before every sensitive header was masked are masked as they are read. */
function recordedRequestOf (text: string) {
  const request = JSON.parse(text) as { method: string; url: string; headers?: Record<string, string> }
  return { ...request, headers: maskHeaders(request.headers ?? {}) }
}

export const toWireAttempt = (row: AttemptRow) => ({
  id: row.id,
  started_at: toTimestamp(row.started_at),
  duration_ms: row.duration_ms,
  request: recordedRequestOf(row.request),
  response: row.response === null ? null : JSON.parse(row.response) as { status: number; headers: Record<string, string>; body: string } | { broker: string },
  error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
  ...(row.logs !== null && { logs: row.logs }),
})

const DeliveryParams = Type.Object({ id: Type.String() })

export const deliveryRoutes = (service: DeliveryService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/api/v1/deliveries', {
    config: { permission: ['deliveries', 'view'], portal: true },
    schema: {
      operationId: 'listDeliveries',
      tags: ['deliveries'],
      summary: 'The delivery log, newest first',
      querystring: Type.Intersect([OrderedListQuery, Type.Object({
        endpoint_id: Type.Optional(Type.String()),
        event_id: Type.Optional(Type.String()),
        status: Type.Optional(Type.String({ enum: DELIVERY_STATUSES })),
        since: Type.Optional(Type.String({ description: 'RFC 3339 or a duration back from now (2h)' })),
        tenant_id: Type.Optional(Type.String({ description: 'Deliveries to this tenant\'s endpoints' })),
      })]),
      response: { 200: listOf(Delivery), ...nativeErrors() },
    },
  }, async (request) => {
    const q = request.query
    const filter = {
      endpointId: q.endpoint_id,
      eventPublicId: q.event_id,
      status: q.status,
      since: parseSince(q.since, Date.now()),
      tenantId: q.tenant_id,
      afterId: numericCursor(q.cursor),
      order: q.order,
    }
    return listPage(q.limit, (limit) => service.list({ ...filter, limit }, scopeFor(request), principalOf(request)),
      (r) => r.id, (r) => toWireDelivery(r))
  })

  app.get('/api/v1/deliveries/:id', {
    config: { permission: ['deliveries', 'view'], portal: true },
    schema: {
      operationId: 'getDelivery',
      tags: ['deliveries'],
      summary: 'One delivery with its event\'s type and payload (what each request body carries, in the endpoint\'s format) and every attempt (request headers with secrets masked, response status and first 4 KB)',
      params: DeliveryParams,
      response: {
        200: withExamples(Type.Intersect([Delivery, Type.Object({ event_type: Type.String(), payload: Type.Unknown(), attempts: Type.Array(Attempt) })]),
          { ...deliveryExample, event_type: 'order.created', payload: { order_id: 'ord_1001' }, attempts: [attemptExample] }),
        ...nativeErrors(404),
      },
    },
  }, async (request) => {
    const { delivery, attempts, event } = await service.get(request.params.id, scopeFor(request), principalOf(request))
    return { ...toWireDelivery(delivery), event_type: event.type, payload: JSON.parse(event.payload) as unknown, attempts: attempts.map(toWireAttempt) }
  })

  app.post('/api/v1/deliveries/:id/retry', {
    config: { permission: ['deliveries', 'retry'], portal: true },
    schema: {
      operationId: 'retryDelivery',
      tags: ['deliveries'],
      summary: 'Send a finished delivery again now (409 while it is still pending or in flight)',
      params: DeliveryParams,
      response: {
        202: withExamples(Delivery, {
          ...deliveryExample, status: 'pending', next_attempt_at: '2026-01-02T04:10:00.000Z', updated_at: '2026-01-02T04:10:00.000Z',
        }),
        ...nativeErrors(404, 409),
      },
    },
  }, async (request, reply) => {
    const delivery = await service.retry(request.params.id, scopeFor(request), principalOf(request))
    return reply.code(202).send(toWireDelivery(delivery))
  })
}
