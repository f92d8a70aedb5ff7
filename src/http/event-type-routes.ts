import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { EventType, EventTypeService } from '../core/event-type-service.ts'
import { scopeFor } from './auth.ts'
import { listOf, ListQuery, listPage, nativeErrors, textCursor, Timestamp, toTimestamp, withExamples } from './native-schemas.ts'

const Name = Type.String({ pattern: '^[A-Za-z0-9_.:\\-/]{1,255}$', description: 'The event type, as events carry it (a / is sent as %2F in paths)' })
const Description = Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])
const SchemaField = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Boolean(), Type.Null()],
  { description: 'JSON Schema (2020-12) every payload of this type must satisfy; null: any payload' })
const Example = Type.Unknown({ description: 'A payload of this type (checked against the schema); null: none' })

const createExample = {
  name: 'invoice.paid',
  description: 'An invoice was paid in full',
  schema: { type: 'object', required: ['invoice_id', 'amount'], properties: { invoice_id: { type: 'string' }, amount: { type: 'number', minimum: 0 } } },
  example: { invoice_id: 'inv_1001', amount: 49.9 },
}
const typeExample = { ...createExample, deprecated: false, created_at: '2026-01-02T03:04:05.678Z', updated_at: '2026-01-02T03:04:05.678Z' }

const EventTypeSchema = withExamples(Type.Object({
  name: Type.String(),
  description: Description,
  schema: SchemaField,
  example: Example,
  deprecated: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
}), typeExample)

const toWireEventType = (t: EventType) => ({
  name: t.name,
  description: t.description,
  schema: t.schema,
  example: t.example,
  deprecated: t.deprecated,
  created_at: toTimestamp(t.createdAt),
  updated_at: toTimestamp(t.updatedAt),
})

const Fields = {
  description: Type.Optional(Description),
  schema: Type.Optional(SchemaField),
  example: Type.Optional(Example),
  deprecated: Type.Optional(Type.Boolean()),
}
const Params = Type.Object({ name: Type.String() })
const tags = ['event-types']

export const eventTypeRoutes = (service: EventTypeService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/api/v1/event-types', {
    config: { permission: ['event_types', 'create'] },
    schema: {
      operationId: 'createEventType',
      tags,
      summary: 'Add an event type to the catalog; with a schema, payloads of the type are validated on publish',
      description: 'A schema that does not compile, or an example it rejects, answers 422.',
      body: withExamples(Type.Object({ name: Name, ...Fields }, { additionalProperties: false }), createExample),
      response: { 201: EventTypeSchema, ...nativeErrors(409) },
    },
  }, async (request, reply) => reply.code(201).send(toWireEventType(await service.create(request.body, scopeFor(request)))))

  app.get('/api/v1/event-types', {
    config: { permission: ['event_types', 'view'], portal: true },
    schema: { operationId: 'listEventTypes', tags, summary: 'The catalog, by name', querystring: ListQuery, response: { 200: listOf(EventTypeSchema), ...nativeErrors() } },
  }, async (request) => listPage(request.query.limit,
    (limit) => service.list(textCursor(request.query.cursor), limit, scopeFor(request)), (t) => t.name, toWireEventType))

  app.get('/api/v1/event-types/:name', {
    config: { permission: ['event_types', 'view'], portal: true },
    schema: { operationId: 'getEventType', tags, summary: 'One event type', params: Params, response: { 200: EventTypeSchema, ...nativeErrors(404) } },
  }, async (request) => toWireEventType(await service.get(request.params.name, scopeFor(request))))

  app.patch('/api/v1/event-types/:name', {
    config: { permission: ['event_types', 'manage'] },
    schema: {
      operationId: 'updateEventType',
      tags,
      summary: 'Change the description, schema, example or deprecation; null clears a field',
      params: Params,
      body: withExamples(Type.Object(Fields, { additionalProperties: false }), { deprecated: true }),
      response: { 200: withExamples(EventTypeSchema, { ...typeExample, deprecated: true, updated_at: '2026-01-03T08:00:00.000Z' }), ...nativeErrors(404) },
    },
  }, async (request) => toWireEventType(await service.update(request.params.name, request.body, scopeFor(request))))

  app.delete('/api/v1/event-types/:name', {
    config: { permission: ['event_types', 'delete'] },
    schema: {
      operationId: 'deleteEventType',
      tags,
      summary: 'Remove a type from the catalog; its events publish unchecked again',
      params: Params,
      response: { 204: Type.Null(), ...nativeErrors(404) },
    },
  }, async (request, reply) => {
    await service.remove(request.params.name, scopeFor(request))
    return reply.code(204).send(null)
  })
}
