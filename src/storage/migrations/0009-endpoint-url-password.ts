import type { Kysely } from 'kysely'

/**
 * The password of a broker endpoint's URL (amqp://user:pass@…), sealed with the secret box. The
 * `url` column holds the URL with `****` in its place, so no reader of the row ever sees it.
 */
export function endpointUrlPassword () {
  return {
    async up (db: Kysely<any>) {
      await db.schema.alterTable('endpoints').addColumn('url_password', 'text').execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.alterTable('endpoints').dropColumn('url_password').execute()
    },
  }
}
