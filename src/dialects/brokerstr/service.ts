import { randomUUID } from 'node:crypto'
import type { EndpointInput, EndpointService } from '../../core/endpoint-service.ts'
import type { NodeService } from '../../core/node-service.ts'
import { inScope, type Scope } from '../../core/permissions.ts'
import type { Principal } from '../../core/user-service.ts'
import { notFound, validationFailed, withFieldNames } from '../../core/errors.ts'
import type { DistributorRepository, DistributorRow } from '../../storage/distributor-repository.ts'
import { AUTH_BASIC, AUTH_TOKEN, HTTP_METHODS, MASK, type StoredMeta } from './mapping.ts'

export const OWNER = 'brokerstr'
/** Where a distributor, and so its endpoint, is changed. */
export const ownerRoute = (id: string) => `/api/v1/integration/distributors/${id}`

export interface MetaInput {
  host: string
  path: string
  method?: number
  authentication?: { type?: number; username?: string; password?: string; token?: string }
}

/** Meta that passed checkMeta: an authentication has its type. */
type CheckedMeta = MetaInput & { authentication?: { type: number } }

/** Endpoint fields a distributor's errors are reported under, in Brokerstr's names. */
const FIELD_NAMES: Record<string, string> = {
  url: 'meta.host',
  auth: 'meta.authentication',
  'auth.username': 'meta.authentication.username',
  'auth.password': 'meta.authentication.password',
  'auth.token': 'meta.authentication.token',
  method: 'meta.method',
}

/** `stored`: whether a password or token is stored that "********" could stand for. */
function checkMeta (meta: MetaInput, stored = false): asserts meta is CheckedMeta {
  const fields: Record<string, string[]> = {}
  const add = (field: string, message: string) => { (fields[field] ??= []).push(message) }
  if (!/^https?:\/\/[^/\s]+/i.test(meta.host)) add('meta.host', 'must be an absolute http or https URL, e.g. https://example.com')
  if (meta.method !== undefined && !HTTP_METHODS[meta.method]) add('meta.method', 'must be 1 (GET), 2 (POST), 3 (PUT), 4 (PATCH) or 5 (DELETE)')
  const auth = meta.authentication
  if (auth && !stored) {
    if (auth.password === MASK) add('meta.authentication.password', 'is "********" but no password is stored')
    if (auth.token === MASK) add('meta.authentication.token', 'is "********" but no token is stored')
  }
  if (auth) {
    if (auth.type === AUTH_BASIC) {
      if (!auth.username) add('meta.authentication.username', 'is required when type is 1 (Basic)')
      if (!auth.password) add('meta.authentication.password', 'is required when type is 1 (Basic)')
    } else if (auth.type === AUTH_TOKEN) {
      if (!auth.token) add('meta.authentication.token', 'is required when type is 2 (Token)')
    } else if (auth.type === undefined) {
      add('meta.authentication.type', 'is required when both username/password and token are given')
    } else {
      add('meta.authentication.type', 'must be 1 (Basic) or 2 (Token)')
    }
  }
  if (Object.keys(fields).length > 0) throw validationFailed(fields)
}

/**
 * `type` is not required (seed: "Hayır"): the credentials say which kind is meant, and an
 * authentication without any means none. Both kinds at once stay without a type for checkMeta.
 */
function withAuthenticationType (meta: MetaInput): MetaInput {
  const auth = meta.authentication
  if (!auth || auth.type !== undefined) return meta
  const basic = auth.username !== undefined || auth.password !== undefined
  const token = auth.token !== undefined
  if (!basic && !token) {
    const { authentication: _none, ...rest } = meta
    return rest
  }
  return basic && token ? meta : { ...meta, authentication: { ...auth, type: basic ? AUTH_BASIC : AUTH_TOKEN } }
}

const joinUrl = (host: string, path: string) => `${host.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`

function endpointInput (nodeUuid: string, meta: MetaInput): EndpointInput {
  const auth = meta.authentication
  return {
    url: joinUrl(meta.host, meta.path),
    method: HTTP_METHODS[meta.method ?? 2],
    auth: !auth ? { type: 'none' }
      : auth.type === AUTH_BASIC ? { type: 'basic', username: auth.username, password: auth.password }
        : { type: 'bearer', token: auth.token },
    format: 'standard',
    filter: { types: ['*'], node_id: nodeUuid },
  }
}

/** Endpoint validation speaks of url and auth; Brokerstr clients sent meta.host and meta.authentication. */
const renamingFields = <T>(body: () => Promise<T>) => withFieldNames((field) => FIELD_NAMES[field] ?? field, body)

const storedMeta = (meta: CheckedMeta): StoredMeta => ({
  host: meta.host,
  path: meta.path,
  method: meta.method ?? 2,
  ...(meta.authentication && {
    authentication: { type: meta.authentication.type, ...(meta.authentication.username !== undefined && { username: meta.authentication.username }) },
  }),
})

type Deps = {
  distributors: DistributorRepository
  endpoints: Pick<EndpointService, 'create' | 'updateOwned' | 'removeOwned'>
  nodes: Pick<NodeService, 'find'>
  clock: () => number
}

/** Distributors are outbound webhooks of a node: each with a `meta` owns one node-scoped endpoint. */
export function createDistributorService ({ distributors, endpoints, nodes, clock }: Deps) {
  async function findVisible (id: string, scope: Scope, actor: Principal): Promise<DistributorRow> {
    const row = await distributors.findById(id)
    if (!row || !inScope(row, scope, actor.id)) throw notFound('Distributor')
    return row
  }

  const secretsOf = (meta: MetaInput | null | undefined) =>
    meta?.authentication ? { password: meta.authentication.password, token: meta.authentication.token } : undefined

  return {
    /** Under `.own` the node must be the caller's too: its events are what the distributor sends out. */
    async create (nodeUuid: string, input: MetaInput | null | undefined, scope: Scope, actor: Principal) {
      await nodes.find(nodeUuid, { scope, actor })
      const meta = input && withAuthenticationType(input)
      if (meta) checkMeta(meta)
      const id = randomUUID()
      const endpoint = meta
        ? await renamingFields(() => endpoints.create(endpointInput(nodeUuid, meta), { userId: actor.id, dialect: OWNER, ownerId: id }))
        : null
      const now = clock()
      const row = await distributors.insert({
        id,
        node_uuid: nodeUuid,
        meta: meta ? JSON.stringify(storedMeta(meta)) : null,
        endpoint_id: endpoint?.endpoint.id ?? null,
        user_id: actor.id,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      // The seed's create response echoes the credentials; reads mask them.
      return { row, secrets: secretsOf(meta) }
    },

    async list (nodeUuid: string, page: number, perPage: number, scope: Scope, actor: Principal) {
      await nodes.find(nodeUuid)
      return distributors.listByNode(nodeUuid, (page - 1) * perPage, perPage, scope === 'own' ? actor.id : undefined)
    },

    get: findVisible,

    /** PUT: the same body as create; `"meta": null` removes the webhook and its deliveries stop. */
    async replace (id: string, input: MetaInput | null, scope: Scope, actor: Principal) {
      const row = await findVisible(id, scope, actor)
      const meta = input && withAuthenticationType(input)
      if (meta) checkMeta(meta, row.endpoint_id !== null)
      let endpointId = row.endpoint_id
      if (meta === null) {
        if (endpointId) await endpoints.removeOwned(endpointId)
        endpointId = null
      } else if (endpointId) {
        await renamingFields(() => endpoints.updateOwned(endpointId as string, endpointInput(row.node_uuid, meta)))
      } else {
        const created = await renamingFields(() => endpoints.create(endpointInput(row.node_uuid, meta), { userId: row.user_id, dialect: OWNER, ownerId: id }))
        endpointId = created.endpoint.id
      }
      const updated = await distributors.update(id, {
        meta: meta ? JSON.stringify(storedMeta(meta)) : null, endpoint_id: endpointId, updated_at: clock(),
      })
      if (!updated) throw notFound('Distributor')
      return updated
    },

    async remove (id: string, scope: Scope, actor: Principal) {
      const row = await findVisible(id, scope, actor)
      if (row.endpoint_id) await endpoints.removeOwned(row.endpoint_id)
      await distributors.update(id, { deleted_at: clock(), updated_at: clock() })
    },

    /** A deleted node subtree takes its distributors with it; their waiting deliveries are cancelled. */
    async removeForNodes (nodeUuids: string[]) {
      for (const row of await distributors.listByNodes(nodeUuids)) {
        if (row.endpoint_id) await endpoints.removeOwned(row.endpoint_id)
        await distributors.update(row.id, { deleted_at: clock(), updated_at: clock() })
      }
    },
  }
}

export type DistributorService = ReturnType<typeof createDistributorService>
