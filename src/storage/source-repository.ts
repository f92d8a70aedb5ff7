import type { Insertable, Kysely, Selectable, Updateable } from 'kysely'
import type { DB, SourcesTable } from './schema.ts'

export type SourceRow = Selectable<SourcesTable>

export function createSourceRepository (db: Kysely<DB>) {
  return {
    async insert (row: Insertable<SourcesTable>): Promise<SourceRow> {
      return db.insertInto('sources').values(row).returningAll().executeTakeFirstOrThrow()
    },
    async findById (id: string): Promise<SourceRow | undefined> {
      return db.selectFrom('sources').selectAll().where('id', '=', id).executeTakeFirst()
    },
    async findByToken (token: string): Promise<SourceRow | undefined> {
      return db.selectFrom('sources').selectAll().where('token', '=', token).executeTakeFirst()
    },
    async findByOwner (dialect: string, ownerId: string): Promise<SourceRow | undefined> {
      return db.selectFrom('sources').selectAll()
        .where('owner_dialect', '=', dialect).where('owner_id', '=', ownerId).executeTakeFirst()
    },
    async list (afterId: string, limit: number, userId?: number): Promise<SourceRow[]> {
      let query = db.selectFrom('sources').selectAll().where('id', '>', afterId)
      if (userId !== undefined) query = query.where('user_id', '=', userId)
      return query.orderBy('id').limit(limit).execute()
    },
    async update (id: string, values: Updateable<SourcesTable>): Promise<SourceRow | undefined> {
      return db.updateTable('sources').set(values).where('id', '=', id).returningAll().executeTakeFirst()
    },
    async delete (id: string): Promise<boolean> {
      const res = await db.deleteFrom('sources').where('id', '=', id).executeTakeFirst()
      return Number(res.numDeletedRows) > 0
    },
    async touch (id: string, now: number): Promise<void> {
      await db.updateTable('sources').set({ last_received_at: now }).where('id', '=', id).execute()
    },
  }
}

export type SourceRepository = ReturnType<typeof createSourceRepository>
