import type { Kysely } from 'kysely'
import type { DB } from './schema.ts'

export function createSettingsRepository (db: Kysely<DB>) {
  return {
    async get (key: string): Promise<string | undefined> {
      const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst()
      return row?.value
    },
    /** Stores the value unless one is already there, and returns whichever is stored. */
    async putIfAbsent (key: string, value: string): Promise<string> {
      await db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute()
      const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow()
      return row.value
    },
  }
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>
