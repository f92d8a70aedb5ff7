import type { Kysely, Selectable } from 'kysely'
import type { DB, EventsTable } from './schema.ts'

export type EventRow = Selectable<EventsTable>

export interface NewEvent {
  publicId: string
  type: string
  source: string
  nodeId: string | null
  channel: string | null
  payload: string
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
  since?: number
  until?: number
  afterId: number
  limit: number
}

/** Thrown inside the publish transaction when a concurrent request claimed the same key first. */
class IdempotencyRace extends Error {}

export function createEventRepository (db: Kysely<DB>) {
  /** The live event stored under an idempotency key, with its delivery count. */
  async function previous (executor: Kysely<DB>, key: string, cutoff: number) {
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

  return {

    /**
     * Stores the event and its deliveries in one transaction, so that an acknowledged event
     * always has its deliveries. With an idempotency key seen after `cutoff`, stores nothing
     * and returns the first event instead.
     */
    async insertWithDeliveries (
      event: NewEvent,
      deliveries: NewDelivery[],
      idempotency: { key: string; cutoff: number } | null,
    ): Promise<{ event: EventRow; duplicate: boolean; deliveries: number; leased: { id: number; publicId: string; endpointId: string }[] }> {
      try {
        return await db.transaction().execute(async (trx) => {
          const earlier = idempotency && await previous(trx, idempotency.key, idempotency.cutoff)
          if (earlier) return earlier
          const row = await trx.insertInto('events').values({
            public_id: event.publicId,
            type: event.type,
            source: event.source,
            node_id: event.nodeId,
            channel: event.channel,
            payload: event.payload,
            received_at: event.receivedAt,
          }).returningAll().executeTakeFirstOrThrow()
          if (idempotency) {
            const res = await trx.insertInto('idempotency_keys')
              .values({ key: idempotency.key, event_id: row.id, created_at: event.receivedAt })
              .onConflict((oc) => oc.column('key').doUpdateSet({ event_id: row.id, created_at: event.receivedAt })
                .where('idempotency_keys.created_at', '<=', idempotency.cutoff))
              .executeTakeFirst()
            if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new IdempotencyRace()
          }
          const leased: { id: number; publicId: string; endpointId: string }[] = []
          if (deliveries.length > 0) {
            const inserted = await trx.insertInto('deliveries').values(deliveries.map((d) => ({
              public_id: d.publicId,
              event_id: row.id,
              endpoint_id: d.endpointId,
              status: d.lease ? 'delivering' : 'pending',
              attempt_count: 0,
              next_attempt_at: event.receivedAt,
              last_status_code: null,
              lease_owner: d.lease?.owner ?? null,
              lease_expires_at: d.lease?.until ?? null,
              created_at: event.receivedAt,
              updated_at: event.receivedAt,
            }))).returning(['id', 'public_id', 'endpoint_id', 'lease_owner']).execute()
            for (const d of inserted) if (d.lease_owner !== null) leased.push({ id: d.id, publicId: d.public_id, endpointId: d.endpoint_id })
          }
          return { event: row, duplicate: false, deliveries: deliveries.length, leased }
        })
      } catch (err) {
        if (!(err instanceof IdempotencyRace) || !idempotency) throw err
        const winner = await previous(db, idempotency.key, idempotency.cutoff)
        if (!winner) throw err
        return winner
      }
    },

    async findByPublicId (publicId: string): Promise<EventRow | undefined> {
      return db.selectFrom('events').selectAll().where('public_id', '=', publicId).executeTakeFirst()
    },

    async list (q: EventQuery): Promise<EventRow[]> {
      let query = db.selectFrom('events').selectAll().where('id', '>', q.afterId)
      if (q.type !== undefined) query = query.where('type', '=', q.type)
      if (q.source !== undefined) query = query.where('source', '=', q.source)
      if (q.since !== undefined) query = query.where('received_at', '>=', q.since)
      if (q.until !== undefined) query = query.where('received_at', '<', q.until)
      return query.orderBy('id').limit(q.limit).execute()
    },
  }
}

export type EventRepository = ReturnType<typeof createEventRepository>
