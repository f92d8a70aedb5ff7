import { conflict, forbidden, notFound, validationFailed } from './errors.ts'
import { isUniqueViolation } from '../storage/database.ts'
import type { Order } from '../storage/keyset.ts'
import type { UserRecord, UserRepository } from '../storage/user-repository.ts'
import { grants, isValidPermission, type Scope } from './permissions.ts'
import { generateToken, hashesEqual, hashToken } from './tokens.ts'

export type Principal = Pick<UserRecord, 'id' | 'name' | 'email' | 'permissions'> & {
  /** The token this request authenticated with (per-token rate limits, live streams). */
  tokenId: number
  /** Set for a portal session: the principal sees its tenant's rows and nothing else (see tenant-scope.ts). */
  tenantId?: string
}

export const ADMIN_NAME = 'admin'
const TOUCH_INTERVAL_MS = 60_000
const EMAIL = /^[^\s@]+@[^\s@]+$/

type Deps = {
  users: UserRepository
  clock: () => number
}

export function createUserService ({ users, clock }: Deps) {
  const lastTouched = new Map<number, number>()

  function validateNewUser (input: { email: string; name: string; permissions: string[] }) {
    const fields: Record<string, string[]> = {}
    if (!EMAIL.test(input.email) || input.email.length > 255) fields.email = ['must be an email address']
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.name)) fields.name = ['must be 1 to 64 letters, digits, dots, dashes or underscores']
    const bad = input.permissions.filter((p) => !isValidPermission(p))
    if (bad.length > 0) fields.permissions = bad.map((p) => `unknown permission "${p}"`)
    if (Object.keys(fields).length > 0) throw validationFailed(fields)
  }

  async function issueToken (userId: number) {
    const token = generateToken()
    const row = await users.insertToken(userId, hashToken(token), clock())
    return { id: row.id, token, createdAt: row.createdAt }
  }

  /** `.own` on the users resource means: only the caller's own user. */
  function requireSelf (scope: Scope, actor: Principal, userId: number, permission: string) {
    if (scope === 'own' && actor.id !== userId) throw forbidden(permission)
  }

  /**
   * Nobody hands out, or acts on a principal holding, a permission they lack: only an admin
   * acts on an admin. No actor is the operator at the machine (the CLI on the database).
   */
  function requireHoldsAll (actor: Principal | null, permissions: readonly string[]) {
    if (!actor) return
    const lacking = permissions.filter((p) => !grants(actor.permissions, p))
    if (lacking.length > 0) throw forbidden(lacking.join(', '))
  }

  return {
    async create (input: { email: string; name: string; permissions: string[] }, scope: Scope, actor: Principal | null) {
      // Under `.own` the only user a caller may act on is itself, which exists already.
      if (scope === 'own') throw forbidden('users.create')
      validateNewUser(input)
      requireHoldsAll(actor, input.permissions)
      let user: UserRecord
      try {
        user = await users.insert(input, clock())
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`A user named "${input.name}" already exists`, { field: 'name' })
        throw err
      }
      const token = await issueToken(user.id)
      return { user, token: token.token }
    },

    async get (id: number, scope: Scope, actor: Principal) {
      requireSelf(scope, actor, id, 'users.view')
      const user = await users.findById(id)
      if (!user) throw notFound('User')
      return user
    },

    async list (afterId: number, limit: number, scope: Scope, actor: Principal, order: Order = 'asc') {
      if (scope === 'own') {
        const self = await users.findById(actor.id)
        const onPage = (id: number) => afterId === 0 || (order === 'asc' ? id > afterId : id < afterId)
        return self && onPage(self.id) ? [self] : []
      }
      return users.list(afterId, limit, order)
    },

    async remove (id: number, scope: Scope, actor: Principal) {
      requireSelf(scope, actor, id, 'users.delete')
      if (id === actor.id) throw conflict('You cannot delete the user you are signed in as')
      const user = await users.findById(id)
      if (!user) throw notFound('User')
      requireHoldsAll(actor, user.permissions)
      const outcome = await users.softDelete(id, clock())
      if (outcome === 'missing') throw notFound('User')
      if (outcome === 'last-admin') throw conflict('The last user holding * cannot be deleted')
      lastTouched.delete(id)
    },

    async createToken (userId: number, scope: Scope, actor: Principal | null) {
      if (actor) requireSelf(scope, actor, userId, 'users.manage')
      const user = await users.findById(userId)
      if (!user) throw notFound('User')
      requireHoldsAll(actor, user.permissions)
      return issueToken(userId)
    },

    async revokeToken (tokenId: number, scope: Scope, actor: Principal) {
      const token = await users.findToken(tokenId)
      // A token of someone else is reported as missing to a caller who may only see their own.
      if (!token || (scope === 'own' && token.userId !== actor.id)) throw notFound('Token')
      requireHoldsAll(actor, (await users.findById(token.userId))?.permissions ?? [])
      await users.deleteToken(tokenId)
    },

    /** Which of these tokens may still authenticate (live streams re-check theirs). */
    liveTokenIds: (ids: readonly number[]) => users.liveTokenIds(ids),

    /** Resolves `Authorization: Bearer <token>` or `Basic base64(name:token)` to a principal. */
    async authenticate (authorization: string | undefined): Promise<Principal | null> {
      if (!authorization) return null
      const [scheme, value] = authorization.trim().split(/\s+/, 2)
      if (!value) return null
      let name: string | undefined
      let token: string
      if (/^bearer$/i.test(scheme)) {
        token = value
      } else if (/^basic$/i.test(scheme)) {
        const decoded = Buffer.from(value, 'base64').toString('utf8')
        const colon = decoded.indexOf(':')
        if (colon < 1) return null
        name = decoded.slice(0, colon)
        token = decoded.slice(colon + 1)
      } else {
        return null
      }
      const hash = hashToken(token)
      const found = await users.findByTokenHash(hash)
      if (!found || !hashesEqual(found.tokenHash, hash)) return null
      if (name !== undefined && name !== found.user.name) return null
      const now = clock()
      if ((lastTouched.get(found.tokenId) ?? 0) + TOUCH_INTERVAL_MS < now) {
        lastTouched.set(found.tokenId, now)
        await users.touchToken(found.tokenId, now)
      }
      const { id, email, permissions } = found.user
      return { id, name: found.user.name, email, permissions, tokenId: found.tokenId }
    },

    /**
     * Makes sure the bootstrap principal exists. Returns a token to print when this start
     * generated one (first start without HOOKHUB_ADMIN_TOKEN).
     */
    async ensureAdmin (adminToken: string | undefined): Promise<{ generatedToken?: string }> {
      let admin = await users.findByName(ADMIN_NAME)
      if (!admin) {
        try {
          admin = await users.insert({ email: 'admin@localhost', name: ADMIN_NAME, permissions: ['*'] }, clock())
        } catch (err) {
          // Another process bootstrapped at the same moment.
          if (!isUniqueViolation(err)) throw err
          admin = await users.findByName(ADMIN_NAME)
          if (!admin) throw err
          if (adminToken) await this.ensureAdminToken(admin.id, adminToken)
          return {}
        }
        if (adminToken) {
          await users.insertToken(admin.id, hashToken(adminToken), clock())
          return {}
        }
        return { generatedToken: (await issueToken(admin.id)).token }
      }
      if (adminToken) await this.ensureAdminToken(admin.id, adminToken)
      return {}
    },

    async ensureAdminToken (adminId: number, adminToken: string) {
      const hash = hashToken(adminToken)
      if (await users.hasToken(adminId, hash)) return
      try {
        await users.insertToken(adminId, hash, clock())
      } catch (err) {
        if (!isUniqueViolation(err)) throw err
      }
    },
  }
}

export type UserService = ReturnType<typeof createUserService>
