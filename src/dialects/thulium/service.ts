import type { EndpointInput, EndpointService } from '../../core/endpoint-service.ts'
import { inScope, type Scope } from '../../core/permissions.ts'
import type { Principal } from '../../core/user-service.ts'
import { notFound, validationFailed, withFieldNames } from '../../core/errors.ts'
import type { ThuliumWebhookRepository, ThuliumWebhookRow } from '../../storage/thulium-webhook-repository.ts'
import { MASK } from './mapping.ts'

export const OWNER = 'thulium'
/** Where a webhook, and so its endpoint, is changed. */
export const ownerRoute = (id: string) => `/api/webhooks/${id}`

export interface WebhookInput {
  actions: string[]
  subscription_url: string
  http_auth_user?: string
  http_auth_password?: string
}

/** Thulium subscriptions: events whose type is one of `actions` go to `subscription_url`, flattened. */
function endpointInput (input: WebhookInput): EndpointInput {
  const user = input.http_auth_user ?? ''
  return {
    url: input.subscription_url,
    method: 'POST',
    format: 'thulium',
    filter: { types: input.actions },
    auth: user === '' ? { type: 'none' } : { type: 'basic', username: user, password: input.http_auth_password ?? '' },
  }
}

/** Endpoint validation names url and auth; Thulium clients sent subscription_url and http_auth_*. */
const THULIUM_NAMES: Record<string, string> = {
  url: 'subscription_url',
  auth: 'http_auth_user',
  'auth.username': 'http_auth_user',
  'auth.password': 'http_auth_password',
  'filter.types': 'actions',
}
const inThuliumTerms = <T>(body: () => Promise<T>) => withFieldNames((field) => THULIUM_NAMES[field] ?? field, body)

function check (input: WebhookInput) {
  if (!/^https?:\/\/[^/\s]+/i.test(input.subscription_url)) throw validationFailed({ subscription_url: ['must be an absolute http or https URL'] })
  // A password without a user could never be sent: refuse it rather than drop it.
  if ((input.http_auth_password ?? '') !== '' && (input.http_auth_user ?? '') === '') {
    throw validationFailed({ http_auth_user: ['is required when http_auth_password is given'] })
  }
}

type Deps = {
  webhooks: ThuliumWebhookRepository
  endpoints: Pick<EndpointService, 'checkNew' | 'create' | 'updateOwned' | 'removeOwned'>
  clock: () => number
}

export function createThuliumService ({ webhooks, endpoints, clock }: Deps) {
  async function findVisible (id: number, scope: Scope, actor: Principal): Promise<ThuliumWebhookRow> {
    const row = await webhooks.findById(id)
    if (!row || !inScope(row, scope, actor.id)) throw notFound('Webhook')
    return row
  }

  const hasPassword = (input: WebhookInput) => (input.http_auth_user ?? '') !== '' && (input.http_auth_password ?? '') !== ''

  return {
    async create (input: WebhookInput, actor: Principal) {
      check(input)
      // Before the insert: the row holds subscription_url too, and PostgreSQL refuses a NUL in text.
      await inThuliumTerms(async () => endpoints.checkNew(endpointInput(input)))
      const now = clock()
      const row = await webhooks.insert({
        actions: JSON.stringify(input.actions),
        subscription_url: input.subscription_url,
        http_auth_user: input.http_auth_user ?? '',
        has_password: hasPassword(input) ? 1 : 0,
        endpoint_id: '',
        user_id: actor.id,
        created_at: now,
        updated_at: now,
      })
      try {
        const created = await inThuliumTerms(() =>
          endpoints.create(endpointInput(input), { userId: actor.id, dialect: OWNER, ownerId: String(row.id) }))
        return (await webhooks.update(row.id, { endpoint_id: created.endpoint.id })) as ThuliumWebhookRow
      } catch (err) {
        // An invalid target leaves no subscription behind.
        await webhooks.delete(row.id)
        throw err
      }
    },

    list: (scope: Scope, actor: Principal) => webhooks.list(scope === 'own' ? actor.id : undefined),

    get: findVisible,

    /** PUT: the whole subscription; "********" as the password keeps the stored one. */
    async replace (id: number, input: WebhookInput, scope: Scope, actor: Principal) {
      const row = await findVisible(id, scope, actor)
      check(input)
      await inThuliumTerms(() => endpoints.updateOwned(row.endpoint_id, endpointInput(input)))
      const keeps = input.http_auth_password === MASK && row.has_password === 1
      const updated = await webhooks.update(id, {
        actions: JSON.stringify(input.actions),
        subscription_url: input.subscription_url,
        http_auth_user: input.http_auth_user ?? '',
        has_password: keeps || hasPassword(input) ? 1 : 0,
        updated_at: clock(),
      })
      if (!updated) throw notFound('Webhook')
      return updated
    },

    async remove (id: number, scope: Scope, actor: Principal) {
      const row = await findVisible(id, scope, actor)
      await endpoints.removeOwned(row.endpoint_id)
      await webhooks.delete(id)
    },
  }
}

export type ThuliumService = ReturnType<typeof createThuliumService>
