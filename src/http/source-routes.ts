import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { VERIFY_METHODS } from '../core/inbound-verifiers.ts'
import { BROKER_KINDS } from '../sources/broker-url.ts'
import type { SourceInput, SourceService } from '../core/source-service.ts'
import { principalOf, scopeFor } from './auth.ts'
import { listOf, OrderedListQuery, listPage, nativeErrors, textCursor, Timestamp, toTimestamp, withExamples } from './native-schemas.ts'

type Source = ReturnType<SourceService['toSource']>

const EventTypeRule = Type.Union([
  Type.String({ minLength: 1, maxLength: 255, description: 'every event of this source gets this type' }),
  Type.Object({ field: Type.String({ minLength: 1, description: 'dot path into the payload, e.g. data.kind' }) }, { additionalProperties: false }),
])

const createExample = {
  name: 'GitHub pushes',
  verify: 'github',
  secret: 'gh-webhook-secret-3f9a1c',
  event_type: { field: 'action' },
  accepted_types: ['opened', 'closed', 'reopened'],
}

const KINDS = ['http', ...BROKER_KINDS]

const SourceSchema = withExamples(Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String({ enum: KINDS, description: 'http: senders post to inbound_url; the others consume a broker' }),
  url: Type.Optional(Type.String({ description: 'broker sources: the broker URL, its password as ****' })),
  type_from: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'broker sources: the header or property naming the event type' })),
  verify: Type.Optional(Type.String({ enum: [...VERIFY_METHODS], description: 'http sources' })),
  has_secret: Type.Optional(Type.Boolean({ description: 'http sources' })),
  event_type: Type.Union([EventTypeRule, Type.Null()]),
  accepted_types: Type.Union([Type.Array(Type.String()), Type.Null()]),
  inbound_url: Type.Optional(Type.String({ description: 'http sources' })),
  enabled: Type.Boolean({ description: 'false while the resource owning the source is deleted or inactive' }),
  paused: Type.Boolean({ description: 'broker sources: true while consumption is paused' }),
  owner: Type.Optional(Type.Object({ dialect: Type.String(), id: Type.String() })),
  last_received_at: Type.Union([Timestamp, Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
}), {
  id: 'src_01kdvr6csex8am1xfx5gf3h9tt',
  name: createExample.name,
  kind: 'http',
  verify: 'github',
  has_secret: true,
  event_type: createExample.event_type,
  accepted_types: createExample.accepted_types,
  inbound_url: 'https://hooks.example.com/hooks/0tN7w7seUVMmCgkE4T1erjS6juh6F6Lq',
  enabled: true,
  paused: false,
  last_received_at: null,
  created_at: '2026-01-01T03:04:05.678Z',
  updated_at: '2026-01-01T03:04:05.678Z',
})

const brokerExample = {
  id: 'src_01kdvr7bq2c9n4m8x0t5e3w6yz',
  name: 'Orders queue',
  kind: 'amqp',
  url: 'amqp://hookhub:****@rabbit.example.com:5672/shop?queue=orders',
  type_from: 'type',
  event_type: 'order.updated',
  accepted_types: null,
  enabled: true,
  paused: false,
  last_received_at: '2026-01-01T03:04:05.678Z',
  created_at: '2026-01-01T03:04:05.678Z',
  updated_at: '2026-01-01T03:04:05.678Z',
}

/** An http source shows how senders reach it; a broker source, what it consumes. */
export const toWireSource = (s: Source) => ({
  id: s.id,
  name: s.name,
  kind: s.kind,
  ...(s.kind === 'http'
    ? { verify: s.verify, has_secret: s.hasSecret, inbound_url: s.inboundUrl }
    : { url: s.url as string, type_from: s.typeFrom }),
  event_type: s.eventType,
  accepted_types: s.acceptedTypes,
  enabled: s.enabled,
  paused: s.paused,
  ...(s.owner !== null && { owner: s.owner }),
  last_received_at: s.lastReceivedAt === null ? null : toTimestamp(s.lastReceivedAt),
  created_at: toTimestamp(s.createdAt),
  updated_at: toTimestamp(s.updatedAt),
})

const Params = Type.Object({ id: Type.String() })
const tags = ['sources']

export const sourceRoutes = (service: SourceService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/api/v1/sources', {
    config: { permission: ['sources', 'create'] },
    schema: {
      operationId: 'createSource',
      tags,
      summary: 'Create a source: an inbound URL senders post to (kind http), or a broker queue, stream or topic hookhub consumes',
      body: withExamples(Type.Object({
        name: Type.String({ minLength: 1, maxLength: 255 }),
        kind: Type.Optional(Type.String({ description: 'http (default), amqp, nats, redis or mqtt' })),
        url: Type.Optional(Type.String({
          maxLength: 4096,
          description: 'broker sources: amqp[s]://user:pass@host:port/vhost?queue=Q, nats://host:4222?stream=S&consumer=C, ' +
            'redis[s]://host:6379/0?stream=K&group=G, mqtt[s]://host:1883?topic=T',
        })),
        type_from: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'broker sources: the header or property naming the event type (else event_type)' })),
        verify: Type.Optional(Type.String({ description: `http sources (required): how senders prove themselves, one of ${VERIFY_METHODS.join(', ')}` })),
        secret: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'token or signing secret; never shown again' })),
        event_type: Type.Optional(EventTypeRule),
        accepted_types: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'only these types (* wildcards) are stored' })),
      }, { additionalProperties: false }), createExample, { name: 'Orders queue', kind: 'amqp', url: 'amqp://hookhub:s3cr3t@rabbit.example.com:5672/shop?queue=orders', type_from: 'type' }),
      response: { 201: withExamples(SourceSchema, brokerExample), ...nativeErrors() },
    },
  }, async (request, reply) => {
    const source = await service.create(request.body as SourceInput, { userId: principalOf(request).id })
    return reply.code(201).send(toWireSource(source))
  })

  app.get('/api/v1/sources', {
    config: { permission: ['sources', 'view'] },
    schema: { operationId: 'listSources', tags, summary: 'List inbound sources, newest first', querystring: OrderedListQuery, response: { 200: listOf(SourceSchema), ...nativeErrors() } },
  }, async (request) => listPage(request.query.limit,
    (limit) => service.list(textCursor(request.query.cursor), limit, scopeFor(request), principalOf(request), request.query.order),
    (s) => s.id, toWireSource))

  app.get('/api/v1/sources/:id', {
    config: { permission: ['sources', 'view'] },
    schema: { operationId: 'getSource', tags, summary: 'One inbound source', params: Params, response: { 200: SourceSchema, ...nativeErrors(404) } },
  }, async (request) => toWireSource(await service.get(request.params.id, scopeFor(request), principalOf(request))))

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/api/v1/sources/:id/${action}`, {
      config: { permission: ['sources', 'manage'] },
      schema: {
        operationId: action === 'pause' ? 'pauseSource' : 'resumeSource',
        tags,
        summary: action === 'pause'
          ? 'Stop consuming a broker source; its messages wait in the broker'
          : 'Consume a paused broker source again',
        params: Params,
        response: { 200: withExamples(SourceSchema, { ...brokerExample, paused: action === 'pause' }), ...nativeErrors(404, 409) },
      },
    }, async (request) => toWireSource(
      await service.setPaused(request.params.id, action === 'pause', scopeFor(request), principalOf(request))))
  }

  app.delete('/api/v1/sources/:id', {
    config: { permission: ['sources', 'delete'] },
    schema: { operationId: 'deleteSource', tags, summary: 'Delete a source; its inbound URL stops answering, or its broker is no longer consumed', params: Params, response: { 204: Type.Null(), ...nativeErrors(404) } },
  }, async (request, reply) => {
    await service.remove(request.params.id, scopeFor(request), principalOf(request))
    return reply.code(204).send(null)
  })
}
