import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { EventService } from '../core/event-service.ts'
import { rawMember } from '../core/raw-json.ts'
import type { DeliveryService } from '../core/delivery-service.ts'
import type { EventView } from '../storage/event-repository.ts'
import { principalOf, scopeFor } from './auth.ts'
import { Delivery, deliveryExample, toWireDelivery } from './delivery-routes.ts'
import { notFound } from '../core/errors.ts'
import { TenantId } from './tenant-routes.ts'
import { listOf, OrderedListQuery, listPage, nativeErrors, numericCursor, parseSince, Timestamp, toTimestamp, withExamples } from './native-schemas.ts'

const publishExample = { type: 'order.created', payload: { order_id: 'ord_1001', total: 49.9, currency: 'EUR' } }
const eventExample = {
  id: 'evt_01kdyak3sexqymdydx0fpxxrry', ...publishExample, source: 'api', origin: null, node_id: null, channel: null, content_type: null, received_at: '2026-01-02T03:04:05.678Z',
}

export const Event = withExamples(Type.Object({
  id: Type.String(),
  type: Type.String(),
  source: Type.String({ description: '"api", "hookhub" (operational events) or the id of the inbound source' }),
  origin: Type.Union([Type.Object({ dialect: Type.String(), id: Type.String() }), Type.Null()], {
    description: 'The dialect resource whose inbound source took the event in, e.g. {"dialect": "incoplax", "id": "<integration point id>"}',
  }),
  node_id: Type.Union([Type.String(), Type.Null()]),
  channel: Type.Union([Type.String(), Type.Null()]),
  tenant_id: Type.Optional(Type.String({ description: 'The tenant whose endpoints alone the event reaches; absent for events without a tenant' })),
  content_type: Type.Union([Type.String(), Type.Null()], {
    description: 'Set when the body came in as something other than JSON: the payload is then {"content_type", "body"}',
  }),
  payload: Type.Unknown({ description: 'The payload exactly as received' }),
  received_at: Timestamp,
}), eventExample)

export const toWireEvent = (row: EventView) => ({
  id: row.public_id,
  type: row.type,
  source: row.source,
  origin: row.origin_dialect !== null && row.origin_id !== null ? { dialect: row.origin_dialect, id: row.origin_id } : null,
  node_id: row.node_id,
  channel: row.channel,
  ...(row.tenant_id !== null && { tenant_id: row.tenant_id }),
  content_type: row.content_type,
  payload: JSON.parse(row.payload) as unknown,
  received_at: toTimestamp(row.received_at),
})

const PublishBody = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 255, description: 'Event type, e.g. task.created' }),
  payload: Type.Unknown({ description: 'Any JSON value; stored and delivered byte for byte' }),
  node_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  tenant_id: Type.Optional({ ...TenantId, description: 'Deliver to this tenant\'s endpoints only; without it, only to endpoints without a tenant' }),
}, { additionalProperties: false, required: ['type', 'payload'] })

const Published = withExamples(Type.Object({ id: Type.String(), type: Type.String(), deliveries: Type.Integer() }),
  { id: eventExample.id, type: eventExample.type, deliveries: 2 })

export const eventRoutes = (events: EventService, deliveries: Pick<DeliveryService, 'ofEvent'>): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/api/v1/events', {
    config: { permission: ['events', 'publish'] },
    schema: {
      operationId: 'publishEvent',
      tags: ['events'],
      summary: 'Publish an event; answers once it and its deliveries are stored',
      description: 'With an Idempotency-Key header, the same key within 24 hours returns the first event with 200. '
        + 'Under events.publish.own the event reaches only the caller\'s own endpoints, and a node_id or channel '
        + 'naming someone else\'s node or integration point answers 404. An unknown tenant_id answers 422; a payload its type\'s '
        + 'schema (see /api/v1/event-types) rejects answers 422 HOOKHUB_PAYLOAD_INVALID, and nothing is stored.',
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
      body: withExamples(PublishBody, publishExample),
      response: { 200: Published, 202: Published, ...nativeErrors(404) },
    },
  }, async (request, reply) => {
    const { type, node_id: nodeId, channel, tenant_id: tenantId } = request.body
    const raw = request.rawBody ? rawMember(request.rawBody.toString('utf8'), 'payload') : undefined
    const key = request.headers['idempotency-key']
    const publisher = principalOf(request)
    const result = await events.publish({
      type,
      payload: raw ?? JSON.stringify(request.body.payload),
      nodeId,
      channel,
      tenantId,
      ...(scopeFor(request) === 'own' && { publisherId: publisher.id }),
      source: 'api',
      idempotencyKey: key ? `api:${publisher.id}:${key}` : undefined,
    })
    return reply.code(result.duplicate ? 200 : 202)
      .send({ id: result.event.public_id, type: result.event.type, deliveries: result.deliveries })
  })

  app.get('/api/v1/events', {
    config: { permission: ['events', 'view'] },
    schema: {
      operationId: 'listEvents',
      tags: ['events'],
      summary: 'List events, newest first',
      querystring: Type.Intersect([OrderedListQuery, Type.Object({
        type: Type.Optional(Type.String()),
        source: Type.Optional(Type.String()),
        tenant_id: Type.Optional(Type.String()),
        since: Type.Optional(Type.String({ description: 'RFC 3339 or a duration back from now (2h)' })),
        until: Type.Optional(Type.String({ description: 'RFC 3339 or a duration back from now' })),
      })]),
      response: { 200: listOf(Event), ...nativeErrors() },
    },
  }, async (request) => {
    // `.own` is "rows whose user_id is the caller": events have no owner, so none is.
    if (scopeFor(request) === 'own') return { data: [], next_cursor: null }
    const q = request.query
    const now = Date.now()
    const filter = {
      type: q.type,
      source: q.source,
      tenantId: q.tenant_id,
      since: parseSince(q.since, now),
      until: parseSince(q.until, now, 'until'),
      afterId: numericCursor(q.cursor),
      order: q.order,
    }
    return listPage(q.limit, (limit) => events.list({ ...filter, limit }), (r) => r.id, toWireEvent)
  })

  app.get('/api/v1/events/:id', {
    config: { permission: ['events', 'view'] },
    schema: {
      operationId: 'getEvent',
      tags: ['events'],
      summary: 'One event with its deliveries',
      params: Type.Object({ id: Type.String() }),
      response: {
        200: withExamples(Type.Intersect([Event, Type.Object({ deliveries: Type.Array(Delivery) })]), { ...eventExample, deliveries: [deliveryExample] }),
        ...nativeErrors(404),
      },
    },
  }, async (request) => {
    if (scopeFor(request) === 'own') throw notFound('Event')
    const event = await events.get(request.params.id)
    const rows = await deliveries.ofEvent(event.id)
    return { ...toWireEvent(event), deliveries: rows.map((row) => toWireDelivery(row)) }
  })
}
