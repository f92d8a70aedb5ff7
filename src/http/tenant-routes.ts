import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Tenant, TenantService } from '../core/tenant-service.ts'
import { DEFAULT_PORTAL_SECONDS, MAX_PORTAL_SECONDS, type PortalSessionService } from '../core/portal-session-service.ts'
import { scopeFor } from './auth.ts'
import { optionalBody } from './server.ts'
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

const PortalSession = withExamples(Type.Object({
  url: Type.String({ description: '<public URL>/portal#token=<token>: the page to show the tenant (an iframe src)' }),
  token: Type.String({ description: 'hhp_…, shown only here; a Bearer token for the tenant\'s own endpoints and deliveries' }),
  expires_at: Timestamp,
}), {
  url: 'https://hooks.example.com/portal#token=hhp_Xq3tY8fJ2mV9bN4kP7sL1wR6zC0dH5gA8eU2iO9yT4',
  token: 'hhp_Xq3tY8fJ2mV9bN4kP7sL1wR6zC0dH5gA8eU2iO9yT4',
  expires_at: '2026-01-02T04:04:05.678Z',
})

export const tenantRoutes = (service: TenantService, portal: PortalSessionService): FastifyPluginAsyncTypebox => async (app) => {
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

  app.post('/api/v1/tenants/:id/portal-sessions', {
    config: { permission: ['tenants', 'manage'] },
    schema: {
      operationId: 'createPortalSession',
      tags,
      summary: 'A portal session for the tenant: a token that manages its endpoints and reads its deliveries, and the page URL carrying it',
      description: 'read_only sessions read only. An expired session answers 401.',
      params: Params,
      body: optionalBody(withExamples(Type.Object({
        expires_in: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PORTAL_SECONDS, default: DEFAULT_PORTAL_SECONDS, description: 'seconds' })),
        read_only: Type.Optional(Type.Boolean({ default: false })),
      }, { additionalProperties: false }), {}, { expires_in: 900, read_only: true })),
      response: { 201: PortalSession, ...nativeErrors(404) },
    },
  }, async (request, reply) => {
    const body = request.body as { expires_in?: number; read_only?: boolean } | undefined
    const session = await portal.create(request.params.id, { expiresIn: body?.expires_in, readOnly: body?.read_only }, scopeFor(request))
    return reply.code(201).send({ url: session.url, token: session.token, expires_at: toTimestamp(session.expiresAt) })
  })

  app.delete('/api/v1/tenants/:id/portal-sessions', {
    config: { permission: ['tenants', 'manage'] },
    schema: {
      operationId: 'revokePortalSessions',
      tags,
      summary: 'Revoke every portal session of the tenant at once',
      params: Params,
      response: { 204: Type.Null(), ...nativeErrors(404) },
    },
  }, async (request, reply) => {
    await portal.revokeAll(request.params.id, scopeFor(request))
    return reply.code(204).send(null)
  })
}
