import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import type { DatabaseTarget } from '../config.ts'
import type { DB } from './schema.ts'

export type Engine = 'sqlite' | 'postgres'

export interface Database {
  db: Kysely<DB>
  engine: Engine
  close (): Promise<void>
}

const INT8_OID = 20
const NUMERIC_OID = 1700

/** pg returns int8 as strings to protect precision; epoch-ms and counts fit a double. */
const pgTypes = {
  getTypeParser (oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value)
    if (oid === NUMERIC_OID) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format as 'text')
  },
}

export interface OpenOptions {
  /** PostgreSQL only: the schema every query runs in (each test file gets its own). */
  schema?: string
  poolSize?: number
}

const STATEMENT_CACHE_SIZE = 200

/**
 * Kysely prepares every query afresh; preparing costs as much as running a small one. The
 * hub's queries are a fixed set of texts, so their prepared statements are kept. Texts that
 * vary (batches of different sizes) take memory too (a statement of many rows is large), so
 * the least recently used one goes when the cache is full.
 */
function withStatementCache (sqlite: SQLite.Database) {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const statements = new Map<string, SQLite.Statement>()
  return {
    close: () => sqlite.close(),
    prepare (text: string): SQLite.Statement {
      let statement = statements.get(text)
      if (statement) {
        statements.delete(text)
      } else {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string)
        statement = sqlite.prepare(text)
      }
      statements.set(text, statement)
      return statement
    },
  }
}

const NAMED_STATEMENT_LIMIT = 256
const PLAN_CHANGED = /cached plan must not change result type/

/**
 * PostgreSQL plans an unnamed statement on every call; for the workers' claim that planning
 * cost more than running it. A text seen a second time gets a name, so each connection
 * prepares it once and reuses its plan. Names are bounded (texts that vary, such as IN lists,
 * stop getting new ones at the limit). A schema change under a running process (a migration
 * run from elsewhere) can invalidate a prepared `select *`: the query is then run unnamed and
 * naming stops for this process.
 */
function nameRepeatedStatements () {
  // text → its name, or null while it has been seen once
  const seen = new Map<string, string | null>()
  let named = 0
  let naming = true
  const nameOf = (text: string): string | undefined => {
    if (!naming) return undefined
    const name = seen.get(text)
    if (name) return name
    if (name === null && named < NAMED_STATEMENT_LIMIT) {
      const assigned = `hookhub_${named++}`
      seen.set(text, assigned)
      return assigned
    }
    if (name === undefined && seen.size < NAMED_STATEMENT_LIMIT * 4) seen.set(text, null)
    return undefined
  }
  return (client: pg.PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<pg.QueryResult>
    client.query = ((textOrConfig: unknown, values?: unknown) => {
      const name = typeof textOrConfig === 'string' && Array.isArray(values) ? nameOf(textOrConfig) : undefined
      if (!name) return query(textOrConfig, values)
      return query({ name, text: textOrConfig, values }).catch((err: Error) => {
        if (!PLAN_CHANGED.test(err.message)) throw err
        naming = false
        return query(textOrConfig, values)
      })
    }) as typeof client.query
  }
}

/**
 * The database holds every event and delivery: a new file is made readable by its owner only,
 * like secret.key, before SQLite opens it (SQLite would make it 0644 under the usual umask). SQLite
 * gives -wal and -shm the database file's own mode. An existing file keeps the mode it has.
 */
function createOwnerOnly (file: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return
  }
  // A umask can only narrow the mode, and an odd one (0277) would leave SQLite unable to write: set it exactly.
  fs.chmodSync(file, 0o600)
}

export function openDatabase (target: DatabaseTarget, options: OpenOptions = {}): Database {
  if (target.engine === 'sqlite') {
    if (target.file !== ':memory:') createOwnerOnly(target.file)
    const sqlite = new SQLite(target.file)
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('synchronous = NORMAL')
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma('busy_timeout = 5000')
    sqlite.pragma('temp_store = MEMORY')
    // SQLite's own lower() folds ASCII only; searches must treat Ö and ö alike, as PostgreSQL does.
    sqlite.function('lower', { deterministic: true }, (text: unknown) =>
      (typeof text === 'string' ? text.toLowerCase() : text) as string)
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
    return { db, engine: 'sqlite', close: () => db.destroy() }
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: options.poolSize ?? 10,
    types: pgTypes,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
    connectionTimeoutMillis: 5000,
  })
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {})
  // A connection the server ends while a request holds it between two queries (a transaction)
  // emits 'error' with no query to fail; unheard, that would crash the process. The next query
  // on it fails instead, and the pool drops it on release.
  const nameStatements = nameRepeatedStatements()
  pool.on('connect', (client) => {
    client.on('error', () => {})
    nameStatements(client)
  })
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  return { db, engine: 'postgres', close: () => db.destroy() }
}

/** PostgreSQL's `integer` (every id and small number column): a value outside it fails the query there. */
export const INTEGER_COLUMN = { min: -2_147_483_648, max: 2_147_483_647 } as const

/** Whether a client's number can be compared with an integer column on both engines alike. */
export const fitsIntegerColumn = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= INTEGER_COLUMN.min && (value as number) <= INTEGER_COLUMN.max

/** PostgreSQL's "numeric value out of range": a client's number reached a column too narrow for it. */
export const isOutOfRange = (err: unknown) => (err as { code?: string })?.code === '22003'

export function isUniqueViolation (err: unknown): boolean {
  const code = (err as { code?: string })?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE'
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '53300',
  'SQLITE_BUSY', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_CANTOPEN',
])

/** True when the database could not be reached or refused work, as opposed to a bad query. */
export function isDatabaseUnavailable (err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  if (e?.code && CONNECTION_ERROR_CODES.has(e.code)) return true
  return typeof e?.message === 'string' &&
    /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect|is not currently accepting connections/i.test(e.message)
}
