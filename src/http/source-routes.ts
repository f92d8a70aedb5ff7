import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { VERIFY_METHODS } from '../core/inbound-verifiers.ts'
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

const SourceSchema = withExamples(Type.Object({
  id: Type.String(),
  name: Type.String(),
  verify: Type.String({ enum: [...VERIFY_METHODS] }),
  has_secret: Type.Boolean(),
  event_type: Type.Union([EventTypeRule, Type.Null()]),
  accepted_types: Type.Union([Type.Array(Type.String()), Type.Null()]),
  inbound_url: Type.String(),
  enabled: Type.Boolean({ description: 'false while the resource owning the source is deleted or inactive' }),
  owner: Type.Optional(Type.Object({ dialect: Type.String(), id: Type.String() })),
  last_received_at: Type.Union([Timestamp, Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
}), {
  id: 'src_01kdvr6csex8am1xfx5gf3h9tt',
  name: createExample.name,
  verify: 'github',
  has_secret: true,
  event_type: createExample.event_type,
  accepted_types: createExample.accepted_types,
  inbound_url: 'https://hooks.example.com/hooks/0tN7w7seUVMmCgkE4T1erjS6juh6F6Lq',
  enabled: true,
  last_received_at: null,
  created_at: '2026-01-01T03:04:05.678Z',
  updated_at: '2026-01-01T03:04:05.678Z',
})

export const toWireSource = (s: Source) => ({
  id: s.id,
  name: s.name,
  verify: s.verify,
  has_secret: s.hasSecret,
  event_type: s.eventType,
  accepted_types: s.acceptedTypes,
  inbound_url: s.inboundUrl,
  enabled: s.enabled,
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
      summary: 'Create an inbound source; senders post to its inbound_url',
      body: withExamples(Type.Object({
        name: Type.String({ minLength: 1, maxLength: 255 }),
        verify: Type.String({ enum: [...VERIFY_METHODS], description: 'how senders prove themselves' }),
        secret: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'token or signing secret; never shown again' })),
        event_type: Type.Optional(EventTypeRule),
        accepted_types: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'only these types (* wildcards) are stored' })),
      }, { additionalProperties: false }), createExample),
      response: { 201: SourceSchema, ...nativeErrors() },
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

  app.delete('/api/v1/sources/:id', {
    config: { permission: ['sources', 'delete'] },
    schema: { operationId: 'deleteSource', tags, summary: 'Delete a source; its inbound URL stops answering', params: Params, response: { 204: Type.Null(), ...nativeErrors(404) } },
  }, async (request, reply) => {
    await service.remove(request.params.id, scopeFor(request), principalOf(request))
    return reply.code(204).send(null)
  })
}
