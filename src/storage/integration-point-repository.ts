import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely'
import type { DB, IntegrationPointsTable } from './schema.ts'

export type IntegrationPointRow = Selectable<IntegrationPointsTable>

export interface PointQuery {
  filters: { column: string; values: (string | number)[] }[]
  order: { column: string; direction: 'asc' | 'desc' }[]
  offset: number
  limit: number
  userId?: number
}

export function createIntegrationPointRepository (db: Kysely<DB>) {
  return {
    async insert (row: Insertable<IntegrationPointsTable>): Promise<IntegrationPointRow> {
      return db.insertInto('integration_points').values(row).returningAll().executeTakeFirstOrThrow()
    },
    async findById (id: string): Promise<IntegrationPointRow | undefined> {
      return db.selectFrom('integration_points').selectAll().where('id', '=', id).executeTakeFirst()
    },
    /** Columns come from the dialect's field table, never from the request. */
    async list (q: PointQuery): Promise<IntegrationPointRow[]> {
      let query = db.selectFrom('integration_points').selectAll()
      if (q.userId !== undefined) query = query.where('user_id', '=', q.userId)
      for (const f of q.filters) query = query.where(sql.ref(f.column), 'in', f.values)
      for (const o of q.order) query = query.orderBy(sql.ref(o.column), o.direction)
      return query.orderBy('created_at').orderBy('id').offset(q.offset).limit(q.limit).execute()
    },
    async findByCode (code: string): Promise<IntegrationPointRow | undefined> {
      return db.selectFrom('integration_points').selectAll().where('code', '=', code).executeTakeFirst()
    },
    /** Ids of points whose id, code or token_local is the key. */
    async lookup (key: string, userId?: number): Promise<string[]> {
      let query = db.selectFrom('integration_points').select('id')
        .where((eb) => eb.or([eb('id', '=', key), eb('code', '=', key), eb('token_local', '=', key)]))
      if (userId !== undefined) query = query.where('user_id', '=', userId)
      return (await query.orderBy('created_at').execute()).map((r) => r.id)
    },
    async update (id: string, values: Updateable<IntegrationPointsTable>): Promise<IntegrationPointRow | undefined> {
      return db.updateTable('integration_points').set(values).where('id', '=', id).returningAll().executeTakeFirst()
    },
    async delete (id: string): Promise<void> {
      await db.deleteFrom('integration_points').where('id', '=', id).execute()
    },
  }
}

export type IntegrationPointRepository = ReturnType<typeof createIntegrationPointRepository>
