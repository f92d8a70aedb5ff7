import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Tenant, TenantService } from '../core/tenant-service.ts'
import { scopeFor } from './auth.ts'
import { listOf, ListQuery, listPage, nativeErrors, textCursor, Timestamp, toTimestamp, withExamples } from './native-schemas.ts'

export const TenantId = Type.String({ pattern: '^[A-Za-z0-9._:-]{1,255}$', description: 'The operator\'s own identifier of its customer' })
const Name = Type.String({ minLength: 1, maxLength: 255 })
const Metadata = Type.Record(Type.String(), Type.Unknown(), { description: 'Anything the operator keeps about the tenant (a JSON object)' })

const createExample = { id: 'acme', name: 'Acme Corp', metadata: { plan: 'pro' } }
const tenantExample = { ...createExample, created_at: '2026-01-02T03:04:05.678Z', updated_at: '2026-01-02T03:04:05.678Z' }

const TenantSchema = withExamples(Type.Object({
  id: Type.String(),
  name: Type.String(),
  metadata: Metadata,
  created_at: Timestamp,
  updated_at: Timestamp,
}), tenantExample)

const toWireTenant = (t: Tenant) => ({
  id: t.id, name: t.name, metadata: t.metadata, created_at: toTimestamp(t.createdAt), updated_at: toTimestamp(t.updatedAt),
})

const Params = Type.Object({ id: Type.String() })
const tags = ['tenants']

export const tenantRoutes = (service: TenantService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/api/v1/tenants', {
    config: { permission: ['tenants', 'create'] },
    schema: {
      operationId: 'createTenant',
      tags,
      summary: 'Register a customer of the operator; its id is the operator\'s own or a generated tnt_…',
      body: withExamples(Type.Object({ id: Type.Optional(TenantId), name: Name, metadata: Type.Optional(Metadata) }, { additionalProperties: false }),
        createExample, { name: 'Globex' }),
      response: { 201: TenantSchema, ...nativeErrors(409) },
    },
  }, async (request, reply) => reply.code(201).send(toWireTenant(await service.create(request.body, scopeFor(request)))))

  app.get('/api/v1/tenants', {
    config: { permission: ['tenants', 'view'] },
    schema: { operationId: 'listTenants', tags, summary: 'List tenants by id', querystring: ListQuery, response: { 200: listOf(TenantSchema), ...nativeErrors() } },
  }, async (request) => listPage(request.query.limit,
    (limit) => service.list(textCursor(request.query.cursor), limit, scopeFor(request)), (t) => t.id, toWireTenant))

  app.get('/api/v1/tenants/:id', {
    config: { permission: ['tenants', 'view'] },
    schema: { operationId: 'getTenant', tags, summary: 'One tenant', params: Params, response: { 200: TenantSchema, ...nativeErrors(404) } },
  }, async (request) => toWireTenant(await service.get(request.params.id, scopeFor(request))))

  app.patch('/api/v1/tenants/:id', {
    config: { permission: ['tenants', 'manage'] },
    schema: {
      operationId: 'updateTenant',
      tags,
      summary: 'Change the name or the metadata (replaced whole)',
      params: Params,
      body: withExamples(Type.Object({ name: Type.Optional(Name), metadata: Type.Optional(Metadata) }, { additionalProperties: false }),
        { metadata: { plan: 'enterprise' } }),
      response: { 200: withExamples(TenantSchema, { ...tenantExample, metadata: { plan: 'enterprise' }, updated_at: '2026-01-03T08:00:00.000Z' }), ...nativeErrors(404) },
    },
  }, async (request) => toWireTenant(await service.update(request.params.id, request.body, scopeFor(request))))

  app.delete('/api/v1/tenants/:id', {
    config: { permission: ['tenants', 'delete'] },
    schema: {
      operationId: 'deleteTenant',
      tags,
      summary: 'Delete a tenant with its endpoints (their deliveries stay readable) and its portal sessions',
      params: Params,
      response: { 204: Type.Null(), ...nativeErrors(404) },
    },
  }, async (request, reply) => {
    await service.remove(request.params.id, scopeFor(request))
    return reply.code(204).send(null)
  })
}
