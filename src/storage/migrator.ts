import { Migrator, type Migration } from 'kysely'
import type { Database } from './database.ts'
import { foundation } from './migrations/0001-foundation.ts'

function migrationsFor (engine: Database['engine']): Record<string, Migration> {
  return {
    '0001-foundation': foundation(engine),
  }
}

function migratorFor (database: Database) {
  return new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrationsFor(database.engine) },
  })
}

/**
 * Applies pending migrations. On PostgreSQL Kysely holds an advisory lock for the run, so
 * processes starting together apply each migration once.
 */
export async function migrateToLatest (database: Database): Promise<string[]> {
  const { error, results } = await migratorFor(database).migrateToLatest()
  if (error) throw error
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/** Names of migrations this build knows but the database has not applied. */
export async function pendingMigrations (database: Database): Promise<string[]> {
  const all = await migratorFor(database).getMigrations()
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name)
}
