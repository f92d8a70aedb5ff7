import type { Kysely } from 'kysely'

/**
 * An endpoint's content filter (filter.payload): its match document as JSON text, null for none.
 * Routing compiles it once per version of the endpoint (src/core/filters.ts).
 */
export function endpointPayloadFilter () {
  return {
    async up (db: Kysely<any>) {
      await db.schema.alterTable('endpoints').addColumn('filter_payload', 'text').execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.alterTable('endpoints').dropColumn('filter_payload').execute()
    },
  }
}
