import type { Kysely, Selectable } from 'kysely'
import { createGroupCommit } from './group-commit.ts'
import type { DB, EventsTable } from './schema.ts'
import { keyset, type Order } from './keyset.ts'

export type EventRow = Selectable<EventsTable>
/** An event as the API shows it: with the dialect resource that owns its source, if one does. */
export type EventView = EventRow & { origin_dialect: string | null, origin_id: string | null }

export interface NewEvent {
  publicId: string
  type: string
  source: string
  nodeId: string | null
  channel: string | null
  tenantId: string | null
  payload: string
  /** Set for a body that was not JSON (see EventsTable). */
  contentType: string | null
  receivedAt: number
}

export interface NewDelivery {
  publicId: string
  endpointId: string
  /** Leased from the start, to this owner until then: a synchronous relay tries it itself. */
  lease?: { owner: string; until: number }
}

export interface EventQuery {
  type?: string
  source?: string
  tenantId?: string
  since?: number
  until?: number
  afterId: number
  limit: number
  order?: Order
}

/** Thrown inside the publish transaction when a concurrent request claimed the same key first. */
class IdempotencyRace extends Error {}

type Idempotency = { key: string; cutoff: number } | null
type Leased = { id: number; publicId: string; endpointId: string }
export type InsertResult = { event: EventRow; duplicate: boolean; deliveries: number; leased: Leased[] }
interface Insert { event: NewEvent; deliveries: NewDelivery[]; idempotency: Idempotency }

/** Rows per multi-row INSERT: far below both engines' limits on bound parameters. */
const ROWS_PER_INSERT = 1000

const eventValues = (event: NewEvent) => ({
  public_id: event.publicId,
  type: event.type,
  source: event.source,
  node_id: event.nodeId,
  channel: event.channel,
  tenant_id: event.tenantId,
  payload: event.payload,
  content_type: event.contentType,
  received_at: event.receivedAt,
})

const deliveryValues = (d: NewDelivery, eventId: number, at: number) => ({
  public_id: d.publicId,
  event_id: eventId,
  endpoint_id: d.endpointId,
  status: d.lease ? 'delivering' : 'pending',
  attempt_count: 0,
  next_attempt_at: at,
  last_status_code: null,
  lease_owner: d.lease?.owner ?? null,
  lease_expires_at: d.lease?.until ?? null,
  created_at: at,
  updated_at: at,
})

export function createEventRepository (db: Kysely<DB>) {
  /** The live event stored under an idempotency key, with its delivery count. */
  async function previous (executor: Kysely<DB>, key: string, cutoff: number): Promise<InsertResult | undefined> {
    const event = await executor.selectFrom('idempotency_keys')
      .innerJoin('events', 'events.id', 'idempotency_keys.event_id')
      .selectAll('events')
      .where('idempotency_keys.key', '=', key)
      .where('idempotency_keys.created_at', '>', cutoff)
      .executeTakeFirst()
    if (!event) return undefined
    const { count } = await executor.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('count'))
      .where('event_id', '=', event.id).executeTakeFirstOrThrow()
    return { event, duplicate: true, deliveries: Number(count), leased: [] }
  }

  /** Inserts delivery rows in chunks; returns the leased ones. */
  async function insertDeliveries (trx: Kysely<DB>, rows: ReturnType<typeof deliveryValues>[]): Promise<(Leased & { eventId: number })[]> {
    const leased: (Leased & { eventId: number })[] = []
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const inserted = await trx.insertInto('deliveries').values(rows.slice(i, i + ROWS_PER_INSERT))
        .returning(['id', 'public_id', 'endpoint_id', 'event_id', 'lease_owner']).execute()
      for (const d of inserted) {
        if (d.lease_owner !== null) leased.push({ id: d.id, publicId: d.public_id, endpointId: d.endpoint_id, eventId: d.event_id })
      }
    }
    return leased
  }

  /** One event with an idempotency key, inside `trx`. */
  async function insertKeyed (trx: Kysely<DB>, { event, deliveries, idempotency }: Insert): Promise<InsertResult> {
    const earlier = idempotency && await previous(trx, idempotency.key, idempotency.cutoff)
    if (earlier) return earlier
    const row = await trx.insertInto('events').values(eventValues(event)).returningAll().executeTakeFirstOrThrow()
    if (idempotency) {
      const res = await trx.insertInto('idempotency_keys')
        .values({ key: idempotency.key, event_id: row.id, created_at: event.receivedAt })
        .onConflict((oc) => oc.column('key').doUpdateSet({ event_id: row.id, created_at: event.receivedAt })
          .where('idempotency_keys.created_at', '<=', idempotency.cutoff))
        .executeTakeFirst()
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new IdempotencyRace()
    }
    const leased = await insertDeliveries(trx, deliveries.map((d) => deliveryValues(d, row.id, event.receivedAt)))
    return { event: row, duplicate: false, deliveries: deliveries.length, leased }
  }

  /** One event alone in its transaction; a lost idempotency race answers with the winner. */
  async function insertAlone (insert: Insert): Promise<InsertResult> {
    try {
      return await db.transaction().execute((trx) => insertKeyed(trx, insert))
    } catch (err) {
      if (!(err instanceof IdempotencyRace) || !insert.idempotency) throw err
      const winner = await previous(db, insert.idempotency.key, insert.idempotency.cutoff)
      if (!winner) throw err
      return winner
    }
  }

  /** Many events in one transaction: multi-row inserts for the plain ones, keyed ones one by one. */
  async function insertBatch (inserts: Insert[]): Promise<InsertResult[]> {
    return db.transaction().execute(async (trx) => {
      const results: InsertResult[] = new Array(inserts.length)
      const plain: number[] = []
      for (let i = 0; i < inserts.length; i++) {
        if (inserts[i].idempotency) results[i] = await insertKeyed(trx, inserts[i])
        else plain.push(i)
      }
      if (plain.length === 0) return results
      const rows = await trx.insertInto('events').values(plain.map((i) => eventValues(inserts[i].event))).returningAll().execute()
      const byPublicId = new Map(rows.map((row) => [row.public_id, row]))
      const deliveryRows: ReturnType<typeof deliveryValues>[] = []
      for (const i of plain) {
        const { event, deliveries } = inserts[i]
        const row = byPublicId.get(event.publicId) as EventRow
        results[i] = { event: row, duplicate: false, deliveries: deliveries.length, leased: [] }
        for (const d of deliveries) deliveryRows.push(deliveryValues(d, row.id, event.receivedAt))
      }
      for (const lease of await insertDeliveries(trx, deliveryRows)) {
        const i = plain.find((j) => results[j].event.id === lease.eventId) as number
        results[i].leased.push({ id: lease.id, publicId: lease.publicId, endpointId: lease.endpointId })
      }
      return results
    })
  }

  const insert = createGroupCommit(insertBatch, insertAlone)

  const views = () => db.selectFrom('events')
    .leftJoin('sources', 'sources.id', 'events.source')
    .selectAll('events')
    .select(['sources.owner_dialect as origin_dialect', 'sources.owner_id as origin_id'])

  return {

    /**
     * Stores the event and its deliveries in one transaction, so that an acknowledged event
     * always has its deliveries. With an idempotency key seen after `cutoff`, stores nothing
     * and returns the first event instead. Concurrent calls share a transaction (group commit).
     */
    insertWithDeliveries (event: NewEvent, deliveries: NewDelivery[], idempotency: Idempotency): Promise<InsertResult> {
      return insert({ event, deliveries, idempotency })
    },

    async findByPublicId (publicId: string): Promise<EventView | undefined> {
      return views().where('events.public_id', '=', publicId).executeTakeFirst()
    },

    async list (q: EventQuery): Promise<EventView[]> {
      let query = views()
      if (q.type !== undefined) query = query.where('events.type', '=', q.type)
      if (q.source !== undefined) query = query.where('events.source', '=', q.source)
      if (q.tenantId !== undefined) query = query.where('events.tenant_id', '=', q.tenantId)
      if (q.since !== undefined) query = query.where('events.received_at', '>=', q.since)
      if (q.until !== undefined) query = query.where('events.received_at', '<', q.until)
      return keyset(query, 'events.id', q.afterId, q.order).limit(q.limit).execute()
    },
  }
}

export type EventRepository = ReturnType<typeof createEventRepository>
