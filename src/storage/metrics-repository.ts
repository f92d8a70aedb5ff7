import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.ts'

/** Gauges read from the database when Prometheus scrapes: the queue and the endpoints' state. */
export function createMetricsRepository (db: Kysely<DB>) {
  return {
    /** Open deliveries by status, and when the oldest due pending one fell due. */
    async queue (now: number) {
      // Each status on its own, so that each count reads that status's partial index (0005).
      const { rows: [row] } = await sql<{ pending: number, delivering: number, oldest: number | null }>`select
        (select count(*) from deliveries where status = 'pending') as pending,
        (select count(*) from deliveries where status = 'delivering') as delivering,
        (select min(next_attempt_at) from deliveries where status = 'pending' and next_attempt_at <= ${now}) as oldest`.execute(db)
      return { pending: Number(row.pending), delivering: Number(row.delivering), oldestDueAt: row.oldest == null ? null : Number(row.oldest) }
    },

    /** Live endpoints by circuit state (closed, open, half_open) and by disabled/paused. */
    async endpointStates (now: number, threshold: number) {
      const state = sql<string>`case
        when consecutive_failures < ${threshold} then 'closed'
        when circuit_open_until > ${now} then 'open'
        else 'half_open' end`
      const rows = await db.selectFrom('endpoints')
        .select([state.as('circuit'), 'enabled', 'paused', (eb) => eb.fn.countAll<number>().as('count')])
        .where('deleted_at', 'is', null)
        // By position: PostgreSQL would see the parameters of a repeated expression as different.
        .groupBy([sql`1`, sql`2`, sql`3`])
        .execute()
      return rows.map((r) => ({ circuit: r.circuit, enabled: Number(r.enabled) === 1, paused: Number(r.paused) === 1, count: Number(r.count) }))
    },
  }
}

export type MetricsRepository = ReturnType<typeof createMetricsRepository>
