import type { Insertable, Kysely, Selectable, Updateable } from 'kysely'
import type { DB, DistributorsTable } from './schema.ts'

export type DistributorRow = Selectable<DistributorsTable>

export function createDistributorRepository (db: Kysely<DB>) {
  const live = () => db.selectFrom('distributors').selectAll().where('deleted_at', 'is', null)
  return {
    async insert (row: Insertable<DistributorsTable>): Promise<DistributorRow> {
      return db.insertInto('distributors').values(row).returningAll().executeTakeFirstOrThrow()
    },
    async findById (id: string): Promise<DistributorRow | undefined> {
      return live().where('id', '=', id).executeTakeFirst()
    },
    async listByNode (nodeUuid: string, offset: number, limit: number, userId?: number) {
      let base = live().where('node_uuid', '=', nodeUuid)
      if (userId !== undefined) base = base.where('user_id', '=', userId)
      const { total } = await base.clearSelect().select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow()
      const rows = await base.orderBy('created_at').orderBy('id').offset(offset).limit(limit).execute()
      return { rows, total: Number(total) }
    },
    async listByNodes (nodeUuids: string[]): Promise<DistributorRow[]> {
      if (nodeUuids.length === 0) return []
      return live().where('node_uuid', 'in', nodeUuids).execute()
    },
    async update (id: string, values: Updateable<DistributorsTable>): Promise<DistributorRow | undefined> {
      return db.updateTable('distributors').set(values).where('id', '=', id).where('deleted_at', 'is', null)
        .returningAll().executeTakeFirst()
    },
  }
}

export type DistributorRepository = ReturnType<typeof createDistributorRepository>
