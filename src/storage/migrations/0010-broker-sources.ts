import type { Kysely } from 'kysely'
import type { Engine } from '../database.ts'
import { epochMs } from './column-types.ts'

/**
 * Sources that consume a broker (AMQP queue, NATS JetStream consumer, Redis stream group, MQTT
 * topic) beside the inbound-URL ones: their kind, sealed URL (it may hold a password), where a
 * message names its type, and whether consumption is paused. An MQTT topic has no competing
 * consumers, so one process at a time holds a lease row for it and consumes.
 */
export function brokerSources (engine: Engine) {
  return {
    async up (db: Kysely<any>) {
      await db.schema.alterTable('sources').addColumn('kind', 'text', (col) => col.notNull().defaultTo('http')).execute()
      await db.schema.alterTable('sources').addColumn('broker_url', 'text').execute()
      await db.schema.alterTable('sources').addColumn('type_from', 'text').execute()
      await db.schema.alterTable('sources').addColumn('paused', 'integer', (col) => col.notNull().defaultTo(0)).execute()
      await db.schema.createTable('source_leases')
        .addColumn('source_id', 'text', (col) => col.primaryKey())
        .addColumn('holder', 'text', (col) => col.notNull())
        .addColumn('expires_at', epochMs(engine), (col) => col.notNull())
        .execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.dropTable('source_leases').execute()
      for (const column of ['paused', 'type_from', 'broker_url', 'kind']) {
        await db.schema.alterTable('sources').dropColumn(column).execute()
      }
    },
  }
}
