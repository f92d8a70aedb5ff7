import { sql, type ExpressionBuilder, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely'
import type { DB, IntegrationPointsTable } from './schema.ts'

export type IntegrationPointRow = Selectable<IntegrationPointsTable>

type SortKey = { column: string; direction: 'asc' | 'desc' }

export interface PointQuery {
  filters: { column: string; values: (string | number)[] }[]
  order: SortKey[]
  offset: number
  /** Absent: every match. */
  limit?: number
  userId?: number
}

/** The order asked for, then creation order and id: a total order (id is unique), each column once. */
function sortKeys (order: SortKey[]): SortKey[] {
  const keys: SortKey[] = []
  for (const key of [...order, { column: 'created_at', direction: 'asc' } as const, { column: 'id', direction: 'asc' } as const]) {
    if (!keys.some((k) => k.column === key.column)) keys.push(key)
  }
  return keys
}

/** Rows after `last` in the order of `keys`: (k1 > v1) or (k1 = v1 and k2 > v2) or …, `<` where descending. */
function after (keys: SortKey[], last: IntegrationPointRow) {
  const value = (column: string) => (last as Record<string, unknown>)[column]
  return (eb: ExpressionBuilder<DB, 'integration_points'>) => eb.or(keys.map((key, i) => eb.and([
    ...keys.slice(0, i).map((k) => eb(sql.ref(k.column), '=', value(k.column))),
    eb(sql.ref(key.column), key.direction === 'asc' ? '>' : '<', value(key.column)),
  ])))
}

export function createIntegrationPointRepository (db: Kysely<DB>) {
  return {
    async insert (row: Insertable<IntegrationPointsTable>): Promise<IntegrationPointRow> {
      return db.insertInto('integration_points').values(row).returningAll().executeTakeFirstOrThrow()
    },
    async findById (id: string): Promise<IntegrationPointRow | undefined> {
      return db.selectFrom('integration_points').selectAll().where('id', '=', id).executeTakeFirst()
    },
    /**
     * The matching rows in pages of at most `pageSize`, each page a query of its own continuing
     * after the last row read (keyset), so that a long list is never held whole and no page
     * reads again the rows before it. Columns come from the dialect's field table, never from
     * the request.
     */
    async * pages (q: PointQuery, pageSize: number): AsyncGenerator<IntegrationPointRow[]> {
      const keys = sortKeys(q.order)
      let query = db.selectFrom('integration_points').selectAll()
      if (q.userId !== undefined) query = query.where('user_id', '=', q.userId)
      for (const f of q.filters) query = query.where(sql.ref(f.column), 'in', f.values)
      for (const k of keys) query = query.orderBy(sql.ref(k.column), k.direction)
      let left = q.limit ?? Infinity
      let last: IntegrationPointRow | undefined
      while (left > 0) {
        const size = Math.min(pageSize, left)
        const page = await (last ? query.where(after(keys, last)) : query.offset(q.offset)).limit(size).execute()
        if (page.length > 0) yield page
        if (page.length < size) return
        left -= size
        last = page[page.length - 1]
      }
    },
    async findByTokenLocal (token: string): Promise<IntegrationPointRow | undefined> {
      return db.selectFrom('integration_points').selectAll().where('token_local', '=', token).executeTakeFirst()
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
