import { randomUUID } from 'node:crypto'
import { LINE_BREAK_OR_NUL, NO_LINE_BREAK_OR_NUL } from '../../core/endpoint-service.ts'
import { inScope, type Scope } from '../../core/permissions.ts'
import type { SecretBox } from '../../core/secret-box.ts'
import type { Principal } from '../../core/user-service.ts'
import { notFound, validationFailed, WireError } from '../../core/errors.ts'
import type { IntegrationQuery, IntegrationRepository, IntegrationRow } from '../../storage/integration-repository.ts'
import type { VerifyMethod } from '../../core/inbound-verifiers.ts'
import type { SourceInput, SourceService } from '../../core/source-service.ts'
import { toBoolean, validate, type Rules } from './laravel-validation.ts'
import { INTEGRATION_STATUSES, INTEGRATION_TYPES } from './schemas.ts'

export const MASK = '********'
const CREDENTIALS_CONTEXT = 'integrations.credentials'
const VERIFIED_CREDENTIALS = ['webhook_secret', 'token'] as const

const fieldRules = (presence: 'required' | 'sometimes'): Rules => ({
  name: presence === 'required' ? ['required', 'string', { max: 255 }] : ['sometimes', 'required', 'string', { max: 255 }],
  type: presence === 'required'
    ? ['required', 'string', { in: INTEGRATION_TYPES }]
    : ['sometimes', 'required', 'string', { in: INTEGRATION_TYPES }],
  provider: ['nullable', 'string', { max: 255 }],
  description: ['nullable', 'string', { max: 65535 }],
  config: ['nullable', 'array'],
  credentials: ['nullable', 'array'],
  status: ['sometimes', 'string', { in: INTEGRATION_STATUSES }],
  metadata: ['nullable', 'array'],
  is_active: ['sometimes', 'boolean'],
})

const CREATE_RULES = fieldRules('required')
const PATCH_RULES = fieldRules('sometimes')

const LIST_RULES: Rules = {
  search: ['nullable', 'string', { max: 255 }],
  type: ['nullable', 'string'],
  provider: ['nullable', 'string'],
  status: ['nullable', 'string'],
  is_active: ['nullable', 'boolean'],
  with_trashed: ['nullable', 'boolean'],
  // Bounded so that the row offset stays an exact 64-bit integer in SQL (page=1e20 broke the query).
  page: ['nullable', 'integer', { min: 1 }, { max: 2_147_483_647 }],
  per_page: ['nullable', 'integer', { min: 1 }, { max: 100 }],
}

/** `"credentials": "********"` as a whole means "unchanged": the field is dropped before validation. */
function withoutMaskedCredentials (input: unknown): unknown {
  if (typeof input !== 'object' || input === null || (input as Record<string, unknown>).credentials !== MASK) return input
  const { credentials: _kept, ...rest } = input as Record<string, unknown>
  return rest
}

/** The largest id the `integer` column holds (PostgreSQL): beyond it no row can match. */
const MAX_ID = 2_147_483_647

/**
 * The credentials an inbound request is checked against (see syncSource): a CR, LF or NUL in
 * one could never match what a sender sends, so it is refused instead of failing every request.
 */
function verifiedCredentialErrors (credentials: unknown): Record<string, string[]> {
  if (typeof credentials !== 'object' || credentials === null) return {}
  const errors: Record<string, string[]> = {}
  for (const key of VERIFIED_CREDENTIALS) {
    const value = (credentials as Record<string, unknown>)[key]
    if (typeof value === 'string' && LINE_BREAK_OR_NUL.test(value)) {
      errors[`credentials.${key}`] = [`The credentials.${key.replace(/_/g, ' ')} field ${NO_LINE_BREAK_OR_NUL} characters.`]
    }
  }
  return errors
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value))

type Deps = {
  integrations: IntegrationRepository
  secrets: Pick<SecretBox, 'sealJson' | 'openJson'>
  sources: Pick<SourceService, 'create' | 'update' | 'findByOwner'>
  clock: () => number
}

const OWNER = 'integrations'
/** Providers whose own signature scheme hookhub checks; any other provider uses a shared token. */
const SIGNED_PROVIDERS: Record<string, VerifyMethod> = {
  stripe: 'stripe', github: 'github', kanboard: 'kanboard', standard: 'standard', standardwebhooks: 'standard', svix: 'standard',
}

export function createIntegrationService ({ integrations, secrets, sources, clock }: Deps) {
  /**
   * A webhook integration owns an inbound source: the provider picks the verifier,
   * credentials.webhook_secret (or .token) is its secret, config.events limits the accepted
   * types, and it takes hooks only while the integration is active and not deleted.
   */
  async function syncSource (row: IntegrationRow): Promise<IntegrationRow> {
    const existing = await sources.findByOwner(OWNER, row.uuid)
    if (row.type !== 'webhook') {
      if (existing?.enabled) await sources.update(existing.id, { enabled: false })
      return row
    }
    const credentials = row.credentials === null
      ? {}
      : secrets.openJson<Record<string, unknown>>(row.credentials, CREDENTIALS_CONTEXT) ?? {}
    const secretValue = VERIFIED_CREDENTIALS.map((key) => credentials[key]).find((v) => typeof v === 'string' && v !== '') as string | undefined
    const provider = (row.provider ?? '').toLowerCase().replace(/[\s_-]/g, '')
    const config = row.config === null ? null : JSON.parse(row.config) as Record<string, unknown>
    const events = config && Array.isArray(config.events) && config.events.every((e) => typeof e === 'string')
      ? config.events as string[]
      : null
    const desired = {
      name: row.name,
      verify: SIGNED_PROVIDERS[provider] ?? (secretValue ? 'token' : 'none'),
      secret: secretValue ?? null,
      accepted_types: events,
      enabled: row.is_active === 1 && row.deleted_at === null,
    } satisfies SourceInput
    if (existing) {
      await sources.update(existing.id, desired)
      return row
    }
    await sources.create(desired, { userId: row.user_id, dialect: OWNER, ownerId: row.uuid })
    return (await integrations.findByUuid(row.uuid)) ?? row
  }

  function check (input: unknown, rules: Rules, looseBoolean = false) {
    const result = validate(input, rules, { looseBoolean })
    const errors = { ...result.errors, ...verifiedCredentialErrors(result.values.credentials) }
    if (Object.keys(errors).length > 0) throw validationFailed(errors)
    return result.values
  }

  /** CyberCert answers with an integer `id` and a `uuid`: a client may address the row by either. */
  async function findByKey (key: string) {
    if (!/^\d+$/.test(key)) return integrations.findByUuid(key)
    const id = Number(key)
    return id >= 1 && id <= MAX_ID ? integrations.findById(id) : undefined
  }

  /** A row the caller may act on: others' rows under an `.own` scope look like missing rows. */
  async function findVisible (key: string, scope: Scope, actor: Principal, trashed: 'live' | 'any') {
    const row = await findByKey(key)
    if (!row || !inScope(row, scope, actor.id)) return undefined
    if (trashed === 'live' && row.deleted_at !== null) return undefined
    return row
  }

  /** Keeps stored credentials wherever the client sent back the mask instead of a value. */
  function mergeCredentials (incoming: unknown, stored: string | null): unknown {
    const previous = stored === null ? null : secrets.openJson<Record<string, unknown>>(stored, CREDENTIALS_CONTEXT)
    if (incoming === null || typeof incoming !== 'object' || Array.isArray(incoming) || previous === null) return incoming
    return Object.fromEntries(Object.entries(incoming).map(([key, value]) =>
      [key, value === MASK && key in previous ? previous[key] : value]))
  }

  function columnsOf (values: Record<string, unknown>, stored?: IntegrationRow) {
    const columns: Record<string, unknown> = {}
    for (const field of ['name', 'type', 'provider', 'description', 'status'] as const) {
      if (field in values) columns[field] = values[field]
    }
    for (const field of ['config', 'metadata'] as const) if (field in values) columns[field] = json(values[field])
    // Loose: a form's "true"/"false" passed validation; JSON values were held to the strict set.
    if ('is_active' in values) columns.is_active = toBoolean(values.is_active, true) ? 1 : 0
    if ('credentials' in values) {
      const credentials = mergeCredentials(values.credentials, stored?.credentials ?? null)
      columns.credentials = credentials === null ? null : secrets.sealJson(credentials, CREDENTIALS_CONTEXT)
    }
    return columns
  }

  return {
    /** `form`: the body came as a form, whose booleans are text ("true", "false", "1", "0"). */
    async create (input: unknown, actor: Principal, form = false) {
      // "credentials": "********" on create has nothing to keep: validate it as any other value.
      const values = check(input, CREATE_RULES, form)
      const now = clock()
      return syncSource(await integrations.insert({
        uuid: randomUUID(),
        name: values.name as string,
        type: values.type as string,
        provider: null,
        description: null,
        config: null,
        credentials: null,
        metadata: null,
        status: 'pending',
        is_active: 1,
        ...columnsOf(values),
        user_id: actor.id,
        created_at: now,
        updated_at: now,
      }))
    },

    async list (query: Record<string, unknown>, scope: Scope, actor: Principal) {
      const values = check(query, LIST_RULES, true)
      const page = values.page === undefined || values.page === null ? 1 : Number(values.page)
      const perPage = values.per_page === undefined || values.per_page === null ? 15 : Number(values.per_page)
      const optional = (key: string) => (typeof values[key] === 'string' ? values[key] as string : undefined)
      const filter: IntegrationQuery = {
        ownerId: scope === 'own' ? actor.id : undefined,
        search: optional('search'),
        type: optional('type'),
        provider: optional('provider'),
        status: optional('status'),
        isActive: values.is_active == null ? undefined : toBoolean(values.is_active, true),
        withTrashed: values.with_trashed == null ? false : toBoolean(values.with_trashed, true) === true,
        offset: (page - 1) * perPage,
        limit: perPage,
      }
      const { rows, total } = await integrations.list(filter)
      return { rows, total, page, perPage }
    },

    async get (key: string, scope: Scope, actor: Principal) {
      const row = await findVisible(key, scope, actor, 'live')
      if (!row) throw notFound('Integration')
      return row
    },

    async update (key: string, input: unknown, mode: 'put' | 'patch', scope: Scope, actor: Principal, form = false) {
      const row = await findVisible(key, scope, actor, 'live')
      if (!row) throw notFound('Integration')
      const values = check(withoutMaskedCredentials(input), mode === 'put' ? CREATE_RULES : PATCH_RULES, form)
      return syncSource(await integrations.update(row.id, { ...columnsOf(values, row), updated_at: clock() }))
    },

    async remove (key: string, scope: Scope, actor: Principal) {
      const row = await findVisible(key, scope, actor, 'live')
      if (!row) throw notFound('Integration')
      await syncSource(await integrations.setDeletedAt(row.id, clock(), clock()))
    },

    async restore (key: string, scope: Scope, actor: Principal) {
      const row = await findVisible(key, scope, actor, 'any')
      if (!row) throw new WireError(404, { message: 'Integration not found' })
      if (row.deleted_at === null) throw new WireError(400, { message: 'Integration is not deleted' })
      return syncSource(await integrations.setDeletedAt(row.id, null, clock()))
    },
  }
}

export type IntegrationService = ReturnType<typeof createIntegrationService>
