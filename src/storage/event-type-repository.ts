import type { Kysely, Selectable, Updateable } from 'kysely'
import { createKeyBatch } from './key-batch.ts'
import type { DB, EventTypesTable } from './schema.ts'

export type EventTypeRow = Selectable<EventTypesTable>
/** What checking a payload needs: the schema, and its version (the row's updated_at) to cache it by. */
export type TypeSchema = Pick<EventTypeRow, 'schema' | 'updated_at'>

export function createEventTypeRepository (db: Kysely<DB>) {
  /** Publishes that arrive together ask for their types' schemas in one query. */
  const schemas = createKeyBatch<TypeSchema | undefined>(async (names) => {
    const rows = await db.selectFrom('event_types').select(['name', 'schema', 'updated_at']).where('name', 'in', names).execute()
    const byName = new Map(rows.map((row) => [row.name, row]))
    return names.map((name) => byName.get(name))
  })

  return {
    /** Inserts the type; undefined when its name is taken. */
    async insert (row: EventTypeRow): Promise<EventTypeRow | undefined> {
      return db.insertInto('event_types').values(row).onConflict((oc) => oc.column('name').doNothing())
        .returningAll().executeTakeFirst()
    },

    async findByName (name: string): Promise<EventTypeRow | undefined> {
      return db.selectFrom('event_types').selectAll().where('name', '=', name).executeTakeFirst()
    },

    async list (afterName: string, limit: number): Promise<EventTypeRow[]> {
      return db.selectFrom('event_types').selectAll().where('name', '>', afterName).orderBy('name').limit(limit).execute()
    },

    async update (name: string, values: Updateable<EventTypesTable>): Promise<EventTypeRow | undefined> {
      return db.updateTable('event_types').set(values).where('name', '=', name).returningAll().executeTakeFirst()
    },

    async remove (name: string): Promise<boolean> {
      const res = await db.deleteFrom('event_types').where('name', '=', name).executeTakeFirst()
      return Number(res.numDeletedRows) > 0
    },

    /** The schema of a type in the catalog; undefined for a type not in it. */
    schemaOf (name: string): Promise<TypeSchema | undefined> {
      return schemas(name)
    },
  }
}

export type EventTypeRepository = ReturnType<typeof createEventTypeRepository>
