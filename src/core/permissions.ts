// Permission strings: "<resource>.<action>", "<resource>.<action>.own", "<resource>.*", "*".

export const RESOURCES = [
  'integrations', 'nodes', 'distributors', 'integration_points', 'webhooks',
  'events', 'deliveries', 'endpoints', 'sources', 'users', 'tenants', 'event_types',
] as const
export const ACTIONS = ['view', 'create', 'manage', 'delete', 'restore', 'publish', 'retry'] as const

export type Resource = typeof RESOURCES[number]
export type Action = typeof ACTIONS[number]
/** How much of a resource a principal may act on: everything, or only rows it owns. */
export type Scope = 'all' | 'own'

const PATTERN = new RegExp(
  `^(\\*|(${RESOURCES.join('|')})\\.(\\*|((${ACTIONS.join('|')})(\\.own)?)))$`,
)

export const isValidPermission = (permission: string) => PATTERN.test(permission)

export function scopeOf (permissions: readonly string[], resource: Resource, action: Action): Scope | null {
  let scope: Scope | null = null
  for (const p of permissions) {
    if (p === '*' || p === `${resource}.*` || p === `${resource}.${action}`) return 'all'
    if (p === `${resource}.${action}.own`) scope = 'own'
  }
  return scope
}

/** Whether a row is the caller's to act on: every row under an `all` scope, its own under `.own`. */
export const inScope = (row: { user_id: number | null }, scope: Scope, actorId: number) =>
  scope === 'all' || row.user_id === actorId

/** Whether `held` grants at least what `wanted` grants: nobody hands out more than they have. */
export function grants (held: readonly string[], wanted: string): boolean {
  if (held.includes('*')) return true
  if (wanted === '*') return false
  const [resource, action, own] = wanted.split('.') as [Resource, string, string | undefined]
  if (action === '*') return held.includes(`${resource}.*`)
  const scope = scopeOf(held, resource, action as Action)
  return scope === 'all' || (scope === 'own' && own === 'own')
}
