import { sql, type Kysely } from 'kysely'

/**
 * The indexes that find due work and expired leases hold open deliveries only. Before, they held
 * every delivery by status, so each claim and each completion moved an entry in both, and both
 * grew with the history; now a claim moves one entry from the first to the second and a
 * completion only removes it. Queries that use them name the status they cover.
 */
export function openDeliveryIndexes () {
  return {
    async up (db: Kysely<any>) {
      await db.schema.dropIndex('deliveries_due').execute()
      await db.schema.dropIndex('deliveries_lease').execute()
      await db.schema.createIndex('deliveries_due').on('deliveries').column('next_attempt_at').where(sql.ref('status'), '=', 'pending').execute()
      await db.schema.createIndex('deliveries_lease').on('deliveries').column('lease_expires_at').where(sql.ref('status'), '=', 'delivering').execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.dropIndex('deliveries_due').execute()
      await db.schema.dropIndex('deliveries_lease').execute()
      await db.schema.createIndex('deliveries_due').on('deliveries').columns(['status', 'next_attempt_at']).execute()
      await db.schema.createIndex('deliveries_lease').on('deliveries').columns(['status', 'lease_expires_at']).execute()
    },
  }
}
