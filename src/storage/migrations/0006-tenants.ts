import type { Kysely } from 'kysely'
import type { Engine } from '../database.ts'
import { epochMs, withId } from './column-types.ts'

/**
 * Tenants (the operator's customers), the event-type catalog and portal sessions. Endpoints and
 * events name their tenant; routing reads endpoints by tenant through `endpoints_tenant`, so
 * publishing to one tenant among many costs the same as among few.
 */
export function tenants (engine: Engine) {
  const ms = epochMs(engine)
  return {
    async up (db: Kysely<any>) {
      await db.schema.createTable('tenants')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('metadata', 'text', (col) => col.notNull())
        .addColumn('created_at', ms, (col) => col.notNull())
        .addColumn('updated_at', ms, (col) => col.notNull())
        .execute()

      await db.schema.alterTable('endpoints').addColumn('tenant_id', 'text').execute()
      await db.schema.createIndex('endpoints_tenant').on('endpoints').columns(['tenant_id']).execute()
      await db.schema.alterTable('events').addColumn('tenant_id', 'text').execute()
      await db.schema.createIndex('events_tenant').on('events').columns(['tenant_id', 'id']).execute()

      await db.schema.createTable('event_types')
        .addColumn('name', 'text', (col) => col.primaryKey())
        .addColumn('description', 'text')
        .addColumn('schema', 'text')
        .addColumn('example', 'text')
        .addColumn('deprecated', 'integer', (col) => col.notNull())
        .addColumn('created_at', ms, (col) => col.notNull())
        .addColumn('updated_at', ms, (col) => col.notNull())
        .execute()

      await withId(db.schema.createTable('portal_sessions'), engine)
        .addColumn('tenant_id', 'text', (col) => col.notNull())
        .addColumn('token_hash', 'text', (col) => col.notNull().unique())
        .addColumn('read_only', 'integer', (col) => col.notNull())
        .addColumn('expires_at', ms, (col) => col.notNull())
        .addColumn('created_at', ms, (col) => col.notNull())
        .execute()
      await db.schema.createIndex('portal_sessions_tenant').on('portal_sessions').columns(['tenant_id']).execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.dropTable('portal_sessions').execute()
      await db.schema.dropTable('event_types').execute()
      await db.schema.dropIndex('events_tenant').execute()
      await db.schema.alterTable('events').dropColumn('tenant_id').execute()
      await db.schema.dropIndex('endpoints_tenant').execute()
      await db.schema.alterTable('endpoints').dropColumn('tenant_id').execute()
      await db.schema.dropTable('tenants').execute()
    },
  }
}
