import type { Kysely, Selectable } from 'kysely'
import type { DB, TenantsTable } from './schema.ts'

export type TenantRow = Selectable<TenantsTable>

export function createTenantRepository (db: Kysely<DB>) {
  return {
    /** Inserts the tenant; undefined when its id is taken. */
    async insert (row: TenantRow): Promise<TenantRow | undefined> {
      return db.insertInto('tenants').values(row).onConflict((oc) => oc.column('id').doNothing())
        .returningAll().executeTakeFirst()
    },

    async findById (id: string): Promise<TenantRow | undefined> {
      return db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst()
    },

    async exists (id: string): Promise<boolean> {
      return (await db.selectFrom('tenants').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
    },

    async list (afterId: string, limit: number): Promise<TenantRow[]> {
      return db.selectFrom('tenants').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute()
    },

    async update (id: string, values: Partial<Pick<TenantRow, 'name' | 'metadata'>> & { updated_at: number }): Promise<TenantRow | undefined> {
      return db.updateTable('tenants').set(values).where('id', '=', id).returningAll().executeTakeFirst()
    },

    /**
     * Deletes the tenant with its portal sessions, and deletes its endpoints as deleting one
     * endpoint does (waiting deliveries cancelled; rows kept, so their history stays readable).
     */
    async remove (id: string, now: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const res = await trx.deleteFrom('tenants').where('id', '=', id).executeTakeFirst()
        if (Number(res.numDeletedRows) === 0) return false
        await trx.deleteFrom('portal_sessions').where('tenant_id', '=', id).execute()
        const endpoints = trx.selectFrom('endpoints').select('id').where('tenant_id', '=', id).where('deleted_at', 'is', null)
        await trx.updateTable('deliveries').set({ status: 'cancelled', next_attempt_at: null, updated_at: now })
          .where('endpoint_id', 'in', endpoints).where('status', '=', 'pending').execute()
        await trx.updateTable('endpoints').set({ deleted_at: now, updated_at: now, enabled: 0 })
          .where('tenant_id', '=', id).where('deleted_at', 'is', null).execute()
        return true
      })
    },
  }
}

export type TenantRepository = ReturnType<typeof createTenantRepository>
