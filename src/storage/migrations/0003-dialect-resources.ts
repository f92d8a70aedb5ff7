import type { Kysely } from 'kysely'
import type { Engine } from '../database.ts'
import { epochMs, withId } from './column-types.ts'

/** The node tree, and the resources of the Brokerstr and Thulium dialects (each owns an endpoint). */
export function dialectResources (engine: Engine) {
  const ms = epochMs(engine)
  return {
    async up (db: Kysely<any>) {
      // `id` is the node's sequential int_id; `path` joins the int_ids from the root ("1.3.6").
      await withId(db.schema.createTable('nodes'), engine)
        .addColumn('uuid', 'text', (col) => col.notNull().unique())
        .addColumn('parent_uuid', 'text')
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('type', 'integer', (col) => col.notNull())
        .addColumn('path', 'text', (col) => col.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('created_at', ms, (col) => col.notNull())
        .addColumn('updated_at', ms, (col) => col.notNull())
        .addColumn('deleted_at', ms)
        .execute()
      await db.schema.createIndex('nodes_parent').on('nodes').columns(['parent_uuid', 'id']).execute()
      await db.schema.createIndex('nodes_path').on('nodes').column('path').execute()

      await db.schema.createTable('distributors')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('node_uuid', 'text', (col) => col.notNull())
        .addColumn('meta', 'text')
        .addColumn('endpoint_id', 'text')
        .addColumn('user_id', 'integer')
        .addColumn('created_at', ms, (col) => col.notNull())
        .addColumn('updated_at', ms, (col) => col.notNull())
        .addColumn('deleted_at', ms)
        .execute()
      await db.schema.createIndex('distributors_node').on('distributors').columns(['node_uuid', 'created_at']).execute()

      await withId(db.schema.createTable('thulium_webhooks'), engine)
        .addColumn('actions', 'text', (col) => col.notNull())
        .addColumn('subscription_url', 'text', (col) => col.notNull())
        .addColumn('http_auth_user', 'text', (col) => col.notNull())
        .addColumn('has_password', 'integer', (col) => col.notNull())
        .addColumn('endpoint_id', 'text', (col) => col.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('created_at', ms, (col) => col.notNull())
        .addColumn('updated_at', ms, (col) => col.notNull())
        .execute()

      // opts are columns of their own so that filter and order work in SQL on every field.
      await db.schema.createTable('integration_points')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('code', 'text', (col) => col.notNull().unique())
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('token_local', 'text', (col) => col.notNull().unique())
        .addColumn('token_remote', 'text', (col) => col.notNull())
        .addColumn('token_remote2', 'text', (col) => col.notNull())
        .addColumn('url', 'text', (col) => col.notNull())
        .addColumn('recv_svcscriptcode', 'text', (col) => col.notNull())
        .addColumn('recv_svcscriptcode_ws', 'text', (col) => col.notNull())
        .addColumn('send_svcscriptcode', 'text', (col) => col.notNull())
        .addColumn('send_svcscriptcode_ws', 'text', (col) => col.notNull())
        .addColumn('opts_title', 'text', (col) => col.notNull())
        .addColumn('opts_comment', 'text', (col) => col.notNull())
        .addColumn('opts_allow_files_api', 'integer', (col) => col.notNull())
        .addColumn('opts_issync', 'integer', (col) => col.notNull())
        .addColumn('opts_recv_timeout', 'integer', (col) => col.notNull())
        .addColumn('endpoint_id', 'text')
        .addColumn('source_id', 'text', (col) => col.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('created_at', ms, (col) => col.notNull())
        .addColumn('updated_at', ms, (col) => col.notNull())
        .execute()
    },
    async down (db: Kysely<any>) {
      for (const table of ['integration_points', 'thulium_webhooks', 'distributors', 'nodes']) await db.schema.dropTable(table).execute()
    },
  }
}
