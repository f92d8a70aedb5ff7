import { Readable } from 'node:stream'
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify'
import { Type } from 'typebox'
import { principalOf, scopeFor } from '../../http/auth.ts'
import { errorResponses } from '../../http/error-responses.ts'
import { HookhubError, validationFailed, WireError } from '../../core/errors.ts'
import { jsonArray } from '../../http/json-array.ts'
import { isLookup, LOOKUP_CARRIER } from '../../http/lookup-method.ts'
import { withExamples } from '../../http/native-schemas.ts'
import { toEntity } from './mapping.ts'
import { MAX_LIMIT } from './query.ts'
import type { IntegrationPointService, ListParams } from './service.ts'

const BASE = '/rest/v1/service/integration_points'
const tags = ['integration points (Incoplax)']

// Bodies and query strings are checked by the service, field by field, to name the field in
// Incoplax's error shape; these schemas document the API.
const checkedByService: FastifySchemaCompiler<unknown> = () => () => true

const Opts = Type.Object({
  title: Type.String(),
  comment: Type.String(),
  allow_files_api: Type.Boolean(),
  issync: Type.Boolean({ description: 'true: inbound calls are relayed synchronously to url' }),
  recv_timeout: Type.Integer({ description: 'ms, for synchronous relays' }),
})

// Examples are the seed's own; hookhub's entities also carry opts.recv_timeout, which the
// seed's examples leave out.
const seedEntity = {
  id: 'b4680fbe-016c-d86f-1d6b-50e54938780c',
  code: 'ABCDE',
  type: 'public',
  token_local: '82ddc7c68623726346a78371173e2f8d',
  token_remote: '',
  token_remote2: '',
  url: 'http://trapper.com',
  recv_svcscriptcode: 'ws_hook',
  recv_svcscriptcode_ws: '',
  send_svcscriptcode: 'send_to_web',
  send_svcscriptcode_ws: '',
  opts: {
    title: '',
    comment: '',
    allow_files_api: false,
    issync: false,
  },
  ext: {
    ct: '2019-08-28T13:34:16.42Z',
    lwt: '2019-08-28T13:34:16.42Z',
  },
}
const entityExample = { ...seedEntity, opts: { ...seedEntity.opts, recv_timeout: 5000 } }
const patchExample = { token_remote: '00ea293c29f9dc30' }
const patchedExample = { ...entityExample, ...patchExample, ext: { ...entityExample.ext, lwt: '2019-09-10T12:49:25.17Z' } }
const createExample = {
  code: 'ABCDE', type: 'public', url: 'http://trapper.com', recv_svcscriptcode: 'ws_hook', send_svcscriptcode: 'send_to_web',
}

const Entity = Type.Object({
  id: Type.String(),
  code: Type.String(),
  type: Type.String({ description: 'e.g. public, telegram' }),
  token_local: Type.String({ description: '32 hex; kept when given on create, generated when absent; the inbound URL is /hooks/<token_local>' }),
  token_remote: Type.String({ description: 'echoed by the write that sets it, ******** on reads' }),
  token_remote2: Type.String(),
  url: Type.String({ description: 'where the point delivers; "" for none' }),
  recv_svcscriptcode: Type.String(),
  recv_svcscriptcode_ws: Type.String(),
  send_svcscriptcode: Type.String(),
  send_svcscriptcode_ws: Type.String(),
  opts: Opts,
  ext: Type.Object({ ct: Type.String(), lwt: Type.String() }),
})

const EntityInput = Type.Partial(Type.Object({ ...Entity.properties, opts: Type.Partial(Opts) }))
const CreatedEntity = withExamples(Entity, entityExample)
/** Masked or flattened entities keep only some keys: the response is free-form. */
const AnyEntity = Type.Record(Type.String(), Type.Unknown(), { description: 'the entity, or the masked / flattened part of it' })

export const IncoplaxError = withExamples(Type.Object({ error_code: Type.Integer(), error_message: Type.String() }, { $id: 'IncoplaxError' }),
  { error_code: 1404, error_message: 'Lookup failed' })
const incoplaxErrors = (...statuses: number[]) => errorResponses('IncoplaxError', 404, ...statuses)

const ListQuery = Type.Object({
  filter: Type.Optional(Type.String({ description: 'JSON object: {"code":"ABC","opts.issync":true,"type":["public","telegram"]}; {"opts":{"issync":true}} = {"opts.issync":true}' })),
  mask: Type.Optional(Type.String({ description: 'comma-separated fields, e.g. id,code,opts.title' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_LIMIT, description: 'absent: every match' })),
  order: Type.Optional(Type.String({ description: 'JSON array: ["code", "-type", {"ext.ct": "DESC", "id": "asc"}], or text: code,-type' })),
  flat: Type.Optional(Type.Boolean({ description: 'nested objects as dotted keys' })),
})

type WithId = { Params: { id: string } }

/**
 * The query parameters as the service reads them: one text each. The schema is not applied
 * (the service names bad fields itself), so a repeated parameter (?mask=a&mask=b), which
 * arrives as an array, is refused here.
 */
function listParams (query: unknown): ListParams {
  const repeated = Object.entries(query as Record<string, unknown>).filter(([, value]) => typeof value !== 'string').map(([key]) => key)
  if (repeated.length > 0) throw validationFailed(Object.fromEntries(repeated.map((key) => [key, ['must be given once']])))
  return query as ListParams
}
const config = (action: 'view' | 'create' | 'manage' | 'delete') =>
  ({ dialect: 'incoplax', permission: ['integration_points', action] as ['integration_points', typeof action] })

export function incoplaxRoutes (service: IntegrationPointService) {
  return async (app: FastifyInstance) => {

    app.post(BASE, {
      config: config('create'),
      validatorCompiler: checkedByService,
      schema: {
        operationId: 'incoplaxCreatePoint',
        tags,
        summary: 'Create an integration point',
        body: withExamples(EntityInput, createExample),
        response: { 200: CreatedEntity, ...incoplaxErrors(409) },
      },
    }, async (request) => {
      const { row, echo } = await service.create(request.body, principalOf(request))
      return toEntity(row, echo)
    })

    app.get(BASE, {
      config: config('view'),
      validatorCompiler: checkedByService,
      schema: {
        operationId: 'incoplaxListPoints',
        tags,
        summary: 'List integration points with filter, mask, order, offset, limit, flat',
        querystring: ListQuery,
        response: {
          200: withExamples(Type.Array(AnyEntity),
            [entityExample, { ...entityExample, id: 'a188288e-016c-d86f-cd99-50e54938780c', code: '902', type: 'telegram', ext: { ct: '2019-08-28T13:35:01.52Z', lwt: '2019-08-28T13:35:01.52Z' } }],
            [{ id: entityExample.id, code: 'ABCDE', opts: { title: '' } }]),
          ...incoplaxErrors(),
        },
      },
    }, async (request, reply) => {
      const pages = service.list(listParams(request.query), scopeFor(request), principalOf(request))
      // Written as it is read: a list without limit can be long.
      return reply.type('application/json; charset=utf-8').send(Readable.from(jsonArray(pages)))
    })

    app.route({
      method: LOOKUP_CARRIER,
      url: BASE,
      config: config('view'),
      validatorCompiler: checkedByService,
      schema: {
        operationId: 'incoplaxLookupPoint',
        tags,
        summary: 'LOOKUP: ids of the points whose id, code or token_local is the JSON string sent (also POST with X-HTTP-Method-Override: LOOKUP)',
        // OpenAPI has no LOOKUP method; the README and this summary document it.
        hide: true,
        body: withExamples(Type.String({ description: 'e.g. "82ddc7c68623726346a78371173e2f8d"' }), '82ddc7c68623726346a78371173e2f8d'),
        response: { 200: withExamples(Type.Array(Type.String()), ['b4680fbe-016c-d86f-1d6b-50e54938780c']), ...incoplaxErrors() },
      },
      handler: async (request, reply) => {
        if (!isLookup(request.raw)) {
          reply.header('allow', 'GET, HEAD, POST, LOOKUP')
          throw new HookhubError('HOOKHUB_METHOD_NOT_ALLOWED', [request.method, BASE], { allow: ['GET', 'HEAD', 'POST', 'LOOKUP'] })
        }
        const ids = await service.lookup(request.body, scopeFor(request), principalOf(request))
        if (ids.length === 0) throw new WireError(404, { error_code: 1404, error_message: 'Lookup failed' })
        return reply.send(ids)
      },
    })

    app.get<WithId>(`${BASE}/:id`, {
      config: config('view'),
      validatorCompiler: checkedByService,
      schema: {
        operationId: 'incoplaxGetPoint',
        tags,
        summary: 'One integration point (mask, flat)',
        params: Type.Object({ id: Type.String() }),
        querystring: Type.Pick(ListQuery, ['mask', 'flat']),
        response: { 200: withExamples(AnyEntity, entityExample, { id: entityExample.id, 'opts.title': '', 'opts.issync': false }), ...incoplaxErrors() },
      },
    }, async (request) => service.get(request.params.id, scopeFor(request), principalOf(request), listParams(request.query)))

    app.patch<WithId>(`${BASE}/:id`, {
      config: config('manage'),
      validatorCompiler: checkedByService,
      schema: {
        operationId: 'incoplaxUpdatePoint',
        tags,
        summary: 'Change fields of an integration point (not id, not token_local)',
        params: Type.Object({ id: Type.String() }),
        body: withExamples(EntityInput, patchExample),
        response: { 200: withExamples(Entity, patchedExample), ...incoplaxErrors(409) },
      },
    }, async (request) => {
      const { row, echo } = await service.patch(request.params.id, request.body, scopeFor(request), principalOf(request))
      return toEntity(row, echo)
    })

    app.delete<WithId>(`${BASE}/:id`, {
      config: config('delete'),
      schema: { operationId: 'incoplaxDeletePoint', tags, summary: 'Delete an integration point, its inbound URL and its delivery target', params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), ...incoplaxErrors() } },
    }, async (request, reply) => {
      await service.remove(request.params.id, scopeFor(request), principalOf(request))
      return reply.code(204).send(null)
    })
  }
}
