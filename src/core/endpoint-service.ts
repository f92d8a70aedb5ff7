import { addProblem, notFound, ownedByDialect, validationFailed } from './errors.ts'
import { compilePayloadFilter } from './filters.ts'
import type { DeliveryRepository } from '../storage/delivery-repository.ts'
import type { EndpointQuery, EndpointRepository, EndpointRow } from '../storage/endpoint-repository.ts'
import { newId } from './ids.ts'
import type { CheckOwnNames } from './owner-scope.ts'
import { PAYLOAD_FORMATS, type PayloadFormat } from './payload-formats.ts'
import { inScope, type Scope } from './permissions.ts'
import type { SecretBox } from './secret-box.ts'
import { generateSigningSecret, isSigningSecret } from './signing.ts'
import { HEADER_MASK } from './sensitive-headers.ts'
import { isBlockedUrl } from './ssrf-guard.ts'
import { transformOf, type Transform, type Transforms } from './transforms.ts'
import { inTenant, tenantFilter } from './tenant-scope.ts'
import type { TenantRepository } from '../storage/tenant-repository.ts'
import { brokerKindOf, brokerUrlProblems, joinUrlPassword, splitUrlPassword, URL_PASSWORD_MASK } from '../destinations/broker-url.ts'
import type { Principal } from './user-service.ts'

export const MASK = '********'
export const ROTATION_OVERLAP_MS = 24 * 3_600_000
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
/** Headers hookhub sets itself; an endpoint cannot override them (User-Agent it may). */
const RESERVED_HEADERS = /^(host|content-length|content-type|transfer-encoding|connection|webhook-(id|timestamp|signature))$/i
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/
/** CR or LF could split a request header and NUL ends a C string: no target may hold them. */
export const LINE_BREAK_OR_NUL = /[\r\n\0]/
export const NO_LINE_BREAK_OR_NUL = 'must not contain CR, LF or NUL'
const AUTH_CONTEXT = 'endpoints.auth'
const HEADERS_CONTEXT = 'endpoints.headers'
const SECRET_CONTEXT = 'endpoints.secret'
const URL_PASSWORD_CONTEXT = 'endpoints.url_password'

export interface EndpointAuth {
  type: 'none' | 'basic' | 'bearer' | 'query'
  username?: string
  password?: string
  token?: string
  /** Query parameter that carries the token (type query); default "token". */
  param?: string
}

export interface EndpointInput {
  url?: string
  method?: string
  headers?: Record<string, string>
  auth?: EndpointAuth
  secret?: string
  format?: PayloadFormat
  filter?: { types?: string[]; node_id?: string | null; channel?: string | null; payload?: unknown }
  enabled?: boolean
  paused?: boolean
  rate_limit_per_s?: number | null
  max_in_flight?: number | null
  ordering?: 'none' | 'fifo'
  /** null removes it; `enabled` defaults to true. */
  transform?: { code: string; enabled?: boolean } | null
}

export interface Endpoint {
  id: string
  url: string
  method: string
  headers: Record<string, string>
  auth: EndpointAuth
  format: PayloadFormat
  filter: { types: string[]; nodeId: string | null; channel: string | null; payload: unknown }
  enabled: boolean
  paused: boolean
  disabledReason: string | null
  rateLimitPerS: number | null
  maxInFlight: number | null
  ordering: 'none' | 'fifo'
  owner: { dialect: string; id: string } | null
  userId: number | null
  tenantId: string | null
  consecutiveFailures: number
  circuitOpenUntil: number | null
  transform: Transform | null
  createdAt: number
  updatedAt: number
}

/** Signing material of an endpoint: the current secret first, the previous one while it overlaps. */
export interface SigningSecrets {
  current: string
  previous: string | null
}

type Deps = {
  endpoints: EndpointRepository
  transforms: Pick<Transforms, 'check'>
  tenants: Pick<TenantRepository, 'exists'>
  /** Throws when a node or channel belongs to someone other than the user (see CheckOwnNames). */
  checkOwnNames: CheckOwnNames
  deliveries: Pick<DeliveryRepository, 'backlog' | 'attemptStats' | 'recentAttempts' | 'requeueFailed'>
  secrets: Pick<SecretBox, 'seal' | 'open' | 'sealJson' | 'openJson'>
  notify: () => Promise<void>
  allowPrivateNetworks: boolean
  /** Per owning dialect, the route its clients change an owned endpoint through. */
  ownerRoutes: Readonly<Record<string, (ownerId: string) => string>>
  clock: () => number
}

export function createEndpointService ({ endpoints, transforms, tenants, checkOwnNames, deliveries, secrets, notify, allowPrivateNetworks, ownerRoutes, clock }: Deps) {
  function toEndpoint (row: EndpointRow): Endpoint {
    return {
      id: row.id,
      url: row.url,
      method: row.method,
      headers: openHeaders(row.headers, secrets),
      auth: row.auth === null ? { type: 'none' } : secrets.openJson<EndpointAuth>(row.auth, AUTH_CONTEXT),
      format: row.format as PayloadFormat,
      filter: {
        types: JSON.parse(row.filter_types) as string[], nodeId: row.filter_node_id, channel: row.filter_channel,
        payload: row.filter_payload === null ? null : JSON.parse(row.filter_payload),
      },
      enabled: row.enabled === 1,
      paused: row.paused === 1,
      disabledReason: row.disabled_reason,
      rateLimitPerS: row.rate_limit_per_s,
      maxInFlight: row.max_in_flight,
      ordering: row.ordering as 'none' | 'fifo',
      owner: row.owner_dialect && row.owner_id ? { dialect: row.owner_dialect, id: row.owner_id } : null,
      userId: row.user_id,
      tenantId: row.tenant_id,
      consecutiveFailures: row.consecutive_failures,
      // Only while open: a past cooldown holds nothing back.
      circuitOpenUntil: row.circuit_open_until !== null && row.circuit_open_until > clock() ? row.circuit_open_until : null,
      transform: transformOf(row),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }
  }

  /** `current` is the endpoint being updated: a broker URL refuses the method and auth it keeps, too. */
  function validate (input: EndpointInput, creating: boolean, current?: Endpoint, storedPassword = false) {
    const fields: Record<string, string[]> = {}
    const add = (field: string, message: string) => { (fields[field] ??= []).push(message) }
    if (creating && input.url === undefined) add('url', 'is required')
    // The URL parser drops CR and LF silently; the string stored and sent would still hold them.
    if (input.url !== undefined && LINE_BREAK_OR_NUL.test(input.url)) add('url', NO_LINE_BREAK_OR_NUL)
    else if (input.url !== undefined) {
      let url: URL | null = null
      try { url = new URL(input.url) } catch { add('url', 'must be an absolute URL') }
      const broker = brokerKindOf(input.url)
      if (url && !broker && url.protocol !== 'http:' && url.protocol !== 'https:') add('url', 'must use http, https, amqp, amqps, nats, redis, rediss, mqtt or mqtts')
      if (url && !broker && url.username) add('url', 'must not contain credentials; use auth')
      if (url && broker) for (const problem of brokerUrlProblems(input.url)) add('url', problem)
      if (url && broker && !storedPassword && splitUrlPassword(input.url).password === URL_PASSWORD_MASK) {
        add('url', `holds the password "${URL_PASSWORD_MASK}" but no password is stored for it`)
      }
      if (url && !allowPrivateNetworks && isBlockedUrl(url)) {
        add('url', 'points to a private, loopback or link-local address (set HOOKHUB_ALLOW_PRIVATE_NETWORKS=true to allow)')
      }
    }
    if (brokerKindOf(input.url ?? current?.url ?? '')) {
      // A broker takes a message, not a request: no other method, no HTTP auth (credentials go in the URL).
      const method = input.method ?? current?.method
      if (method !== undefined && method.toUpperCase() !== 'POST') add('method', 'a broker endpoint publishes messages: only POST')
      const auth = input.auth ?? current?.auth
      if (auth && auth.type !== 'none') add('auth', 'a broker endpoint takes its credentials in the URL')
    }
    if (input.method !== undefined && !HTTP_METHODS.includes(input.method.toUpperCase() as never)) add('method', `must be one of ${HTTP_METHODS.join(', ')}`)
    for (const [name, value] of Object.entries(input.headers ?? {})) {
      if (LINE_BREAK_OR_NUL.test(name)) add('headers', `${JSON.stringify(name)} ${NO_LINE_BREAK_OR_NUL}`)
      else if (!HEADER_NAME.test(name)) add('headers', `${JSON.stringify(name)} is not a header name`)
      else if (RESERVED_HEADERS.test(name)) add('headers', `${name} is set by hookhub`)
      if (typeof value !== 'string') add('headers', `${name} must be a string`)
      else if (LINE_BREAK_OR_NUL.test(value)) add('headers', `${JSON.stringify(name)} ${NO_LINE_BREAK_OR_NUL}`)
      else if (value === HEADER_MASK) add('headers', `${name} is "${HEADER_MASK}" but no value is stored for it`)
    }
    if (input.secret !== undefined && !isSigningSecret(input.secret)) add('secret', 'must be whsec_ followed by 16 to 64 base64 bytes')
    if (input.format !== undefined && !PAYLOAD_FORMATS.includes(input.format)) add('format', `must be one of ${PAYLOAD_FORMATS.join(', ')}`)
    const auth = input.auth
    if (auth) {
      // An empty password is a password (Thulium's http_auth_password may be ""); a missing one is not.
      if (auth.type === 'basic' && (!auth.username || typeof auth.password !== 'string')) add('auth', 'basic needs username and password')
      if ((auth.type === 'bearer' || auth.type === 'query') && !auth.token) add('auth', `${auth.type} needs token`)
      for (const key of ['username', 'password', 'token', 'param'] as const) {
        const value = auth[key]
        if (typeof value === 'string' && LINE_BREAK_OR_NUL.test(value)) add(`auth.${key}`, NO_LINE_BREAK_OR_NUL)
      }
    }
    for (const type of input.filter?.types ?? []) if (!/^[A-Za-z0-9_.:\-/*]{1,255}$/.test(type)) add('filter.types', `"${type}" is not an event type pattern`)
    const payloadFilter = input.filter?.payload
    if (payloadFilter !== undefined && payloadFilter !== null) {
      const compiled = compilePayloadFilter(payloadFilter)
      if ('problems' in compiled) for (const [path, problems] of Object.entries(compiled.problems)) addProblem(fields, path, ...problems)
    }
    if (Object.keys(fields).length > 0) throw validationFailed(fields)
  }

  /** Keeps the stored value wherever the client sent back the mask. */
  function mergeAuth (incoming: EndpointAuth, stored: EndpointAuth): EndpointAuth {
    const merged = { ...incoming }
    for (const key of ['password', 'token'] as const) {
      if (merged[key] !== MASK) continue
      if (stored[key]) merged[key] = stored[key]
      else delete merged[key]
    }
    return merged
  }

  /** Keeps the stored value of every header sent back as the mask (names match in any case). */
  function mergeHeaders (incoming: Record<string, string>, stored: Record<string, string>): Record<string, string> {
    const storedByName = new Map(Object.entries(stored).map(([name, value]) => [name.toLowerCase(), value]))
    return Object.fromEntries(Object.entries(incoming).map(([name, value]) =>
      [name, value === HEADER_MASK ? storedByName.get(name.toLowerCase()) ?? value : value]))
  }

  /** The URL as stored: a broker password sealed apart, the mask in its place (a mask sent back keeps the stored one). */
  function storedUrl (url: string, storedPassword: string | null) {
    const { url: masked, password } = splitUrlPassword(url)
    if (password === URL_PASSWORD_MASK) return { url: masked, url_password: storedPassword }
    return { url: masked, url_password: password === null ? null : secrets.seal(password, URL_PASSWORD_CONTEXT) }
  }

  const sealAuth = (auth: EndpointAuth | undefined) =>
    !auth || auth.type === 'none' ? null : secrets.sealJson(auth, AUTH_CONTEXT)

  async function findVisible (id: string, scope: Scope, actor: Principal): Promise<EndpointRow> {
    const row = await endpoints.findById(id)
    if (!row || !inScope(row, scope, actor.id) || !inTenant(row, actor)) throw notFound('Endpoint')
    return row
  }

  /**
   * An endpoint a dialect owns mirrors that dialect's resource (a distributor, an integration
   * point, a Thulium webhook): changed anywhere else, the two would disagree.
   */
  async function findChangeable (id: string, scope: Scope, actor: Principal): Promise<EndpointRow> {
    const row = await findVisible(id, scope, actor)
    if (row.owner_dialect !== null && row.owner_id !== null) {
      const route = ownerRoutes[row.owner_dialect]?.(row.owner_id) ?? `the ${row.owner_dialect} API`
      throw ownedByDialect(row.id, row.owner_dialect, row.owner_id, route)
    }
    return row
  }

  /** Under `.own`, a filter may name only the user's own nodes and channels: another owner's events are not to be had. */
  async function checkFilter (input: EndpointInput, scope: Scope, userId: number | null) {
    if (scope === 'own' && input.filter && userId !== null) {
      await checkOwnNames({ nodeId: input.filter.node_id, channel: input.filter.channel }, userId)
    }
  }

  async function updateRow (row: EndpointRow, input: EndpointInput): Promise<Endpoint> {
    const id = row.id
    const current = toEndpoint(row)
    // The mask stands for the stored value; validated after the swap, a mask with nothing
    // stored behind it is a missing password or token.
    if (input.auth !== undefined) input = { ...input, auth: mergeAuth(input.auth, current.auth) }
    if (input.headers !== undefined) input = { ...input, headers: mergeHeaders(input.headers, current.headers) }
    validate(input, false, current, row.url_password !== null)
    if (input.secret !== undefined) throw validationFailed({ secret: ['is changed with POST /api/v1/endpoints/{id}/rotate-secret'] })
    if (input.transform) await transforms.check(input.transform.code)
    const wasPaused = current.paused
    const updated = await endpoints.update(id, {
      ...(input.url !== undefined && storedUrl(input.url, row.url_password)),
      ...(input.method !== undefined && { method: input.method.toUpperCase() }),
      ...(input.headers !== undefined && { headers: sealHeaders(input.headers, secrets) }),
      ...(input.auth !== undefined && { auth: sealAuth(input.auth) }),
      ...(input.format !== undefined && { format: input.format }),
      ...(input.filter?.types !== undefined && { filter_types: JSON.stringify(input.filter.types) }),
      ...(input.filter && 'node_id' in input.filter && { filter_node_id: input.filter.node_id ?? null }),
      ...(input.filter && 'channel' in input.filter && { filter_channel: input.filter.channel ?? null }),
      ...(input.filter && 'payload' in input.filter && { filter_payload: storedFilter(input.filter.payload) }),
      // Re-enabling clears the failure state that disabled it, so delivery starts afresh.
      ...(input.enabled !== undefined && {
        enabled: input.enabled ? 1 : 0,
        ...(input.enabled && { disabled_reason: null, consecutive_failures: 0, failing_since: null, circuit_open_until: null }),
      }),
      ...(input.paused !== undefined && { paused: input.paused ? 1 : 0 }),
      ...('rate_limit_per_s' in input && { rate_limit_per_s: input.rate_limit_per_s ?? null }),
      ...('max_in_flight' in input && { max_in_flight: input.max_in_flight ?? null }),
      ...(input.ordering !== undefined && { ordering: input.ordering }),
      ...(input.transform !== undefined && transformColumns(input.transform)),
      updated_at: clock(),
    })
    if (!updated) throw notFound('Endpoint')
    if ((wasPaused && updated.paused === 0) || input.enabled) await notify().catch(() => {})
    return toEndpoint(updated)
  }

  return {
    toEndpoint,

    /** For a dialect that stores its own row first: refuses an endpoint `create` would refuse. */
    checkNew (input: EndpointInput) {
      validate(input, true)
    },

    /** `scope` is the creator's: dialects create endpoints for resources they checked already. */
    async create (input: EndpointInput, owner: { userId: number | null; dialect?: string; ownerId?: string; tenantId?: string | null }, scope: Scope = 'all') {
      validate(input, true)
      if (input.transform) await transforms.check(input.transform.code)
      await checkFilter(input, scope, owner.userId)
      if (scope === 'own' && owner.userId !== null) await checkOwnNames({ tenantId: owner.tenantId }, owner.userId)
      if (owner.tenantId && !(await tenants.exists(owner.tenantId))) throw validationFailed({ tenant_id: [`names no tenant: ${owner.tenantId}`] })
      const now = clock()
      const secret = input.secret ?? generateSigningSecret()
      const row = await endpoints.insert({
        id: newId('ep', now),
        ...storedUrl(input.url as string, null),
        method: (input.method ?? 'POST').toUpperCase(),
        headers: sealHeaders(input.headers ?? {}, secrets),
        auth: sealAuth(input.auth),
        secret: secrets.seal(secret, SECRET_CONTEXT),
        previous_secret: null,
        previous_secret_until: null,
        format: input.format ?? 'standard',
        filter_types: JSON.stringify(input.filter?.types ?? ['*']),
        filter_node_id: input.filter?.node_id ?? null,
        filter_channel: input.filter?.channel ?? null,
        filter_payload: storedFilter(input.filter?.payload),
        enabled: input.enabled === false ? 0 : 1,
        paused: input.paused ? 1 : 0,
        disabled_reason: null,
        rate_limit_per_s: input.rate_limit_per_s ?? null,
        max_in_flight: input.max_in_flight ?? null,
        ordering: input.ordering ?? 'none',
        owner_dialect: owner.dialect ?? null,
        owner_id: owner.ownerId ?? null,
        user_id: owner.userId,
        tenant_id: owner.tenantId ?? null,
        failing_since: null,
        circuit_open_until: null,
        ...(input.transform && transformColumns(input.transform)),
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      return { endpoint: toEndpoint(row), secret }
    },

    async get (id: string, scope: Scope, actor: Principal) {
      return toEndpoint(await findVisible(id, scope, actor))
    },

    async list (query: EndpointQuery, scope: Scope, actor: Principal) {
      const rows = await endpoints.list({ ...query, userId: scope === 'own' ? actor.id : query.userId, tenantId: tenantFilter(actor, query.tenantId) })
      return rows.map(toEndpoint)
    },

    async update (id: string, input: EndpointInput, scope: Scope, actor: Principal) {
      const row = await findChangeable(id, scope, actor)
      await checkFilter(input, scope, actor.id)
      return updateRow(row, input)
    },

    /** For the dialect that owns an endpoint: changes it without a caller's scope. */
    async updateOwned (id: string, input: EndpointInput) {
      const row = await endpoints.findById(id)
      if (!row) throw notFound('Endpoint')
      return updateRow(row, input)
    },

    async removeOwned (id: string) {
      await endpoints.softDelete(id, clock())
    },

    async remove (id: string, scope: Scope, actor: Principal) {
      await findChangeable(id, scope, actor)
      if (!(await endpoints.softDelete(id, clock()))) throw notFound('Endpoint')
    },

    /** A new secret signs from now on; the old one keeps signing beside it for 24 hours. */
    async rotateSecret (id: string, scope: Scope, actor: Principal, newSecret?: string) {
      const row = await findChangeable(id, scope, actor)
      if (newSecret !== undefined && !isSigningSecret(newSecret)) {
        throw validationFailed({ secret: ['must be whsec_ followed by 16 to 64 base64 bytes'] })
      }
      const secret = newSecret ?? generateSigningSecret()
      const now = clock()
      await endpoints.update(id, {
        secret: secrets.seal(secret, SECRET_CONTEXT),
        previous_secret: row.secret,
        previous_secret_until: now + ROTATION_OVERLAP_MS,
        updated_at: now,
      })
      return { secret, previousValidUntil: now + ROTATION_OVERLAP_MS }
    },

    /** The current signing secret, for whoever may change the endpoint to set up its receiver. */
    async revealSecret (id: string, scope: Scope, actor: Principal): Promise<string> {
      return secrets.open((await findVisible(id, scope, actor)).secret, SECRET_CONTEXT)
    },

    async setPaused (id: string, paused: boolean, scope: Scope, actor: Principal) {
      return this.update(id, { paused }, scope, actor)
    },

    async health (id: string, scope: Scope, actor: Principal) {
      const row = await findVisible(id, scope, actor)
      const now = clock()
      const [hour, day, backlog, recent] = await Promise.all([
        deliveries.attemptStats(id, now - 3_600_000),
        deliveries.attemptStats(id, now - 86_400_000),
        deliveries.backlog(id),
        deliveries.recentAttempts(id, 20),
      ])
      const rate = (s: { total: number; succeeded: number }) => (s.total === 0 ? null : s.succeeded / s.total)
      const circuit = circuitStateOf(row, now)
      return {
        endpoint: toEndpoint(row),
        successRateHour: rate(hour),
        successRateDay: rate(day),
        attemptsHour: hour.total,
        attemptsDay: day.total,
        circuit,
        consecutiveFailures: row.consecutive_failures,
        backlog: backlog.count,
        nextAttemptAt: backlog.nextAttemptAt,
        recent,
      }
    },

    async recover (id: string, since: number, scope: Scope, actor: Principal) {
      await findVisible(id, scope, actor)
      const count = await deliveries.requeueFailed(id, since, clock())
      if (count > 0) await notify().catch(() => {})
      return count
    },

    /** For the worker: the URL to deliver to, a broker password in place of its mask. */
    targetUrl (row: EndpointRow): string {
      return joinUrlPassword(row.url, row.url_password === null ? null : secrets.open(row.url_password, URL_PASSWORD_CONTEXT))
    },

    /** For the worker: the secrets that sign a request now. */
    signingSecrets (row: EndpointRow, now: number): string[] {
      const list = [secrets.open(row.secret, SECRET_CONTEXT)]
      if (row.previous_secret && row.previous_secret_until && row.previous_secret_until > now) {
        list.push(secrets.open(row.previous_secret, SECRET_CONTEXT))
      }
      return list
    },
  }
}

/** A validated filter.payload as its column holds it; null (or absent) is no content filter. */
const storedFilter = (payload: unknown) => payload === undefined || payload === null ? null : JSON.stringify(payload)

const transformColumns = (transform: EndpointInput['transform']) => ({
  transform_code: transform?.code ?? null,
  transform_enabled: transform && transform.enabled !== false ? 1 : 0,
})

type HeaderBox = Pick<SecretBox, 'sealJson' | 'openJson'>

/** Every custom header value is a possible credential: all of them are stored encrypted. */
const sealHeaders = (headers: Record<string, string>, secrets: HeaderBox) => secrets.sealJson(headers, HEADERS_CONTEXT)

/** Sealed headers, or the JSON object rows hold from before header values were encrypted. */
const openHeaders = (stored: string, secrets: HeaderBox): Record<string, string> =>
  stored.startsWith('{') ? JSON.parse(stored) as Record<string, string> : secrets.openJson<Record<string, string>>(stored, HEADERS_CONTEXT)

/** Encrypts the headers of rows written before header values were encrypted; run at start. */
export async function sealPlaintextHeaders (endpoints: Pick<EndpointRepository, 'withPlaintextHeaders' | 'replaceHeaders'>, secrets: HeaderBox) {
  const rows = await endpoints.withPlaintextHeaders()
  for (const row of rows) await endpoints.replaceHeaders(row.id, row.headers, sealHeaders(openHeaders(row.headers, secrets), secrets))
  return rows.length
}

/** Consecutive failures after which an endpoint's circuit opens. */
export const CIRCUIT_THRESHOLD = 5

/** Open while cooling down, half-open while failing but probing, closed otherwise. */
export function circuitStateOf (row: Pick<EndpointRow, 'circuit_open_until' | 'consecutive_failures'>, now: number) {
  if (row.circuit_open_until !== null && row.circuit_open_until > now) return 'open' as const
  return row.consecutive_failures >= CIRCUIT_THRESHOLD ? 'half-open' as const : 'closed' as const
}

export type EndpointService = ReturnType<typeof createEndpointService>
