import { sql, type Kysely } from 'kysely'
import { OPEN_STATUSES } from './delivery-repository.ts'
import type { DB } from './schema.ts'
import { keyset, type Order } from './keyset.ts'

export const MINUTE_MS = 60_000
export const HOUR_MS = 3_600_000

// Buckets are whole minutes or hours since the epoch: integer division of the millisecond
// column by a literal means the same in SQLite and PostgreSQL and needs no parameter, so
// the GROUP BY repeats the select expression exactly.
const minuteOf = sql<number>`received_at / 60000`
const hourOf = sql<number>`attempts.started_at / 3600000`
// A 2xx, or a broker's acknowledgement (an answer recorded with no HTTP status and no error).
const succeeded = sql<number>`sum(case when (attempts.response_status >= 200 and attempts.response_status < 300)
  or (attempts.response_status is null and attempts.error_code is null and attempts.response is not null) then 1 else 0 end)`
/** Tries that sent something: a try a transform skipped has no response and no error, and counts in no rate. */
const SENT_ATTEMPT = sql<boolean>`(attempts.response_status is not null or attempts.error_code is not null or attempts.response is not null)`

/** Restricts a query to the endpoints of one user (`.own` scopes); no restriction when null. */
export type OwnerFilter = number | null

/** Read-only aggregates for the console's overview and health pages. */
export function createStatsRepository (db: Kysely<DB>) {
  const ownedEndpointIds = (userId: number) =>
    db.selectFrom('endpoints').select('id').where('user_id', '=', userId).where('deleted_at', 'is', null)

  return {
    /** Events received since `since`, counted per minute: `[{ minute, count }]` (minute in ms). */
    async eventsPerMinute (since: number) {
      const rows = await db.selectFrom('events')
        .select([minuteOf.as('bucket'), (eb) => eb.fn.countAll<number>().as('count')])
        .where('received_at', '>=', since)
        .groupBy(minuteOf)
        .execute()
      return rows.map((r) => ({ minute: Number(r.bucket) * MINUTE_MS, count: Number(r.count) }))
    },

    /** Attempts since `since` and how many of them answered 2xx. */
    async attemptTotals (since: number, owner: OwnerFilter) {
      let query = db.selectFrom('attempts')
        .select([(eb) => eb.fn.countAll<number>().as('total'), succeeded.as('ok')])
        .where('attempts.started_at', '>=', since)
        .where(SENT_ATTEMPT)
      if (owner !== null) query = query.where('attempts.endpoint_id', 'in', ownedEndpointIds(owner))
      const row = await query.executeTakeFirstOrThrow()
      return { total: Number(row.total), succeeded: Number(row.ok ?? 0) }
    },

    /** Deliveries still to be sent (pending or in flight). */
    async backlog (owner: OwnerFilter) {
      // Each status on its own, so that without an owner each count reads that status's partial index (0005).
      const open = (status: string) => {
        let query = db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('count')).where('status', '=', status)
        if (owner !== null) query = query.where('endpoint_id', 'in', ownedEndpointIds(owner))
        return query
      }
      const row = await db.selectNoFrom((eb) => eb(open('pending'), '+', open('delivering')).as('count')).executeTakeFirstOrThrow()
      return Number(row.count)
    },

    /** Endpoints failing now (consecutive failures) or disabled for a reason, worst first. */
    async failingEndpoints (owner: OwnerFilter, limit: number) {
      let query = db.selectFrom('endpoints')
        .select(['id', 'url', 'enabled', 'disabled_reason', 'consecutive_failures', 'failing_since', 'circuit_open_until'])
        .where('deleted_at', 'is', null)
        .where((eb) => eb.or([eb('consecutive_failures', '>', 0), eb('disabled_reason', 'is not', null)]))
      if (owner !== null) query = query.where('user_id', '=', owner)
      return query.orderBy('consecutive_failures', 'desc').orderBy('id').limit(limit).execute()
    },

    /** Per endpoint and hour since `since`: attempts and 2xx answers. */
    async hourlyAttempts (endpointIds: readonly string[], since: number) {
      if (endpointIds.length === 0) return []
      const rows = await db.selectFrom('attempts')
        .select(['attempts.endpoint_id', hourOf.as('bucket'), (eb) => eb.fn.countAll<number>().as('total'), succeeded.as('ok')])
        .where('attempts.endpoint_id', 'in', [...endpointIds])
        .where('attempts.started_at', '>=', since)
        .where(SENT_ATTEMPT)
        .groupBy(['attempts.endpoint_id', hourOf])
        .execute()
      return rows.map((r) => ({ endpointId: r.endpoint_id, hour: Number(r.bucket) * HOUR_MS, total: Number(r.total), succeeded: Number(r.ok ?? 0) }))
    },

    /** Open deliveries per endpoint. */
    async backlogByEndpoint (endpointIds: readonly string[]) {
      if (endpointIds.length === 0) return new Map<string, number>()
      const rows = await db.selectFrom('deliveries')
        .select(['endpoint_id', (eb) => eb.fn.countAll<number>().as('count')])
        .where('endpoint_id', 'in', [...endpointIds])
        .where('status', 'in', OPEN_STATUSES)
        .groupBy('endpoint_id')
        .execute()
      return new Map(rows.map((r) => [r.endpoint_id, Number(r.count)]))
    },

    /** Top-level (Apex) nodes after `afterId`, with how many live children and distributors each has. */
    async rootNodes (owner: OwnerFilter, afterId: number, limit: number, order?: Order) {
      let query = db.selectFrom('nodes as n')
        .select(['n.id', 'n.uuid', 'n.name', 'n.type', 'n.path', 'n.created_at'])
        .select((eb) => [
          eb.selectFrom('nodes as c').select((c) => c.fn.countAll<number>().as('c'))
            .whereRef('c.parent_uuid', '=', 'n.uuid').where('c.deleted_at', 'is', null).as('children'),
          eb.selectFrom('distributors as d').select((d) => d.fn.countAll<number>().as('d'))
            .whereRef('d.node_uuid', '=', 'n.uuid').where('d.deleted_at', 'is', null).as('distributors'),
        ])
        .where('n.parent_uuid', 'is', null)
        .where('n.deleted_at', 'is', null)
      if (owner !== null) query = query.where('n.user_id', '=', owner)
      const rows = await keyset(query, 'n.id', afterId, order).limit(limit).execute()
      return rows.map((r) => ({ ...r, children: Number(r.children ?? 0), distributors: Number(r.distributors ?? 0) }))
    },
  }
}

export type StatsRepository = ReturnType<typeof createStatsRepository>
