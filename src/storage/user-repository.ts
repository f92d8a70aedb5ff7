import type { Kysely, Selectable } from 'kysely'
import type { Engine } from './database.ts'
import { createKeyBatch } from './key-batch.ts'
import type { DB, UsersTable } from './schema.ts'
import { keyset, type Order } from './keyset.ts'

export interface UserRecord {
  id: number
  email: string
  name: string
  permissions: string[]
  createdAt: number
  updatedAt: number
}

const toUser = (row: Selectable<UsersTable>): UserRecord => ({
  id: row.id,
  email: row.email,
  name: row.name,
  permissions: JSON.parse(row.permissions) as string[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

type TokenOwner = { user: UserRecord; tokenId: number; tokenHash: string }

/** Permissions are stored as a JSON array of strings: this matches the element `"*"` only. */
const HOLDS_EVERYTHING = '%"*"%'

export function createUserRepository (db: Kysely<DB>, engine: Engine) {
  const live = () => db.selectFrom('users').selectAll().where('deleted_at', 'is', null)

  /** Requests authenticate in batches: one query for the tokens of all requests that arrived together. */
  const tokenOwners = createKeyBatch<TokenOwner | undefined>(async (hashes) => {
    const rows = await db.selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('users')
      .select(['api_tokens.id as token_id', 'api_tokens.token_hash'])
      .where('api_tokens.token_hash', 'in', hashes)
      .where('users.deleted_at', 'is', null)
      .execute()
    const byHash = new Map(rows.map(({ token_id: tokenId, token_hash: tokenHash, ...user }) => [tokenHash, { user: toUser(user), tokenId, tokenHash }]))
    return hashes.map((hash) => byHash.get(hash))
  })

  return {
    async insert (user: { email: string; name: string; permissions: string[] }, now: number): Promise<UserRecord> {
      const row = await db.insertInto('users')
        .values({ ...user, permissions: JSON.stringify(user.permissions), created_at: now, updated_at: now, deleted_at: null })
        .returningAll().executeTakeFirstOrThrow()
      return toUser(row)
    },

    async findById (id: number): Promise<UserRecord | undefined> {
      const row = await live().where('id', '=', id).executeTakeFirst()
      return row && toUser(row)
    },

    async findByName (name: string): Promise<UserRecord | undefined> {
      const row = await live().where('name', '=', name).executeTakeFirst()
      return row && toUser(row)
    },

    /** Users by id in `order`, starting after `afterId`. */
    async list (afterId: number, limit: number, order?: Order): Promise<UserRecord[]> {
      const rows = await keyset(live(), 'id', afterId, order).limit(limit).execute()
      return rows.map(toUser)
    },

    /**
     * Soft delete, so integrations keep naming their owner; the name becomes free again. The
     * last live principal holding `*` stays ('last-admin'). On PostgreSQL the holders of `*` are
     * locked first (in id order), so that two admins deleting each other at once cannot each
     * count the other as the one who remains; SQLite runs one transaction at a time.
     */
    async softDelete (id: number, now: number): Promise<'deleted' | 'missing' | 'last-admin'> {
      return db.transaction().execute(async (trx) => {
        let holders = trx.selectFrom('users').select('id')
          .where('deleted_at', 'is', null).where('permissions', 'like', HOLDS_EVERYTHING).orderBy('id')
        if (engine === 'postgres') holders = holders.forUpdate()
        const admins = await holders.execute()
        if (admins.length === 1 && admins[0].id === id) return 'last-admin'
        const res = await trx.updateTable('users').set({ deleted_at: now, updated_at: now })
          .where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst()
        if (Number(res.numUpdatedRows) === 0) return 'missing'
        await trx.deleteFrom('api_tokens').where('user_id', '=', id).execute()
        return 'deleted'
      })
    },

    async insertToken (userId: number, tokenHash: string, now: number) {
      const row = await db.insertInto('api_tokens')
        .values({ user_id: userId, token_hash: tokenHash, created_at: now, last_used_at: null })
        .returning(['id', 'created_at']).executeTakeFirstOrThrow()
      return { id: row.id, createdAt: row.created_at }
    },

    async hasToken (userId: number, tokenHash: string): Promise<boolean> {
      const row = await db.selectFrom('api_tokens').select('id')
        .where('user_id', '=', userId).where('token_hash', '=', tokenHash).executeTakeFirst()
      return row !== undefined
    },

    /** The live user owning a token hash, with the token's id. */
    findByTokenHash (tokenHash: string): Promise<TokenOwner | undefined> {
      return tokenOwners(tokenHash)
    },

    /** Which of these tokens still exist and belong to a live user. */
    async liveTokenIds (ids: readonly number[]): Promise<number[]> {
      if (ids.length === 0) return []
      const rows = await db.selectFrom('api_tokens')
        .innerJoin('users', 'users.id', 'api_tokens.user_id')
        .select('api_tokens.id')
        .where('api_tokens.id', 'in', ids)
        .where('users.deleted_at', 'is', null)
        .execute()
      return rows.map((row) => row.id)
    },

    async findToken (id: number): Promise<{ id: number; userId: number } | undefined> {
      const row = await db.selectFrom('api_tokens').select(['id', 'user_id']).where('id', '=', id).executeTakeFirst()
      return row && { id: row.id, userId: row.user_id }
    },

    async deleteToken (id: number): Promise<boolean> {
      const res = await db.deleteFrom('api_tokens').where('id', '=', id).executeTakeFirst()
      return Number(res.numDeletedRows) > 0
    },

    async touchToken (id: number, now: number): Promise<void> {
      await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute()
    },
  }
}

export type UserRepository = ReturnType<typeof createUserRepository>
