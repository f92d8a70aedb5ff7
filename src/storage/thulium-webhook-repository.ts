import type { Insertable, Kysely, Selectable, Updateable } from 'kysely'
import type { DB, ThuliumWebhooksTable } from './schema.ts'

export type ThuliumWebhookRow = Selectable<ThuliumWebhooksTable>

export function createThuliumWebhookRepository (db: Kysely<DB>) {
  return {
    async insert (row: Insertable<ThuliumWebhooksTable>): Promise<ThuliumWebhookRow> {
      return db.insertInto('thulium_webhooks').values(row).returningAll().executeTakeFirstOrThrow()
    },
    async findById (id: number): Promise<ThuliumWebhookRow | undefined> {
      return db.selectFrom('thulium_webhooks').selectAll().where('id', '=', id).executeTakeFirst()
    },
    async list (userId?: number): Promise<ThuliumWebhookRow[]> {
      let query = db.selectFrom('thulium_webhooks').selectAll()
      if (userId !== undefined) query = query.where('user_id', '=', userId)
      return query.orderBy('id').execute()
    },
    async update (id: number, values: Updateable<ThuliumWebhooksTable>): Promise<ThuliumWebhookRow | undefined> {
      return db.updateTable('thulium_webhooks').set(values).where('id', '=', id).returningAll().executeTakeFirst()
    },
    async delete (id: number): Promise<void> {
      await db.deleteFrom('thulium_webhooks').where('id', '=', id).execute()
    },
  }
}

export type ThuliumWebhookRepository = ReturnType<typeof createThuliumWebhookRepository>
