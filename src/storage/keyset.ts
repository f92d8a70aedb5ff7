import { sql, type SelectQueryBuilder } from 'kysely'

/** Order of a list by id, which is creation order (numeric ids grow, text ids begin with their time). */
export type Order = 'asc' | 'desc'

/**
 * A page of rows by `column` in `order`, after the row whose id is `afterId` (0 or '' for the
 * first page): ascending takes greater ids, descending smaller ones, so a cursor holding the
 * last id of a page continues it in either order.
 */
export function keyset<DB, TB extends keyof DB, O> (
  query: SelectQueryBuilder<DB, TB, O>, column: string, afterId: number | string, order: Order = 'asc',
): SelectQueryBuilder<DB, TB, O> {
  const started = afterId !== 0 && afterId !== ''
  const after = started ? query.where(sql.ref(column), order === 'asc' ? '>' : '<', afterId) : query
  return after.orderBy(sql.ref(column), order)
}
