import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { MASK, type Endpoint, type EndpointInput, type EndpointService } from '../core/endpoint-service.ts'
import { PAYLOAD_FORMATS } from '../core/payload-formats.ts'
import { MAX_TRANSFORM_CODE_BYTES } from '../core/transforms.ts'
import { maskHeaders } from '../core/sensitive-headers.ts'
import { ownerOfNew } from '../core/tenant-scope.ts'
import { principalOf, scopeFor } from './auth.ts'
import { TenantId } from './tenant-routes.ts'
import { attemptExample, toWireAttempt, Attempt } from './delivery-routes.ts'
import { optionalBody } from './server.ts'
import { listOf, OrderedListQuery, listPage, nativeErrors, parseSince, textCursor, Timestamp, toTimestamp, withExamples } from './native-schemas.ts'

const Auth = Type.Object({
  type: Type.String({ enum: ['none', 'basic', 'bearer', 'query'] }),
  username: Type.Optional(Type.String({ maxLength: 255 })),
  password: Type.Optional(Type.String({ maxLength: 1024, description: 'Masked as ******** on reads; send it back to keep it' })),
  token: Type.Optional(Type.String({ maxLength: 4096, description: 'Masked as ******** on reads; send it back to keep it' })),
  param: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'query parameter for type query (default token)' })),
}, { additionalProperties: false })

/** A match document on the payload: any JSON here, checked by src/core/filters.ts, which names the path of a bad part. */
const PayloadFilter = Type.Unknown({
  description: 'Match document on the event\'s payload (docs/filters.md): literals by equality, objects descend, operators ' +
    '$eq $neq $gt $gte $lt $lte $in $nin $exists $startsWith $endsWith $contains $and $or $not; null removes it',
})

export const Filter = Type.Object({
  types: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: 100, description: 'Event types, * wildcards' })),
  node_id: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
  channel: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
  payload: Type.Optional(PayloadFilter),
}, { additionalProperties: false })

const TransformField = Type.Object({
  code: Type.String({ maxLength: MAX_TRANSFORM_CODE_BYTES, description: 'JavaScript defining function handler(webhook); see docs/transforms.md' }),
  enabled: Type.Optional(Type.Boolean({ description: 'default true' })),
}, { additionalProperties: false })

const URL_DESCRIPTION = 'http(s) receiver, or a broker: amqp[s]://user:pass@host/vhost?exchange=&routing_key=, nats://host?subject=, redis://host/db?stream=&maxlen=, mqtt://host?topic=&qos= (see docs/brokers.md); a password reads back as ****'

const EndpointFields = {
  method: Type.Optional(Type.String({ enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] })),
  headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 4096 }),
    { additionalProperties: false, description: 'extra request headers; names of letters, digits and dashes' })),
  auth: Type.Optional(Auth),
  format: Type.Optional(Type.String({ enum: [...PAYLOAD_FORMATS] })),
  filter: Type.Optional(Filter),
  enabled: Type.Optional(Type.Boolean()),
  paused: Type.Optional(Type.Boolean()),
  rate_limit_per_s: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000 }), Type.Null()])),
  max_in_flight: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1000 }), Type.Null()])),
  ordering: Type.Optional(Type.String({ enum: ['none', 'fifo'] })),
  transform: Type.Optional(Type.Union([TransformField, Type.Null()], { description: 'changes or skips each request before it is signed and sent; null removes it' })),
}

const CreateBody = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2048, description: URL_DESCRIPTION }),
  tenant_id: Type.Optional(TenantId),
  secret: Type.Optional(Type.String({ description: 'whsec_…; generated when absent and shown only in this response' })),
  ...EndpointFields,
}, { additionalProperties: false })

const UpdateBody = Type.Object({
  url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: URL_DESCRIPTION })),
  ...EndpointFields,
}, { additionalProperties: false })

const createExample = {
  url: 'https://receiver.example.com/webhooks/hookhub',
  auth: { type: 'bearer', token: 'rcv_live_7d1f0c2a9b4e' },
  filter: { types: ['order.*'], payload: { order: { total: { $gte: 100 } }, currency: { $in: ['EUR', 'USD'] } } },
  rate_limit_per_s: 50,
  ordering: 'fifo',
}
const endpointExample = {
  id: 'ep_01kdvr6csem08zedck8bpvt7ck',
  url: createExample.url,
  method: 'POST',
  headers: {},
  auth: { type: 'bearer', token: '********' },
  format: 'standard',
  filter: createExample.filter,
  enabled: true,
  paused: false,
  disabled_reason: null,
  circuit_open_until: null,
  rate_limit_per_s: 50,
  ordering: 'fifo',
  created_at: '2026-01-01T03:04:05.678Z',
  updated_at: '2026-01-01T03:04:05.678Z',
}
const updateExample = { filter: { types: ['order.*', 'invoice.paid'], payload: { currency: 'EUR' } }, rate_limit_per_s: 100 }
const updatedExample = { ...endpointExample, ...updateExample, updated_at: '2026-01-02T08:30:00.000Z' }

const EndpointSchema = withExamples(Type.Object({
  id: Type.String(),
  url: Type.String(),
  method: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  auth: Auth,
  format: Type.String(),
  filter: Type.Object({
    types: Type.Array(Type.String()),
    node_id: Type.Optional(Type.String()),
    channel: Type.Optional(Type.String()),
    payload: Type.Optional(Type.Unknown()),
  }),
  enabled: Type.Boolean(),
  paused: Type.Boolean(),
  disabled_reason: Type.Union([Type.String(), Type.Null()]),
  circuit_open_until: Type.Union([Timestamp, Type.Null()], {
    description: 'While the circuit is open (after repeated failures), when it lets the next try through; null otherwise',
  }),
  rate_limit_per_s: Type.Optional(Type.Integer()),
  max_in_flight: Type.Optional(Type.Integer()),
  ordering: Type.String(),
  owner: Type.Optional(Type.Object({ dialect: Type.String(), id: Type.String() })),
  transform: Type.Optional(Type.Object({ code: Type.String(), enabled: Type.Boolean() })),
  tenant_id: Type.Optional(Type.String({ description: 'The tenant whose events alone it receives; absent: it receives events without a tenant' })),
  created_at: Timestamp,
  updated_at: Timestamp,
}), endpointExample)

/** The native representation; passwords, tokens and sensitive header values are always masked. */
export function toWireEndpoint (e: Endpoint) {
  const auth = { ...e.auth }
  if (auth.password) auth.password = MASK
  if (auth.token) auth.token = MASK
  return {
    id: e.id,
    url: e.url,
    method: e.method,
    headers: maskHeaders(e.headers),
    auth,
    format: e.format,
    filter: {
      types: e.filter.types,
      ...(e.filter.nodeId !== null && { node_id: e.filter.nodeId }),
      ...(e.filter.channel !== null && { channel: e.filter.channel }),
      ...(e.filter.payload !== null && { payload: e.filter.payload }),
    },
    enabled: e.enabled,
    paused: e.paused,
    disabled_reason: e.disabledReason,
    circuit_open_until: e.circuitOpenUntil === null ? null : toTimestamp(e.circuitOpenUntil),
    ...(e.rateLimitPerS !== null && { rate_limit_per_s: e.rateLimitPerS }),
    ...(e.maxInFlight !== null && { max_in_flight: e.maxInFlight }),
    ordering: e.ordering,
    ...(e.owner !== null && { owner: e.owner }),
    ...(e.transform !== null && { transform: e.transform }),
    ...(e.tenantId !== null && { tenant_id: e.tenantId }),
    created_at: toTimestamp(e.createdAt),
    updated_at: toTimestamp(e.updatedAt),
  }
}

const Params = Type.Object({ id: Type.String() })
const tags = ['endpoints']
const NullableTimestamp = Type.Union([Timestamp, Type.Null()])

const Health = withExamples(Type.Object({
  endpoint_id: Type.String(),
  enabled: Type.Boolean(),
  paused: Type.Boolean(),
  success_rate: Type.Object({ last_hour: Type.Union([Type.Number(), Type.Null()]), last_day: Type.Union([Type.Number(), Type.Null()]) }),
  attempts: Type.Object({ last_hour: Type.Integer(), last_day: Type.Integer() }),
  circuit: Type.Object({ state: Type.String({ enum: ['closed', 'open', 'half-open'] }), consecutive_failures: Type.Integer() }),
  backlog: Type.Integer(),
  next_attempt_at: NullableTimestamp,
  recent_attempts: Type.Array(Type.Intersect([Attempt, Type.Object({ delivery_id: Type.String() })])),
}), {
  endpoint_id: endpointExample.id,
  enabled: true,
  paused: false,
  success_rate: { last_hour: 1, last_day: 0.98 },
  attempts: { last_hour: 12, last_day: 250 },
  circuit: { state: 'closed', consecutive_failures: 0 },
  backlog: 0,
  next_attempt_at: null,
  recent_attempts: [{ ...attemptExample, delivery_id: 'dlv_01kdyak3tpam6npbjrc4639vkd' }],
})

export const endpointRoutes = (service: EndpointService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/api/v1/endpoints', {
    config: { permission: ['endpoints', 'create'], portal: true },
    schema: {
      operationId: 'createEndpoint',
      tags,
      summary: 'Register a URL to deliver events to; the signing secret is shown only here',
      description: 'Under endpoints.create.own a filter.node_id or filter.channel naming someone else\'s node or integration point answers 404.',
      body: withExamples(CreateBody, createExample),
      response: {
        201: withExamples(Type.Intersect([EndpointSchema, Type.Object({ secret: Type.String() })]),
          { ...endpointExample, secret: 'whsec_5j6mvSxkeWVVPnDxys6P45mG/zqiQBQn' }),
        ...nativeErrors(404),
      },
    },
  }, async (request, reply) => {
    const { tenant_id: tenantId, ...input } = request.body
    const { endpoint, secret } = await service.create(input as EndpointInput, ownerOfNew(principalOf(request), tenantId), scopeFor(request))
    return reply.code(201).send({ ...toWireEndpoint(endpoint), secret })
  })

  app.get('/api/v1/endpoints', {
    config: { permission: ['endpoints', 'view'], portal: true },
    schema: {
      operationId: 'listEndpoints',
      tags,
      summary: 'List endpoints, newest first',
      querystring: Type.Intersect([OrderedListQuery, Type.Object({ tenant_id: Type.Optional(Type.String({ description: 'Only this tenant\'s endpoints' })) })]),
      response: { 200: listOf(EndpointSchema), ...nativeErrors() },
    },
  }, async (request) => listPage(request.query.limit,
    (limit) => service.list({
      afterId: textCursor(request.query.cursor), limit, order: request.query.order, tenantId: request.query.tenant_id,
    }, scopeFor(request), principalOf(request)),
    (e) => e.id, toWireEndpoint))

  app.get('/api/v1/endpoints/:id', {
    config: { permission: ['endpoints', 'view'], portal: true },
    schema: { operationId: 'getEndpoint', tags, summary: 'One endpoint', params: Params, response: { 200: EndpointSchema, ...nativeErrors(404) } },
  }, async (request) => toWireEndpoint(await service.get(request.params.id, scopeFor(request), principalOf(request))))

  app.patch('/api/v1/endpoints/:id', {
    config: { permission: ['endpoints', 'manage'], portal: true },
    schema: {
      operationId: 'updateEndpoint',
      tags,
      summary: 'Change some fields; "********" for a password or token keeps the stored one',
      description: 'Under endpoints.manage.own a filter.node_id or filter.channel naming someone else\'s node or integration point answers 404.',
      params: Params,
      body: withExamples(UpdateBody, updateExample),
      response: { 200: withExamples(EndpointSchema, updatedExample), ...nativeErrors(404, 409) },
    },
  }, async (request) => toWireEndpoint(
    await service.update(request.params.id, request.body as EndpointInput, scopeFor(request), principalOf(request))))

  app.delete('/api/v1/endpoints/:id', {
    config: { permission: ['endpoints', 'delete'], portal: true },
    schema: { operationId: 'deleteEndpoint', tags, summary: 'Delete an endpoint; its open deliveries are cancelled', params: Params, response: { 204: Type.Null(), ...nativeErrors(404, 409) } },
  }, async (request, reply) => {
    await service.remove(request.params.id, scopeFor(request), principalOf(request))
    return reply.code(204).send(null)
  })

  app.post('/api/v1/endpoints/:id/rotate-secret', {
    config: { permission: ['endpoints', 'manage'], portal: true },
    schema: {
      operationId: 'rotateEndpointSecret',
      tags,
      summary: 'New signing secret; the old one keeps signing beside it for 24 hours',
      params: Params,
      body: optionalBody(withExamples(Type.Object({ secret: Type.Optional(Type.String()) }, { additionalProperties: false }),
        {}, { secret: 'whsec_xZ4+Hm1wf4KsY7dY/wEfwrIE+RCTIG7H' })),
      response: {
        200: withExamples(Type.Object({ secret: Type.String(), previous_secret_valid_until: Timestamp }),
          { secret: 'whsec_xZ4+Hm1wf4KsY7dY/wEfwrIE+RCTIG7H', previous_secret_valid_until: '2026-01-03T08:30:00.000Z' }),
        ...nativeErrors(404, 409),
      },
    },
  }, async (request) => {
    const body = request.body as { secret?: string } | undefined
    const result = await service.rotateSecret(request.params.id, scopeFor(request), principalOf(request), body?.secret)
    return { secret: result.secret, previous_secret_valid_until: toTimestamp(result.previousValidUntil) }
  })

  app.get('/api/v1/endpoints/:id/secret', {
    config: { permission: ['endpoints', 'manage'], portal: true },
    schema: {
      operationId: 'getEndpointSecret',
      tags,
      summary: 'The current signing secret; needs the permission that changes the endpoint',
      params: Params,
      response: { 200: withExamples(Type.Object({ secret: Type.String() }), { secret: 'whsec_xZ4+Hm1wf4KsY7dY/wEfwrIE+RCTIG7H' }), ...nativeErrors(404) },
    },
  }, async (request) => ({ secret: await service.revealSecret(request.params.id, scopeFor(request), principalOf(request)) }))

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/api/v1/endpoints/:id/${action}`, {
      config: { permission: ['endpoints', 'manage'], portal: true },
      schema: {
        operationId: action === 'pause' ? 'pauseEndpoint' : 'resumeEndpoint',
        tags,
        summary: action === 'pause'
          ? 'Stop sending; deliveries keep accumulating'
          : 'Start sending again; accumulated deliveries drain in order',
        params: Params,
        response: { 200: withExamples(EndpointSchema, { ...endpointExample, paused: action === 'pause' }), ...nativeErrors(404, 409) },
      },
    }, async (request) => toWireEndpoint(
      await service.setPaused((request.params as { id: string }).id, action === 'pause', scopeFor(request), principalOf(request))))
  }

  app.get('/api/v1/endpoints/:id/health', {
    config: { permission: ['endpoints', 'view'], portal: true },
    schema: {
      operationId: 'getEndpointHealth',
      tags,
      summary: 'Success rate last hour and day, last 20 attempts, circuit state, backlog, next retry',
      params: Params,
      response: { 200: Health, ...nativeErrors(404) },
    },
  }, async (request) => {
    const h = await service.health(request.params.id, scopeFor(request), principalOf(request))
    return {
      endpoint_id: h.endpoint.id,
      enabled: h.endpoint.enabled,
      paused: h.endpoint.paused,
      success_rate: { last_hour: h.successRateHour, last_day: h.successRateDay },
      attempts: { last_hour: h.attemptsHour, last_day: h.attemptsDay },
      circuit: { state: h.circuit, consecutive_failures: h.consecutiveFailures },
      backlog: h.backlog,
      next_attempt_at: h.nextAttemptAt === null ? null : toTimestamp(h.nextAttemptAt),
      recent_attempts: h.recent.map((a) => ({ ...toWireAttempt(a), delivery_id: a.delivery_public_id })),
    }
  })

  app.post('/api/v1/endpoints/:id/recover', {
    config: { permission: ['deliveries', 'retry'], portal: true },
    schema: {
      operationId: 'recoverEndpoint',
      tags,
      summary: 'Queue again every failed delivery of this endpoint since a time',
      params: Params,
      body: withExamples(Type.Object({ since: Type.String({ description: 'RFC 3339 or a duration back from now (2h)' }) }, { additionalProperties: false }),
        { since: '2h' }, { since: '2026-01-02T00:00:00.000Z' }),
      response: { 202: withExamples(Type.Object({ requeued: Type.Integer() }), { requeued: 12 }), ...nativeErrors(404) },
    },
  }, async (request, reply) => {
    const since = parseSince(request.body.since, Date.now()) as number
    const requeued = await service.recover(request.params.id, since, scopeFor(request), principalOf(request))
    return reply.code(202).send({ requeued })
  })
}
