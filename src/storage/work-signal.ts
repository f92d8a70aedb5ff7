import { sql } from 'kysely'
import pg from 'pg'
import type { Database } from './database.ts'

const CHANNEL = 'hookhub_work'

/**
 * Wakes idle delivery workers when work arrives. In one process an in-memory callback does;
 * on PostgreSQL a NOTIFY reaches workers in other processes through their LISTEN connection.
 */
export function createWorkSignal (database: Database, options: { url?: string; schema?: string } = {}) {
  const listeners = new Set<() => void>()
  const fire = () => { for (const listener of listeners) listener() }
  let client: pg.Client | null = null
  let closed = false

  async function listen () {
    if (database.engine !== 'postgres' || !options.url || closed) return
    const c = new pg.Client({ connectionString: options.url })
    c.on('notification', fire)
    // A lost LISTEN connection only costs latency (workers also wake on their timers): reconnect.
    c.on('error', () => {
      client = null
      if (!closed) setTimeout(() => { listen().catch(() => {}) }, 1000).unref()
    })
    await c.connect()
    await c.query(`listen ${CHANNEL}`)
    client = c
  }

  return {
    /** Call after a commit that created due work. */
    async notify (): Promise<void> {
      fire()
      if (database.engine === 'postgres') {
        await sql`select pg_notify(${CHANNEL}, '')`.execute(database.db)
      }
    },
    subscribe (listener: () => void): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    start: listen,
    async close () {
      closed = true
      listeners.clear()
      await client?.end().catch(() => {})
    },
  }
}

export type WorkSignal = ReturnType<typeof createWorkSignal>
