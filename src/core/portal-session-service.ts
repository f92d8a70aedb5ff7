import { notFound } from './errors.ts'
import type { Scope } from './permissions.ts'
import { requireUnscoped } from './tenant-scope.ts'
import { generatePortalToken, hashToken, PORTAL_TOKEN_PREFIX } from './tokens.ts'
import type { Principal, UserService } from './user-service.ts'
import type { PortalSessionRepository } from '../storage/portal-session-repository.ts'
import type { TenantRepository } from '../storage/tenant-repository.ts'

export const DEFAULT_PORTAL_SECONDS = 3600
export const MAX_PORTAL_SECONDS = 86_400

/** What a portal session may do: its tenant's endpoints and deliveries, and read the catalog. */
const READS = ['endpoints.view', 'deliveries.view', 'event_types.view']
const WRITES = ['endpoints.create', 'endpoints.manage', 'endpoints.delete', 'deliveries.retry']

type Deps = {
  sessions: Pick<PortalSessionRepository, 'insert' | 'findByTokenHash' | 'removeForTenant' | 'removeExpired'>
  tenants: Pick<TenantRepository, 'exists'>
  publicUrl: string
  clock: () => number
}

/**
 * Portal sessions: short-lived tokens an operator hands to one of its customers (a tenant), for
 * a page where that customer manages its own endpoints. A session's principal holds the
 * permissions above and a tenant scope (see tenant-scope.ts); routes not marked `portal` refuse it.
 */
export function createPortalSessionService ({ sessions, tenants, publicUrl, clock }: Deps) {
  return {
    async create (tenantId: string, options: { expiresIn?: number; readOnly?: boolean }, scope: Scope) {
      requireUnscoped(scope, 'tenants.manage')
      if (!(await tenants.exists(tenantId))) throw notFound('Tenant')
      const now = clock()
      // Housekeeping where sessions are made: expired ones authenticate nobody, but would pile up.
      await sessions.removeExpired(now)
      const token = generatePortalToken()
      const expiresAt = now + (options.expiresIn ?? DEFAULT_PORTAL_SECONDS) * 1000
      await sessions.insert({ tenant_id: tenantId, token_hash: hashToken(token), read_only: options.readOnly ? 1 : 0, expires_at: expiresAt, created_at: now })
      // In the fragment, the token never reaches a server's access log or a Referer header.
      return { url: `${publicUrl.replace(/\/+$/, '')}/portal#token=${token}`, token, expiresAt }
    },

    /** Revokes every session of the tenant at once. */
    async revokeAll (tenantId: string, scope: Scope) {
      requireUnscoped(scope, 'tenants.manage')
      if (!(await tenants.exists(tenantId))) throw notFound('Tenant')
      await sessions.removeForTenant(tenantId)
    },

    /** The principal of a live portal token; null for any other token, an expired or a revoked one. */
    async authenticate (token: string): Promise<Principal | null> {
      const session = await sessions.findByTokenHash(hashToken(token))
      if (!session || session.expires_at <= clock()) return null
      return {
        // No user: nothing is ever the session's own row (creating, it assigns its tenant instead).
        id: 0,
        name: `portal:${session.tenant_id}`,
        email: '',
        permissions: session.read_only ? READS : [...READS, ...WRITES],
        // Negative, so that per-token limits never share a count with an API token's id.
        tokenId: -session.id,
        tenantId: session.tenant_id,
      }
    },
  }
}

export type PortalSessionService = ReturnType<typeof createPortalSessionService>

/** Authenticates API tokens as users and `Bearer hhp_…` as portal sessions. */
export function withPortalSessions (users: Pick<UserService, 'authenticate'>, portal: Pick<PortalSessionService, 'authenticate'>) {
  return {
    authenticate (authorization: string | undefined): Promise<Principal | null> {
      const bearer = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
      return bearer && bearer[1].startsWith(PORTAL_TOKEN_PREFIX) ? portal.authenticate(bearer[1]) : users.authenticate(authorization)
    },
  }
}
