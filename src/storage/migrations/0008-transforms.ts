import type { Kysely } from 'kysely'

/**
 * Endpoint transforms (docs/transforms.md): the code and whether it runs, and on each attempt
 * the first 4 KB of what the transform wrote with console.log.
 */
export function transforms () {
  return {
    async up (db: Kysely<any>) {
      await db.schema.alterTable('endpoints').addColumn('transform_code', 'text').execute()
      await db.schema.alterTable('endpoints').addColumn('transform_enabled', 'integer', (col) => col.notNull().defaultTo(0)).execute()
      await db.schema.alterTable('attempts').addColumn('logs', 'text').execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.alterTable('attempts').dropColumn('logs').execute()
      await db.schema.alterTable('endpoints').dropColumn('transform_enabled').execute()
      await db.schema.alterTable('endpoints').dropColumn('transform_code').execute()
    },
  }
}
