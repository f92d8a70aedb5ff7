import { randomBytes, randomUUID } from 'node:crypto'
import type { EndpointInput, EndpointService } from '../../core/endpoint-service.ts'
import { inScope, type Scope } from '../../core/permissions.ts'
import type { SecretBox } from '../../core/secret-box.ts'
import type { SourceInput, SourceService } from '../../core/source-service.ts'
import type { Principal } from '../../core/user-service.ts'
import { addProblem, conflict, notFound, validationFailed, withFieldNames } from '../../core/errors.ts'
import { isUniqueViolation } from '../../storage/database.ts'
import type { IntegrationPointRepository, IntegrationPointRow } from '../../storage/integration-point-repository.ts'
import { MASK } from './mapping.ts'
import { applyMask, flatten, parseFilter, parseFlat, parseMask, parseOrder, parseWindow } from './query.ts'
import { toEntity } from './mapping.ts'

export const OWNER = 'incoplax'
/** Where an integration point, and so its endpoint, is changed. */
export const ownerRoute = (id: string) => `/rest/v1/service/integration_points/${id}`
export const MESSAGE_TYPE = 'integration_point.message'
const TOKEN_CONTEXT = 'integration_points.token'
const STRING_FIELDS = ['type', 'url', 'recv_svcscriptcode', 'recv_svcscriptcode_ws', 'send_svcscriptcode', 'send_svcscriptcode_ws', 'token_remote', 'token_remote2'] as const
const OPTS = { title: 'string', comment: 'string', allow_files_api: 'boolean', issync: 'boolean', recv_timeout: 'integer' } as const
/** Read-only on the wire: ext is the hub's own bookkeeping. */
const IGNORED = new Set(['ext'])
/** The seed's token_local: 32 hex characters. */
const TOKEN_LOCAL = /^[0-9a-f]{32}$/i
/** Rows read per query of a list. */
const LIST_PAGE_SIZE = 100

export interface ListParams { filter?: string; mask?: string; offset?: string; limit?: string; order?: string; flat?: string }

type Body = Record<string, unknown>

/** Checks an entity body field by field; `creating` makes code and type required. */
function validateBody (input: unknown, creating: boolean): Body {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw validationFailed({ body: ['must be a JSON object'] })
  const body = input as Body
  const fields: Record<string, string[]> = {}
  // Keys are the client's ("__proto__" included).
  const add = (field: string, message: string) => addProblem(fields, field, message)
  const known = new Set<string>(['id', 'code', 'token_local', 'opts', ...STRING_FIELDS])
  for (const key of Object.keys(body)) if (!known.has(key) && !IGNORED.has(key)) add(key, 'is not a field of integration_point')
  // Required on create; once there, they can be changed but never blanked.
  for (const field of ['code', 'type'] as const) {
    if (creating ? (typeof body[field] !== 'string' || (body[field] as string).trim() === '') : (typeof body[field] === 'string' && (body[field] as string).trim() === '')) {
      add(field, 'is required')
    }
  }
  if (body.code !== undefined && (typeof body.code !== 'string' || body.code.length > 255)) add('code', 'must be a string of at most 255 characters')
  if (body.id !== undefined && (typeof body.id !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(body.id))) add('id', 'must be 1 to 64 letters, digits or dashes')
  if (body.token_local !== undefined && (typeof body.token_local !== 'string' || !TOKEN_LOCAL.test(body.token_local))) add('token_local', 'must be 32 hex characters')
  for (const field of STRING_FIELDS) {
    if (body[field] !== undefined && (typeof body[field] !== 'string' || (body[field] as string).length > 2048)) add(field, 'must be a string')
  }
  if (typeof body.url === 'string' && body.url !== '' && !/^https?:\/\/[^/\s]+/i.test(body.url)) add('url', 'must be "" or an absolute http or https URL')
  if (body.opts !== undefined) {
    if (typeof body.opts !== 'object' || body.opts === null || Array.isArray(body.opts)) {
      add('opts', 'must be an object')
    } else {
      for (const [key, value] of Object.entries(body.opts as Body)) {
        const kind = Object.hasOwn(OPTS, key) ? OPTS[key as keyof typeof OPTS] : undefined
        if (!kind) add(`opts.${key}`, 'is not an option')
        else if (kind === 'integer' ? !(Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 60_000) : typeof value !== kind) {
          add(`opts.${key}`, kind === 'integer' ? 'must be an integer from 100 to 60000 (ms)' : `must be a ${kind}`)
        }
      }
    }
  }
  if (Object.keys(fields).length > 0) throw validationFailed(fields)
  return body
}

type Deps = {
  points: IntegrationPointRepository
  endpoints: Pick<EndpointService, 'create' | 'updateOwned' | 'removeOwned'>
  sources: Pick<SourceService, 'create' | 'update' | 'removeOwned'>
  secrets: Pick<SecretBox, 'seal' | 'open'>
  clock: () => number
}

/**
 * Integration points are two-way channels: a source keyed by token_local takes messages in,
 * and an endpoint (when `url` is set) delivers the point's messages and every event of its
 * channel (the point's code) out.
 */
export function createIntegrationPointService ({ points, endpoints, sources, secrets, clock }: Deps) {
  const seal = (value: string) => (value === '' ? '' : secrets.seal(value, TOKEN_CONTEXT))
  const open = (value: string) => (value === '' ? '' : secrets.open(value, TOKEN_CONTEXT))

  async function findVisible (id: string, scope: Scope, actor: Principal): Promise<IntegrationPointRow> {
    const row = await points.findById(id)
    if (!row || !inScope(row, scope, actor.id)) throw notFound('Integration point')
    return row
  }

  const endpointInput = (row: Pick<IntegrationPointRow, 'url' | 'code'>): EndpointInput => ({
    url: row.url, method: 'POST', format: 'raw', filter: { types: ['*'], channel: row.code },
  })

  /** The point's inbound side: answered `{}`, or with `opts.issync` relayed at once to its url. */
  const sourceInput = (
    row: Pick<IntegrationPointRow, 'code' | 'endpoint_id' | 'opts_issync' | 'opts_recv_timeout'>, tokenRemote: string,
  ): SourceInput => ({
    name: `integration point ${row.code}`,
    verify: tokenRemote === '' ? 'none' : 'token',
    secret: tokenRemote === '' ? null : tokenRemote,
    event_type: MESSAGE_TYPE,
    channel: row.code,
    any_body: true,
    ack_body: {},
    relay: row.opts_issync === 1 && row.endpoint_id ? { endpoint_id: row.endpoint_id, timeout_ms: row.opts_recv_timeout } : null,
  })

  /** Whatever the endpoint finds wrong (SSRF, scheme) is wrong with the point's url. */
  const asPointFields = <T>(body: () => Promise<T>) => withFieldNames(() => 'url', body)

  function duplicateAsConflict (err: unknown): never {
    if (isUniqueViolation(err)) throw conflict('An integration point with this code, id or token_local already exists', { field: 'code' })
    throw err
  }

  return {
    async create (input: unknown, actor: Principal) {
      const body = validateBody(input, true)
      const opts = (body.opts ?? {}) as Body
      const now = clock()
      const id = (body.id as string | undefined) ?? randomUUID()
      // Kept when given (the seed's clients look their points up by it), else generated.
      const tokenLocal = (body.token_local as string | undefined) ?? randomBytes(16).toString('hex')
      const code = (body.code as string).trim()
      const tokenRemote = (body.token_remote as string | undefined) ?? ''
      const str = (field: string) => (body[field] as string | undefined) ?? ''
      if (await points.findById(id)) throw conflict('An integration point with this id already exists', { field: 'id' })
      if (body.token_local !== undefined && await points.findByTokenLocal(tokenLocal)) {
        throw conflict('An integration point with this token_local already exists', { field: 'token_local' })
      }
      const url = str('url')
      const endpoint = url === '' ? null : await asPointFields(() => endpoints.create(endpointInput({ url, code }), { userId: actor.id, dialect: OWNER, ownerId: id }))
      let source: Awaited<ReturnType<typeof sources.create>> | undefined
      const inbound = sourceInput({
        code,
        endpoint_id: endpoint?.endpoint.id ?? null,
        opts_issync: opts.issync ? 1 : 0,
        opts_recv_timeout: (opts.recv_timeout as number | undefined) ?? 5000,
      }, tokenRemote)
      try {
        source = await sources.create({ ...inbound, token: tokenLocal }, { userId: actor.id, dialect: OWNER, ownerId: id })
        const row = await points.insert({
          id,
          code,
          type: str('type').trim(),
          token_local: tokenLocal,
          token_remote: seal(tokenRemote),
          token_remote2: seal(str('token_remote2')),
          url,
          recv_svcscriptcode: str('recv_svcscriptcode'),
          recv_svcscriptcode_ws: str('recv_svcscriptcode_ws'),
          send_svcscriptcode: str('send_svcscriptcode'),
          send_svcscriptcode_ws: str('send_svcscriptcode_ws'),
          opts_title: (opts.title as string | undefined) ?? '',
          opts_comment: (opts.comment as string | undefined) ?? '',
          opts_allow_files_api: opts.allow_files_api ? 1 : 0,
          opts_issync: opts.issync ? 1 : 0,
          opts_recv_timeout: (opts.recv_timeout as number | undefined) ?? 5000,
          endpoint_id: endpoint?.endpoint.id ?? null,
          source_id: source.id,
          user_id: actor.id,
          created_at: now,
          updated_at: now,
        })
        return { row, echo: { token_remote: tokenRemote, token_remote2: str('token_remote2') } }
      } catch (err) {
        // Nothing half-made stays behind when the code is taken.
        if (endpoint) await endpoints.removeOwned(endpoint.endpoint.id)
        if (source) await sources.removeOwned(source.id)
        duplicateAsConflict(err)
      }
    },

    async get (id: string, scope: Scope, actor: Principal, params: Pick<ListParams, 'mask' | 'flat'>) {
      const mask = parseMask(params.mask)
      const flat = parseFlat(params.flat)
      const entity = applyMask(toEntity(await findVisible(id, scope, actor)), mask)
      return flat ? flatten(entity) : entity
    },

    /**
     * The matching entities, page by page as they are read. The parameters are checked here, at
     * once; the rows only as the pages are taken.
     */
    list (params: ListParams, scope: Scope, actor: Principal): AsyncGenerator<Record<string, unknown>[]> {
      const mask = parseMask(params.mask)
      const flat = parseFlat(params.flat)
      const query = {
        filters: parseFilter(params.filter),
        order: parseOrder(params.order),
        ...parseWindow(params.offset, params.limit),
        userId: scope === 'own' ? actor.id : undefined,
      }
      const present = (row: IntegrationPointRow) => {
        const entity = applyMask(toEntity(row), mask)
        return flat ? flatten(entity) : entity
      }
      return (async function * () {
        for await (const page of points.pages(query, LIST_PAGE_SIZE)) yield page.map(present)
      })()
    },

    async patch (id: string, input: unknown, scope: Scope, actor: Principal) {
      const row = await findVisible(id, scope, actor)
      const body = validateBody(input, false)
      for (const field of ['id', 'token_local'] as const) {
        if (body[field] !== undefined && body[field] !== row[field]) throw validationFailed({ [field]: ['may not be changed'] })
      }
      const opts = (body.opts ?? {}) as Body
      const next = {
        code: typeof body.code === 'string' ? body.code.trim() : row.code,
        url: typeof body.url === 'string' ? body.url : row.url,
      }
      // "********" stands for the stored token.
      const remote = (field: 'token_remote' | 'token_remote2') =>
        body[field] === undefined || body[field] === MASK ? undefined : body[field] as string
      const tokenRemote = remote('token_remote')
      // Checked before the endpoint follows the new code or url, so that a refused change changes nothing.
      if (next.code !== row.code && await points.findByCode(next.code)) {
        throw conflict('An integration point with this code already exists', { field: 'code' })
      }
      let endpointId = row.endpoint_id
      if (next.url !== row.url || next.code !== row.code) {
        if (next.url === '') {
          if (endpointId) await endpoints.removeOwned(endpointId)
          endpointId = null
        } else if (endpointId) {
          await asPointFields(() => endpoints.updateOwned(endpointId as string, endpointInput(next)))
        } else {
          endpointId = (await asPointFields(() => endpoints.create(endpointInput(next), { userId: row.user_id, dialect: OWNER, ownerId: id }))).endpoint.id
        }
      }
      let updated: IntegrationPointRow | undefined
      try {
        updated = await points.update(id, {
          code: next.code,
          url: next.url,
          endpoint_id: endpointId,
          ...(typeof body.type === 'string' && { type: body.type.trim() }),
          ...(tokenRemote !== undefined && { token_remote: seal(tokenRemote) }),
          ...(remote('token_remote2') !== undefined && { token_remote2: seal(remote('token_remote2') as string) }),
          ...Object.fromEntries((['recv_svcscriptcode', 'recv_svcscriptcode_ws', 'send_svcscriptcode', 'send_svcscriptcode_ws'] as const)
            .filter((f) => typeof body[f] === 'string').map((f) => [f, body[f]])),
          ...(opts.title !== undefined && { opts_title: opts.title as string }),
          ...(opts.comment !== undefined && { opts_comment: opts.comment as string }),
          ...(opts.allow_files_api !== undefined && { opts_allow_files_api: opts.allow_files_api ? 1 : 0 }),
          ...(opts.issync !== undefined && { opts_issync: opts.issync ? 1 : 0 }),
          ...(opts.recv_timeout !== undefined && { opts_recv_timeout: opts.recv_timeout as number }),
          updated_at: clock(),
        })
      } catch (err) {
        duplicateAsConflict(err)
      }
      if (!updated) throw notFound('Integration point')
      await sources.update(row.source_id, sourceInput(updated, tokenRemote ?? open(updated.token_remote)))
      return {
        row: updated,
        echo: {
          ...(tokenRemote !== undefined && { token_remote: tokenRemote }),
          ...(remote('token_remote2') !== undefined && { token_remote2: remote('token_remote2') }),
        },
      }
    },

    async remove (id: string, scope: Scope, actor: Principal) {
      const row = await findVisible(id, scope, actor)
      if (row.endpoint_id) await endpoints.removeOwned(row.endpoint_id)
      await sources.removeOwned(row.source_id)
      await points.delete(id)
    },

    async lookup (key: unknown, scope: Scope, actor: Principal): Promise<string[]> {
      if (typeof key !== 'string' || key === '') throw validationFailed({ body: ['must be a JSON string: an id, a code or a token_local'] })
      return points.lookup(key, scope === 'own' ? actor.id : undefined)
    },
  }
}

export type IntegrationPointService = ReturnType<typeof createIntegrationPointService>
