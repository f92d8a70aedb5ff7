import { sql, type Kysely } from 'kysely'
import type { Engine } from './database.ts'
import { OPEN_STATUSES } from './delivery-repository.ts'
import type { DB } from './schema.ts'

/** Rows one prune batch deleted. */
export interface PruneCounts {
  events: number
  deliveries: number
  attempts: number
  idempotencyKeys: number
}

/** Several API processes may share one PostgreSQL database; one of them prunes at a time. */
const PRUNE_LOCK = 7_246_101

export function createRetentionRepository (db: Kysely<DB>, engine: Engine) {
  return {
    /**
     * Deletes up to `limit` events received before `cutoff` whose deliveries are all finished
     * (succeeded, failed or cancelled), with their deliveries, attempts and idempotency keys,
     * in one transaction. Never touches an event with pending or in-flight work. Returns null
     * when another process holds the prune lock (PostgreSQL).
     */
    async pruneBatch (cutoff: number, limit: number): Promise<PruneCounts | null> {
      return db.transaction().execute(async (trx) => {
        if (engine === 'postgres') {
          const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${PRUNE_LOCK}) as locked`.execute(trx)
          if (!rows[0]?.locked) return null
        }
        const candidates = await trx.selectFrom('events')
          .select('events.id')
          .where('events.received_at', '<', cutoff)
          .where(({ not, exists, selectFrom }) => not(exists(
            selectFrom('deliveries').select('deliveries.id')
              .whereRef('deliveries.event_id', '=', 'events.id')
              .where('deliveries.status', 'in', OPEN_STATUSES))))
          .orderBy('events.received_at')
          .limit(limit)
          .execute()
        let ids = candidates.map((r) => r.id)
        if (ids.length === 0) return { events: 0, deliveries: 0, attempts: 0, idempotencyKeys: 0 }

        // A finished delivery can be queued again (retry) between the look and the delete; on
        // PostgreSQL the row locks make that retry wait, and the check below sees its outcome.
        // SQLite has one writer, so nothing changes under this transaction.
        if (engine === 'postgres') {
          const locked = await trx.selectFrom('deliveries').select(['event_id', 'status'])
            .where('event_id', 'in', ids).forUpdate().execute()
          const reopened = new Set(locked.filter((d) => OPEN_STATUSES.includes(d.status)).map((d) => d.event_id))
          ids = ids.filter((id) => !reopened.has(id))
          if (ids.length === 0) return { events: 0, deliveries: 0, attempts: 0, idempotencyKeys: 0 }
        }

        const attempts = await trx.deleteFrom('attempts')
          .where('delivery_id', 'in', (eb) => eb.selectFrom('deliveries').select('id').where('event_id', 'in', ids))
          .executeTakeFirst()
        const deliveries = await trx.deleteFrom('deliveries').where('event_id', 'in', ids).executeTakeFirst()
        const keys = await trx.deleteFrom('idempotency_keys').where('event_id', 'in', ids).executeTakeFirst()
        const events = await trx.deleteFrom('events').where('id', 'in', ids).executeTakeFirst()
        return {
          events: Number(events.numDeletedRows),
          deliveries: Number(deliveries.numDeletedRows),
          attempts: Number(attempts.numDeletedRows),
          idempotencyKeys: Number(keys.numDeletedRows),
        }
      })
    },
  }
}

export type RetentionRepository = ReturnType<typeof createRetentionRepository>
