import type { Kysely } from 'kysely'
import type { DB } from './schema.ts'

/**
 * Leases on sources that one process at a time consumes (MQTT): a row per source naming its
 * holder until a time. Taking and renewing are one statement, so two processes never both hold it.
 */
export function createSourceLeaseRepository (db: Kysely<DB>) {
  return {
    /** Takes the lease, or renews it for its holder; false while another holder's lease runs. */
    async acquire (sourceId: string, holder: string, now: number, until: number): Promise<boolean> {
      const res = await db.insertInto('source_leases').values({ source_id: sourceId, holder, expires_at: until })
        .onConflict((oc) => oc.column('source_id')
          .doUpdateSet({ holder, expires_at: until })
          .where((eb) => eb.or([eb('source_leases.holder', '=', holder), eb('source_leases.expires_at', '<', now)])))
        .executeTakeFirst()
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0
    },
    async release (sourceId: string, holder: string): Promise<void> {
      await db.deleteFrom('source_leases').where('source_id', '=', sourceId).where('holder', '=', holder).execute()
    },
  }
}

export type SourceLeaseRepository = ReturnType<typeof createSourceLeaseRepository>
