import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql, type Kysely } from 'kysely'
import type { DB } from '../../src/storage/schema.ts'
import { engines, migratedDatabase, reportSkippedPostgres } from '../helpers/engines.ts'

reportSkippedPostgres()

/** The plan's text, with PostgreSQL kept off sequential scans (an almost empty table would make one cheapest). */
async function planOf (db: Kysely<DB>, engine: string, query: ReturnType<typeof sql>): Promise<string> {
  if (engine === 'sqlite') return (await sql<{ detail: string }>`explain query plan ${query}`.execute(db)).rows.map((r) => r.detail).join('\n')
  return db.connection().execute(async (conn) => {
    await sql`set enable_seqscan = off`.execute(conn)
    const rows = (await sql<Record<string, string>>`explain ${query}`.execute(conn)).rows
    await sql`reset enable_seqscan`.execute(conn)
    return rows.map((r) => r['QUERY PLAN']).join('\n')
  })
}

for (const engine of engines) {
  describe(`[${engine}] the due and lease indexes`, () => {
    test('hold open deliveries only, and the worker\'s reads of due work and expired leases use them', async (t) => {
      const database = await migratedDatabase(t, engine)
      const { db } = database
      const definitions = engine === 'sqlite'
        ? (await sql<{ name: string, sql: string }>`select name, sql from sqlite_master where name in ('deliveries_due', 'deliveries_lease')`.execute(db)).rows
        : (await sql<{ name: string, sql: string }>`select indexname as name, indexdef as sql from pg_indexes
            where schemaname = current_schema() and indexname in ('deliveries_due', 'deliveries_lease')`.execute(db)).rows
      const byName = Object.fromEntries(definitions.map((d) => [d.name, d.sql]))
      assert.match(byName.deliveries_due, /\(\s*"?next_attempt_at"?\s*\)\s*where\s*\(?\s*"?status"?\s*=\s*'pending'/i)
      assert.match(byName.deliveries_lease, /\(\s*"?lease_expires_at"?\s*\)\s*where\s*\(?\s*"?status"?\s*=\s*'delivering'/i)
      assert.match(await planOf(db, engine, sql`select min(next_attempt_at) from deliveries where status = 'pending'`), /deliveries_due/)
      assert.match(await planOf(db, engine, sql`select min(lease_expires_at) from deliveries where status = 'delivering'`), /deliveries_lease/)
      assert.match(await planOf(db, engine, sql`select count(*) from deliveries where status = 'pending'`), /deliveries_due/)
    })
  })
}
