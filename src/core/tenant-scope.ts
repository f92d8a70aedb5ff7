import { forbidden, notFound } from './errors.ts'
import type { Scope } from './permissions.ts'

// A portal principal (see portal-session-service.ts) is scoped to one tenant, the way `.own`
// scopes a user to its rows: services pass its tenant to the repositories' queries and check it
// on every row they read by id, so another tenant's rows, and the operator's own, do not exist for it.

/** Who acts, as far as tenants go: `tenantId` is set for a portal principal. */
export interface TenantActor { tenantId?: string }

/** Whether a row is visible to the actor: every row to an operator, its tenant's to a portal principal. */
export const inTenant = (row: { tenant_id: string | null }, actor: TenantActor) =>
  actor.tenantId === undefined || row.tenant_id === actor.tenantId

/** The tenant a list is narrowed to: the portal principal's own, whatever the query asked for. */
export const tenantFilter = (actor: TenantActor, requested: string | undefined) => actor.tenantId ?? requested

/**
 * The tenant a new row belongs to: a portal principal's rows are its tenant's, and naming another
 * tenant is naming one that does not exist for it.
 */
export function tenantOfNew (actor: TenantActor, requested: string | null | undefined): string | null {
  if (actor.tenantId === undefined) return requested ?? null
  if (requested != null && requested !== actor.tenantId) throw notFound('Tenant')
  return actor.tenantId
}

/** Who a new row belongs to: the user creating it, or, for a portal principal (no user), its tenant alone. */
export const ownerOfNew = (actor: TenantActor & { id: number }, requestedTenant: string | null | undefined) => ({
  userId: actor.tenantId === undefined ? actor.id : null,
  tenantId: tenantOfNew(actor, requestedTenant),
})

/**
 * Tenants and the event-type catalog belong to the operator, not to a user: `.own` grants
 * nothing on them.
 */
export function requireUnscoped (scope: Scope, permission: string) {
  if (scope !== 'all') throw forbidden(permission)
}
