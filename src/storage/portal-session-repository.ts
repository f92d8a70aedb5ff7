import type { Insertable, Kysely, Selectable } from 'kysely'
import type { DB, PortalSessionsTable } from './schema.ts'

export type PortalSessionRow = Selectable<PortalSessionsTable>

export function createPortalSessionRepository (db: Kysely<DB>) {
  return {
    async insert (row: Insertable<PortalSessionsTable>): Promise<PortalSessionRow> {
      return db.insertInto('portal_sessions').values(row).returningAll().executeTakeFirstOrThrow()
    },

    async findByTokenHash (tokenHash: string): Promise<PortalSessionRow | undefined> {
      return db.selectFrom('portal_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
    },

    /** Revokes every session of a tenant; returns how many there were. */
    async removeForTenant (tenantId: string): Promise<number> {
      const res = await db.deleteFrom('portal_sessions').where('tenant_id', '=', tenantId).executeTakeFirst()
      return Number(res.numDeletedRows)
    },

    /** Forgets sessions that expired before `now`: they authenticate nobody any more. */
    async removeExpired (now: number): Promise<number> {
      const res = await db.deleteFrom('portal_sessions').where('expires_at', '<=', now).executeTakeFirst()
      return Number(res.numDeletedRows)
    },
  }
}

export type PortalSessionRepository = ReturnType<typeof createPortalSessionRepository>
