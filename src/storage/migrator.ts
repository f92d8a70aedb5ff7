import { Migrator, sql, type Migration } from 'kysely'
import type { Database } from './database.ts'
import { foundation } from './migrations/0001-foundation.ts'
import { deliveryCore } from './migrations/0002-delivery-core.ts'
import { dialectResources } from './migrations/0003-dialect-resources.ts'
import { eventContentType } from './migrations/0004-event-content-type.ts'
import { openDeliveryIndexes } from './migrations/0005-open-delivery-indexes.ts'
import { tenants } from './migrations/0006-tenants.ts'
import { endpointPayloadFilter } from './migrations/0007-endpoint-payload-filter.ts'
import { transforms } from './migrations/0008-transforms.ts'
import { endpointUrlPassword } from './migrations/0009-endpoint-url-password.ts'
import { brokerSources } from './migrations/0010-broker-sources.ts'

function migrationsFor (engine: Database['engine']): Record<string, Migration> {
  return {
    '0001-foundation': foundation(engine),
    '0002-delivery-core': deliveryCore(engine),
    '0003-dialect-resources': dialectResources(engine),
    '0004-event-content-type': eventContentType(),
    '0005-open-delivery-indexes': openDeliveryIndexes(),
    '0006-tenants': tenants(engine),
    '0007-endpoint-payload-filter': endpointPayloadFilter(),
    '0008-transforms': transforms(),
    '0009-endpoint-url-password': endpointUrlPassword(),
    '0010-broker-sources': brokerSources(engine),
  }
}

/**
 * Kysely looks for its bookkeeping tables by name across every schema it can see, so on
 * PostgreSQL it is told the schema this connection works in: another application's (or
 * test's) migration tables in a neighbouring schema must not count as ours.
 */
async function migratorFor (database: Database) {
  let migrationTableSchema: string | undefined
  if (database.engine === 'postgres') {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db)
    migrationTableSchema = rows[0].schema
  }
  return new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrationsFor(database.engine) },
    migrationTableSchema,
  })
}

/**
 * Applies pending migrations. On PostgreSQL Kysely holds an advisory lock for the run, so
 * processes starting together apply each migration once.
 */
export async function migrateToLatest (database: Database): Promise<string[]> {
  const { error, results } = await (await migratorFor(database)).migrateToLatest()
  if (error) throw error
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/**
 * Names of migrations this build knows but the database has not applied. Reads Kysely's
 * table directly: readiness probes run often, and the migrator would introspect every table.
 */
export async function pendingMigrations (database: Database): Promise<string[]> {
  let applied: string[]
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(database.db)
    applied = rows.map((r) => r.name)
  } catch (err) {
    const e = err as { code?: string; message?: string }
    if (e.code !== '42P01' && !/no such table/.test(e.message ?? '')) throw err
    applied = []
  }
  return Object.keys(migrationsFor(database.engine)).filter((name) => !applied.includes(name))
}
