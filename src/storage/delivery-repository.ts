import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely'
import type { Engine } from './database.ts'
import { createGroupCommit } from './group-commit.ts'
import type { AttemptsTable, DB, DeliveriesTable } from './schema.ts'
import { keyset, type Order } from './keyset.ts'

export type DeliveryRow = Selectable<DeliveriesTable>
/** A delivery with its event's public id, as the API shows it. */
/** A delivery as the log shows it: with its event's public id and its endpoint's circuit. */
export type DeliveryView = DeliveryRow & { event_public_id: string; circuit_open_until: number | null; tenant_id: string | null }
export type AttemptRow = Selectable<AttemptsTable>

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: number
  publicId: string
  endpointId: string
  attemptCount: number
  eventPublicId: string
  eventType: string
  payload: string
  /** Set when the event's body was not JSON (see EventsTable). */
  contentType: string | null
  receivedAt: number
  /** The endpoint's updated_at when claimed: a worker's cached copy of another age is stale. */
  endpointVersion?: number
}

type ClaimedRow = {
  id: number, public_id: string, endpoint_id: string, attempt_count: number, event_public_id: string, type: string
  payload: string, content_type: string | null, received_at: number, endpoint_updated_at: number
}

const toClaimed = (r: ClaimedRow): ClaimedDelivery => ({
  id: r.id,
  publicId: r.public_id,
  endpointId: r.endpoint_id,
  attemptCount: r.attempt_count,
  eventPublicId: r.event_public_id,
  eventType: r.type,
  payload: r.payload,
  contentType: r.content_type,
  receivedAt: r.received_at,
  endpointVersion: r.endpoint_updated_at,
})

export interface NewAttempt {
  startedAt: number
  durationMs: number
  request: string
  responseStatus: number | null
  response: string | null
  errorCode: string | null
  errorMessage: string | null
  /** Console output of the endpoint's transform, when it ran and wrote any. */
  logs?: string | null
}

export type DeliveryOutcome =
  // null for a broker's acknowledgement: it has no HTTP status.
  | { status: 'succeeded'; statusCode: number | null }
  | { status: 'pending'; statusCode: number | null; nextAttemptAt: number }
  | { status: 'failed'; statusCode: number | null }
  | { status: 'cancelled'; statusCode: null }
  /** The endpoint's transform returned null: nothing was sent, and nothing is to be. */
  | { status: 'skipped'; statusCode: null }

export interface DeliveryQuery {
  endpointId?: string
  eventId?: number
  status?: string
  since?: number
  /** Deliveries to this tenant's endpoints. */
  tenantId?: string
  afterId: number
  limit: number
  order?: Order
}

/** The statuses of a delivery that is still to be sent (waiting or in flight). */
export const OPEN_STATUSES = ['pending', 'delivering']

/** Moves each delivery of `v` to its outcome, only while the lease is still held; returns the ids that moved. */
const APPLY_OUTCOMES = sql`update deliveries set status = v.status, attempt_count = deliveries.attempt_count + 1,
  last_status_code = v.status_code, next_attempt_at = v.next_attempt_at,
  lease_owner = null, lease_expires_at = null, updated_at = v.now
  from v
  where deliveries.id = v.id and deliveries.lease_owner = v.owner and deliveries.status = 'delivering'
  returning deliveries.id`

interface Completion {
  owner: string
  deliveryId: number
  endpointId: string
  attempt: NewAttempt
  outcome: DeliveryOutcome
  now: number
}

export function createDeliveryRepository (db: Kysely<DB>, engine: Engine) {
  // Row-level locks let several PostgreSQL workers claim side by side; SQLite has one writer.
  const withEvent = () => db.selectFrom('deliveries')
    .innerJoin('events', 'events.id', 'deliveries.event_id')
    .leftJoin('endpoints', 'endpoints.id', 'deliveries.endpoint_id')
    .selectAll('deliveries')
    .select(['events.public_id as event_public_id', 'endpoints.circuit_open_until', 'endpoints.tenant_id'])

  /** A batch's rows as one parameter, so that the statement's text, and its prepared plan, stay the same whatever its size. */
  const rowsOf = (completions: Completion[]) => JSON.stringify(completions.map(({ owner, deliveryId, endpointId, attempt, outcome, now }) => [
    deliveryId, owner, outcome.status, outcome.statusCode, outcome.status === 'pending' ? outcome.nextAttemptAt : null, now,
    endpointId, attempt.startedAt, attempt.durationMs, attempt.request, attempt.responseStatus, attempt.response,
    attempt.errorCode, attempt.errorMessage, attempt.logs ?? null,
  ]))
  const changedOf = (completions: Completion[], rows: { id: number }[]) => {
    const changed = new Set(rows.map((r) => Number(r.id)))
    return completions.map((c) => changed.has(c.deliveryId))
  }

  /** SQLite: the attempts, then the state changes, in the caller's transaction. */
  async function completeAll (trx: Kysely<DB>, completions: Completion[]): Promise<boolean[]> {
    const rows = rowsOf(completions)
    await sql`insert into attempts (delivery_id, endpoint_id, started_at, duration_ms, request, response_status, response, error_code, error_message, logs)
      select value ->> 0, value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11, value ->> 12, value ->> 13, value ->> 14
      from json_each(${rows})`.execute(trx)
    const updated = await sql<{ id: number }>`
      with v (id, owner, status, status_code, next_attempt_at, now) as (
        select value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 from json_each(${rows}))
      ${APPLY_OUTCOMES}`.execute(trx)
    return changedOf(completions, updated.rows)
  }

  /**
   * PostgreSQL: the attempts and the state changes of a batch in one statement, which is atomic by itself, so that a
   * busy worker pays one round trip per batch instead of four (begin, insert, update, commit).
   */
  async function completeInOneStatement (completions: Completion[]): Promise<boolean[]> {
    const updated = await sql<{ id: number }>`
      with v (id, owner, status, status_code, next_attempt_at, now, endpoint_id, started_at, duration_ms, request,
        response_status, response, error_code, error_message, logs) as (
        select (r->>0)::bigint, r->>1, r->>2, (r->>3)::integer, (r->>4)::bigint, (r->>5)::bigint, r->>6, (r->>7)::bigint,
          (r->>8)::integer, r->>9, (r->>10)::integer, r->>11, r->>12, r->>13, r->>14
        from jsonb_array_elements(cast(${rowsOf(completions)} as jsonb)) r),
      logged as (
        insert into attempts (delivery_id, endpoint_id, started_at, duration_ms, request, response_status, response, error_code, error_message, logs)
        select id, endpoint_id, started_at, duration_ms, request, response_status, response, error_code, error_message, logs from v)
      ${APPLY_OUTCOMES}`.execute(db)
    return changedOf(completions, updated.rows)
  }

  const completeInGroup = engine === 'postgres'
    ? createGroupCommit<Completion, boolean>(completeInOneStatement, async (completion) => (await completeInOneStatement([completion]))[0])
    : createGroupCommit<Completion, boolean>(
      (completions) => db.transaction().execute((trx) => completeAll(trx, completions)),
      async (completion) => (await db.transaction().execute((trx) => completeAll(trx, [completion])))[0],
    )

  return {
    /**
     * Leases up to `limit` due pending deliveries to `owner`. Per endpoint: `shares[id]` when
     * given (0: none), else 1 if it is failing and `firstShare` if not; 1 at most while its
     * circuit is half-open, and for fifo endpoints only the oldest open delivery; none for
     * paused, disabled or open-circuit ones. Each endpoint's share is read through its index,
     * so the cost grows with the endpoints that have due work, never with the backlog.
     */
    async claim (owner: string, now: number, leaseMs: number, limit: number, shares: Readonly<Record<string, number>>,
      firstShare: number, circuitThreshold: number): Promise<ClaimedDelivery[]> {
      // The shares as one parameter keep the statement's text, and so its prepared plan, the same.
      const given = JSON.stringify(shares)
      const givenShare = engine === 'postgres'
        ? sql<number | null>`(cast(${given} as jsonb) ->> e.id)::integer`
        : sql<number | null>`json_extract(${given}, '$.' || json_quote(e.id))`
      // SQLite: the endpoints given nothing, listed once rather than looked up for every endpoint.
      const skip = engine === 'postgres'
        ? sql`and coalesce(${givenShare}, 1) > 0`
        : sql`and e.id not in (select key from json_each(${given}) where value = 0)`
      const claimable = sql`e.enabled = 1 and e.paused = 0 and e.deleted_at is null
        and (e.circuit_open_until is null or e.circuit_open_until <= ${now}) ${skip}`
      const share = sql<number>`case when e.ordering = 'fifo' or e.consecutive_failures >= ${circuitThreshold} then 1
        else coalesce(${givenShare}, case when e.consecutive_failures > 0 then 1 else ${firstShare} end) end`
      // A fifo endpoint sends nothing while an older delivery is open (waiting for a retry or in flight).
      const fifoHead = (row: string) => sql`(e.ordering <> 'fifo' or not exists (
        select 1 from deliveries o where o.endpoint_id = e.id and o.id < ${sql.ref(row)}.id and o.status in ('pending', 'delivering')))`
      let candidates: RawBuilder<{ id: number }>
      if (engine === 'postgres') {
        candidates = sql<{ id: number }>`
          select x.id from endpoints e
          cross join lateral (
            select d.id, d.next_attempt_at from deliveries d
            where d.endpoint_id = e.id and d.status = 'pending' and d.next_attempt_at <= ${now}
            order by d.id limit ${share}
            for update skip locked
          ) x
          where ${claimable} and ${fifoHead('x')}
          order by x.next_attempt_at
          limit ${limit}`
      } else {
        // SQLite has no LATERAL and no correlated LIMIT: find the endpoints with due work, then
        // take each one's share in one UNION ALL. Both read the per-endpoint index by name: left
        // to itself the planner may walk every due delivery through deliveries_due instead.
        const due = await sql<{ id: string; share: number }>`
          select e.id, ${share} as share from endpoints e
          where ${claimable} and exists (
            select 1 from deliveries x indexed by deliveries_endpoint
            where x.endpoint_id = e.id and x.status = 'pending' and x.next_attempt_at <= ${now})
          limit ${limit}`.execute(db)
        if (due.rows.length === 0) return []
        // Padded to a power of two with arms that match nothing, so that a handful of texts serve every claim.
        const padded = [...due.rows]
        while (padded.length & (padded.length - 1)) padded.push({ id: '', share: 0 })
        const arms = padded.map((e) => sql`select * from (
          select d.id, d.next_attempt_at from deliveries d indexed by deliveries_endpoint join endpoints e on e.id = d.endpoint_id
          where d.endpoint_id = ${e.id} and d.status = 'pending' and d.next_attempt_at <= ${now} and ${fifoHead('d')}
          order by d.id limit ${e.share})`)
        candidates = sql<{ id: number }>`select id from (${sql.join(arms, sql` union all `)}) shares order by next_attempt_at limit ${limit}`
      }
      // PostgreSQL: a row locked and changed by a concurrent claim is looked at again, so the
      // status is checked once more. SQLite runs one statement at a time and the check would
      // lead its planner to walk the status index instead of the ids.
      const stillPending = engine === 'postgres' ? sql`and status = 'pending'` : sql``
      const lease = sql`update deliveries set status = 'delivering', lease_owner = ${owner}, lease_expires_at = ${now + leaseMs}, updated_at = ${now}
        where id in (${candidates}) ${stillPending}`
      if (engine === 'postgres') {
        // One round trip: the claimed rows come back with what sending them needs.
        const claimed = await sql<ClaimedRow>`with leased as (${lease} returning id, public_id, endpoint_id, attempt_count, event_id)
          select l.id, l.public_id, l.endpoint_id, l.attempt_count, ev.public_id as event_public_id, ev.type, ev.payload,
            ev.content_type, ev.received_at, e.updated_at as endpoint_updated_at
          from leased l join events ev on ev.id = l.event_id join endpoints e on e.id = l.endpoint_id
          order by l.id`.execute(db)
        return claimed.rows.map(toClaimed)
      }
      const result = await sql<{ id: number }>`${lease} returning id`.execute(db)
      const ids = result.rows.map((r) => r.id)
      if (ids.length === 0) return []
      const rows = await sql<ClaimedRow>`select d.id, d.public_id, d.endpoint_id, d.attempt_count, ev.public_id as event_public_id,
          ev.type, ev.payload, ev.content_type, ev.received_at, e.updated_at as endpoint_updated_at
        from deliveries d join events ev on ev.id = d.event_id join endpoints e on e.id = d.endpoint_id
        where d.id in (select value from json_each(${JSON.stringify(ids)}))
        order by d.id`.execute(db)
      return rows.rows.map(toClaimed)
    },

    /** Returns deliveries whose worker stopped renewing their lease (it died) to the queue. */
    async reclaimExpired (now: number): Promise<number> {
      const res = await db.updateTable('deliveries')
        .set({ status: 'pending', lease_owner: null, lease_expires_at: null, updated_at: now })
        .where('status', '=', 'delivering').where('lease_expires_at', '<', now)
        .executeTakeFirst()
      return Number(res.numUpdatedRows)
    },

    /** Keeps the leases of deliveries a live worker still holds. */
    async renewLeases (owner: string, ids: readonly number[], until: number): Promise<void> {
      if (ids.length === 0) return
      await db.updateTable('deliveries').set({ lease_expires_at: until })
        .where('id', 'in', [...ids]).where('lease_owner', '=', owner).where('status', '=', 'delivering').execute()
    },

    /** Gives leased deliveries back untouched (graceful stop, rate limit). */
    async release (owner: string, ids: readonly number[], nextAttemptAt: number): Promise<void> {
      if (ids.length === 0) return
      await db.updateTable('deliveries')
        .set({ status: 'pending', lease_owner: null, lease_expires_at: null, next_attempt_at: nextAttemptAt })
        .where('id', 'in', [...ids]).where('lease_owner', '=', owner).where('status', '=', 'delivering').execute()
    },

    /**
     * Records a try and the delivery's new state together. The attempt is kept even when the
     * lease was lost meanwhile (it happened); the state changes only for the lease holder.
     * Concurrent completions share a transaction (group commit).
     */
    complete (owner: string, deliveryId: number, endpointId: string, attempt: NewAttempt, outcome: DeliveryOutcome, now: number): Promise<boolean> {
      return completeInGroup({ owner, deliveryId, endpointId, attempt, outcome, now })
    },

    /** The earliest time work falls due: a pending delivery, or a lease that will expire. */
    async nextDueAt (): Promise<number | null> {
      // One round trip; each minimum is read from its own index.
      const { rows: [due] } = await sql<{ pending: number | null, leased: number | null }>`select
        (select min(next_attempt_at) from deliveries where status = 'pending') as pending,
        (select min(lease_expires_at) from deliveries where status = 'delivering') as leased`.execute(db)
      const times = [due?.pending, due?.leased].filter((t): t is number => t != null)
      return times.length === 0 ? null : Math.min(...times)
    },

    async findByPublicId (publicId: string): Promise<DeliveryView | undefined> {
      return withEvent().where('deliveries.public_id', '=', publicId).executeTakeFirst()
    },

    async attemptsOf (deliveryId: number): Promise<AttemptRow[]> {
      return db.selectFrom('attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('id').execute()
    },

    async list (q: DeliveryQuery): Promise<DeliveryView[]> {
      let page = db.selectFrom('deliveries').selectAll()
      if (q.endpointId !== undefined) page = page.where('endpoint_id', '=', q.endpointId)
      if (q.eventId !== undefined) page = page.where('event_id', '=', q.eventId)
      if (q.status !== undefined) page = page.where('status', '=', q.status)
      if (q.since !== undefined) page = page.where('created_at', '>=', q.since)
      if (q.tenantId !== undefined) {
        page = page.where('endpoint_id', 'in', db.selectFrom('endpoints').select('id').where('tenant_id', '=', q.tenantId))
      }
      // The page first, then its events: the join touches one page of rows, whatever the
      // planner thinks of the filter's selectivity.
      return db.selectFrom(keyset(page, 'id', q.afterId, q.order).limit(q.limit).as('d'))
        .innerJoin('events', 'events.id', 'd.event_id')
        .leftJoin('endpoints', 'endpoints.id', 'd.endpoint_id')
        .selectAll('d')
        .select(['events.public_id as event_public_id', 'endpoints.circuit_open_until', 'endpoints.tenant_id'])
        .orderBy('d.id', q.order ?? 'asc')
        .execute()
    },

    /** Queues a finished delivery again, now. False when it is still open. */
    async requeue (id: number, now: number): Promise<boolean> {
      const res = await db.updateTable('deliveries')
        .set({ status: 'pending', next_attempt_at: now, updated_at: now })
        .where('id', '=', id).where('status', 'not in', OPEN_STATUSES).executeTakeFirst()
      return Number(res.numUpdatedRows) > 0
    },

    /** Queues again every failed delivery of an endpoint created since `since`; returns how many. */
    async requeueFailed (endpointId: string, since: number, now: number): Promise<number> {
      const res = await db.updateTable('deliveries')
        .set({ status: 'pending', next_attempt_at: now, updated_at: now })
        .where('endpoint_id', '=', endpointId).where('status', '=', 'failed').where('created_at', '>=', since)
        .executeTakeFirst()
      return Number(res.numUpdatedRows)
    },

    /** Open deliveries of an endpoint and the earliest time one falls due. */
    async backlog (endpointId: string) {
      const row = await db.selectFrom('deliveries')
        .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn.min('next_attempt_at').as('next')])
        .where('endpoint_id', '=', endpointId).where('status', 'in', OPEN_STATUSES)
        .executeTakeFirstOrThrow()
      return { count: Number(row.count), nextAttemptAt: row.next == null ? null : Number(row.next) }
    },

    /** Attempts of an endpoint since a time that sent something: how many, how many succeeded (a 2xx, or a broker's acknowledgement). */
    async attemptStats (endpointId: string, since: number) {
      const row = await db.selectFrom('attempts')
        .select((eb) => [
          eb.fn.countAll<number>().as('total'),
          eb.fn.sum<number>(eb.case().when(eb.or([
            eb.and([eb('response_status', '>=', 200), eb('response_status', '<', 300)]),
            // A broker's acknowledgement: an answer recorded with no HTTP status and no error.
            eb.and([eb('response_status', 'is', null), eb('error_code', 'is', null), eb('response', 'is not', null)]),
          ])).then(1).else(0).end()).as('ok'),
        ])
        .where('endpoint_id', '=', endpointId).where('started_at', '>=', since)
        // A try a transform skipped sent nothing: no response, no error.
        .where((eb) => eb.or([eb('response_status', 'is not', null), eb('error_code', 'is not', null), eb('response', 'is not', null)]))
        .executeTakeFirstOrThrow()
      return { total: Number(row.total), succeeded: Number(row.ok ?? 0) }
    },

    async recentAttempts (endpointId: string, limit: number): Promise<(AttemptRow & { delivery_public_id: string })[]> {
      return db.selectFrom('attempts')
        .innerJoin('deliveries', 'deliveries.id', 'attempts.delivery_id')
        .selectAll('attempts')
        .select('deliveries.public_id as delivery_public_id')
        .where('attempts.endpoint_id', '=', endpointId)
        .orderBy('attempts.id', 'desc').limit(limit).execute()
    },
  }
}

export type DeliveryRepository = ReturnType<typeof createDeliveryRepository>
