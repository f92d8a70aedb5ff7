import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.ts'

/** Gauges read from the database when Prometheus scrapes: the queue and the endpoints' state. */
export function createMetricsRepository (db: Kysely<DB>) {
  return {
    /** Open deliveries by status, and when the oldest due pending one fell due. */
    async queue (now: number) {
      const rows = await db.selectFrom('deliveries')
        .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
        .where('status', 'in', ['pending', 'delivering'])
        .groupBy('status')
        .execute()
      const oldest = await db.selectFrom('deliveries')
        .select((eb) => eb.fn.min<number>('next_attempt_at').as('at'))
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .executeTakeFirst()
      const count = (status: string) => Number(rows.find((r) => r.status === status)?.count ?? 0)
      return { pending: count('pending'), delivering: count('delivering'), oldestDueAt: oldest?.at == null ? null : Number(oldest.at) }
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
