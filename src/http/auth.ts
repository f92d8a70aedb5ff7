import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Action, Resource, Scope } from '../core/permissions.ts'
import { scopeOf } from '../core/permissions.ts'
import type { Principal, UserService } from '../core/user-service.ts'
import { forbidden, HookhubError } from '../core/errors.ts'
import { withRetryAfter, type FailedAuthLimit, type TokenRateLimit } from './rate-limit.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which wire format this route's errors use (see wire-format.ts). */
    dialect?: string
    /** Routes open to anyone (health, docs, inbound hooks). */
    public?: boolean
    /** The permission a route needs; `request.scope` tells whether it was granted for all rows or own rows. */
    permission?: [Resource, Action]
    /**
     * Open to portal principals (see portal-session-service.ts), whose services limit the rows to
     * the principal's tenant; every other route refuses them with 403.
     */
    portal?: boolean
  }
  interface FastifyInstance {
    /** Failed authentications per client, shared by the API, inbound hooks and /metrics; null when off. */
    failedAuth: FailedAuthLimit | null
  }
  interface FastifyRequest {
    principal: Principal | null
    scope: Scope | null
  }
}

/** The authenticated principal of a route that requires one. */
export function principalOf (request: FastifyRequest): Principal {
  if (!request.principal) throw new HookhubError('HOOKHUB_UNAUTHENTICATED')
  return request.principal
}

export function scopeFor (request: FastifyRequest): Scope {
  if (!request.scope) throw new HookhubError('HOOKHUB_INTERNAL')
  return request.scope
}

/**
 * Authenticates before the body is read, so an anonymous caller cannot make the hub parse
 * a large body, and checks the route's permission: 401 comes before 403, both before 400/422.
 * A client (IP address; X-Forwarded-For is not trusted) that failed too often this minute is
 * refused with 429 before its credentials are even looked at.
 */
export function installAuth (
  app: FastifyInstance, users: Pick<UserService, 'authenticate'>, rateLimit: TokenRateLimit | null, failedAuth: FailedAuthLimit | null,
) {
  app.decorateRequest('principal', null)
  app.decorateRequest('scope', null)
  app.decorate('failedAuth', failedAuth)
  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config
    if (config.public || !request.routeOptions.url) return
    if (failedAuth) withRetryAfter(reply, () => failedAuth.check(request.ip))
    const principal = await users.authenticate(request.headers.authorization)
    if (!principal) {
      failedAuth?.fail(request.ip)
      reply.header('www-authenticate', 'Bearer, Basic realm="hookhub"')
      throw new HookhubError('HOOKHUB_UNAUTHENTICATED')
    }
    request.principal = principal
    if (principal.tenantId !== undefined && !config.portal) throw forbidden('an API token (portal sessions reach their tenant\'s endpoints, deliveries and the event-type catalog only)')
    if (rateLimit) withRetryAfter(reply, () => rateLimit.take(principal.tokenId))
    if (config.permission) {
      const [resource, action] = config.permission
      const scope = scopeOf(principal.permissions, resource, action)
      if (!scope) throw forbidden(`${resource}.${action}`)
      request.scope = scope
    }
  })
}
