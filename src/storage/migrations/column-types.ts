import type { CreateTableBuilder } from 'kysely'
import type { Engine } from '../database.ts'

// The few places where one migration set must speak two dialects of SQL.

export function withId<T extends string> (table: CreateTableBuilder<T, never>, engine: Engine) {
  return engine === 'postgres'
    ? table.addColumn('id', 'integer', (col) => col.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
}

/** Epoch milliseconds need 64 bits; SQLite's integer already is. */
export const epochMs = (engine: Engine) => (engine === 'postgres' ? 'bigint' : 'integer')
