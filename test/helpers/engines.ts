import { randomBytes } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import pg from 'pg'
import type { DatabaseTarget } from '../../src/config.ts'
import { openDatabase, type Database, type Engine } from '../../src/storage/database.ts'
import { migrateToLatest } from '../../src/storage/migrator.ts'

export const postgresUrl = process.env.HOOKHUB_TEST_DATABASE_URL

/** The engines a shared suite runs on: SQLite always, PostgreSQL when its URL is given. */
export const engines: Engine[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite']

/** Call once per file that runs on `engines`, so a skipped PostgreSQL tier shows in the summary. */
export function reportSkippedPostgres () {
  if (!postgresUrl) test.skip('[postgres] tier skipped: HOOKHUB_TEST_DATABASE_URL is not set')
}

export interface TestDatabase {
  target: DatabaseTarget
  schema?: string
  /** Runs `body` while no other test process creates or drops a schema (see below). */
  exclusive<T> (body: () => Promise<T>): Promise<T>
  drop (): Promise<void>
}

// Kysely's migrator looks at the tables of every schema before it takes its own lock; a test
// file dropping its schema at that moment makes the look fail. Test processes therefore
// migrate and drop one at a time, under this advisory lock.
const SCHEMA_LOCK = 7_246_001

async function underSchemaLock<T> (body: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl })
  await client.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [SCHEMA_LOCK])
    return await body()
  } finally {
    await client.query('select pg_advisory_unlock($1)', [SCHEMA_LOCK]).catch(() => {})
    await client.end()
  }
}

/** A fresh, empty database: SQLite in memory, or a new PostgreSQL schema dropped afterwards. */
export async function freshDatabase (engine: Engine): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    return { target: { engine: 'sqlite', file: ':memory:' }, exclusive: (body) => body(), drop: async () => {} }
  }
  if (!postgresUrl) throw new Error('HOOKHUB_TEST_DATABASE_URL is not set')
  const schema = `hh_test_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: postgresUrl })
  await client.connect()
  await client.query(`create schema ${schema}`)
  await client.end()
  return {
    target: { engine: 'postgres', url: postgresUrl },
    schema,
    exclusive: underSchemaLock,
    async drop () {
      await underSchemaLock(async () => {
        const c = new pg.Client({ connectionString: postgresUrl })
        await c.connect()
        await c.query(`drop schema if exists ${schema} cascade`)
        await c.end()
      })
    },
  }
}

/** Runs `body` on a fresh connection to `url`, closed afterwards. */
export async function withPgClient<T> (url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end()
  }
}

/**
 * A fresh PostgreSQL database (not a schema) on the test server, dropped when the test ends:
 * for child processes, which take a plain HOOKHUB_DATABASE_URL, and for tests that must cut
 * off a whole database. Returns its URL.
 */
export async function scratchPostgresDatabase (t: { after: (fn: () => Promise<unknown>) => void }, prefix = 'hh_scratch'): Promise<string> {
  if (!postgresUrl) throw new Error('HOOKHUB_TEST_DATABASE_URL is not set')
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  await withPgClient(postgresUrl, (c) => c.query(`create database ${name}`))
  t.after(() => withPgClient(postgresUrl, (c) => c.query(`drop database if exists ${name} with (force)`)))
  const url = new URL(postgresUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** A fresh database with every migration applied, closed and dropped when the test ends. */
export async function migratedDatabase (t: TestContext, engine: Engine): Promise<Database> {
  const fresh = await freshDatabase(engine)
  const database = openDatabase(fresh.target, { schema: fresh.schema })
  t.after(async () => {
    await database.close()
    await fresh.drop()
  })
  await fresh.exclusive(() => migrateToLatest(database))
  return database
}
