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
  // Ascending, the first page keeps its bound too (> 0, > ''): SQLite then reads it as a
  // primary-key range search rather than a scan, as the lists always did.
  const after = started || order === 'asc' ? query.where(sql.ref(column), order === 'asc' ? '>' : '<', afterId) : query
  return after.orderBy(sql.ref(column), order)
}
