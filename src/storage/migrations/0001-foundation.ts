import { sql, type Kysely } from 'kysely'
import type { Engine } from '../database.ts'
import { epochMs, withId } from './column-types.ts'

export function foundation (engine: Engine) {
  const ms = epochMs(engine)
  return {
    async up (db: Kysely<any>) {
      await db.schema.createTable('settings')
        .addColumn('key', 'text', (col) => col.primaryKey())
        .addColumn('value', 'text', (col) => col.notNull())
        .execute()

      await withId(db.schema.createTable('users'), engine)
        .addColumn('email', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('permissions', 'text', (col) => col.notNull())
        .addColumn('created_at', ms, (col) => col.notNull())
        .addColumn('updated_at', ms, (col) => col.notNull())
        .addColumn('deleted_at', ms)
        .execute()
      // Basic auth logs in by name, so a live name is unique; deleted users free theirs.
      await db.schema.createIndex('users_name_live').on('users').column('name').unique()
        .where(sql.ref('deleted_at'), 'is', null).execute()

      await withId(db.schema.createTable('api_tokens'), engine)
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (col) => col.notNull().unique())
        .addColumn('created_at', ms, (col) => col.notNull())
        .addColumn('last_used_at', ms)
        .execute()
      await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute()

      await withId(db.schema.createTable('integrations'), engine)
        .addColumn('uuid', 'text', (col) => col.notNull().unique())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('provider', 'text')
        .addColumn('description', 'text')
        .addColumn('config', 'text')
        .addColumn('credentials', 'text')
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('metadata', 'text')
        .addColumn('is_active', 'integer', (col) => col.notNull())
        .addColumn('user_id', 'integer', (col) => col.notNull().references('users.id'))
        .addColumn('created_at', ms, (col) => col.notNull())
        .addColumn('updated_at', ms, (col) => col.notNull())
        .addColumn('deleted_at', ms)
        .execute()
      await db.schema.createIndex('integrations_user').on('integrations').columns(['user_id', 'id']).execute()
    },
    async down (db: Kysely<any>) {
      for (const table of ['integrations', 'api_tokens', 'users', 'settings']) {
        await db.schema.dropTable(table).execute()
      }
    },
  }
}
