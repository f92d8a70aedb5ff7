import type { Kysely } from 'kysely'

/**
 * Events from sources that take any body: `content_type` is set when the body was not JSON, and the payload then
 * holds it in a {"content_type", "body"} envelope, so that a raw endpoint can pass it on exactly as it came.
 */
export function eventContentType () {
  return {
    async up (db: Kysely<any>) {
      await db.schema.alterTable('events').addColumn('content_type', 'text').execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.alterTable('events').dropColumn('content_type').execute()
    },
  }
}
