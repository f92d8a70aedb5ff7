// The storage engines a run measures hookhub on. Everything engine-specific lives here — where a
// hub's database comes from, how its processes are laid out, the INGEST ceiling, how bytes on
// disk are measured — so the scenarios are the same code on both.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import type { Hub } from './hub.ts'

/** Bytes the events, deliveries and attempts of a hub take, with their counts. */
export interface Footprint {
  events: number
  deliveries: number
  attempts: number
  bytes: number
  /** What `bytes` is made of, by file or table. */
  detail: Record<string, number>
}

export interface Engine {
  name: 'sqlite' | 'postgres'
  /** How hookhub runs on it, for the JSON. */
  topology: string
  /** A fresh, empty database for one hub: its HOOKHUB_DATABASE_URL. */
  newDatabase (name: string): Promise<string>
  /** Settings every hub process gets on this engine. */
  hubEnv: Record<string, string>
  /** `hookhub worker` processes beside the API; 0: the API process delivers. */
  workerProcesses: number
  /** The environment of bench/servers/ingest.ts for this engine's INGEST ceiling, on a fresh store called `name`. */
  ingestEnv (name: string): Promise<Record<string, string>>
  /** Measured once everything is delivered; may stop the hub (SQLite must, to fold its WAL). */
  footprint (hub: Hub): Promise<Footprint>
  /** Removes what it created. */
  close (): Promise<void>
}

const COUNTS = "SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT COUNT(*) FROM deliveries) AS deliveries, (SELECT COUNT(*) FROM attempts) AS attempts"

/**
 * SQLite files in `dir`, one per hub, removed with it by close(); the API process delivers
 * (HOOKHUB_WORKERS default 1).
 */
export function sqliteEngine (dir: string): Engine {
  return {
    name: 'sqlite',
    topology: '1 hookhub serve process (SQLite file, in-process worker)',
    newDatabase: async (name) => `sqlite:${path.join(dir, `${name}.db`)}`,
    hubEnv: {},
    workerProcesses: 0,
    ingestEnv: async (name) => ({ INGEST_DB_FILE: path.join(dir, `${name}.db`) }),
    async footprint (hub) {
      // Killed rather than closed, so nothing the hub does on shutdown changes the file; SQLite
      // recovers the WAL on open, and the checkpoint folds it into the main file.
      await hub.stop()
      const file = hub.databaseUrl.slice('sqlite:'.length)
      const db = new Database(file)
      try {
        db.pragma('wal_checkpoint(TRUNCATE)')
        const counts = db.prepare(COUNTS).get() as { events: number, deliveries: number, attempts: number }
        const detail = Object.fromEntries([file, `${file}-wal`].map((f) => [path.basename(f), fs.existsSync(f) ? fs.statSync(f).size : 0]))
        return { ...counts, bytes: Object.values(detail).reduce((a, b) => a + b, 0), detail }
      } finally {
        db.close()
      }
    },
    close: async () => fs.rmSync(dir, { recursive: true, force: true }),
  }
}

/**
 * Databases created on the server of `adminUrl` (one per hub and one for INGEST_PG), all dropped
 * by close(). A hub is 1 API process (HOOKHUB_WORKERS=0) and 2 `hookhub worker` processes.
 */
export async function postgresEngine (adminUrl: string): Promise<Engine> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 })
  await admin.connect()
  const created: string[] = []
  const prefix = `hookhub_bench_${Date.now().toString(36)}`
  const newDatabase = async (name: string) => {
    const db = `${prefix}_${name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`.slice(0, 63)
    await admin.query(`CREATE DATABASE "${db}"`)
    created.push(db)
    const url = new URL(adminUrl)
    url.pathname = `/${db}`
    return url.toString()
  }
  return {
    name: 'postgres',
    topology: '1 hookhub serve process (HOOKHUB_WORKERS=0) + 2 hookhub worker processes, PostgreSQL',
    newDatabase,
    // PostgreSQL has no file to keep a generated key beside; every process needs the same one.
    hubEnv: { HOOKHUB_SECRET_KEY: randomBytes(32).toString('base64') },
    workerProcesses: 2,
    ingestEnv: async (name) => ({ INGEST_PG_URL: await newDatabase(name) }),
    async footprint (hub) {
      const client = new pg.Client({ connectionString: hub.databaseUrl, connectionTimeoutMillis: 5_000 })
      await client.connect()
      try {
        const counts = (await client.query(COUNTS)).rows[0] as Record<string, string>
        // Tables with their indexes and TOAST; the database size besides, for reference only.
        const sizes = (await client.query(`SELECT pg_total_relation_size('events') AS events, pg_total_relation_size('deliveries') AS deliveries,
          pg_total_relation_size('attempts') AS attempts, pg_database_size(current_database()) AS database`)).rows[0] as Record<string, string>
        const detail = Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, Number(v)]))
        return {
          events: Number(counts.events),
          deliveries: Number(counts.deliveries),
          attempts: Number(counts.attempts),
          bytes: detail.events + detail.deliveries + detail.attempts,
          detail,
        }
      } finally {
        await client.end()
      }
    },
    async close () {
      // FORCE: a hub killed a moment ago may still have a connection the server has not reaped.
      for (const db of created) await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`)
      await admin.end()
    },
  }
}
