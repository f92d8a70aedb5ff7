import { sql } from 'kysely'
import pg from 'pg'
import type { Database } from './database.ts'

/** The channels processes signal each other on; LISTEN needs them known up front. */
export const CHANNELS = {
  /** New due work: wakes idle delivery workers. */
  work: 'hookhub_work',
  /** Batches of activity (events stored, delivery attempts) for live streams in other processes. */
  activity: 'hookhub_activity',
  /** A broker source was created, paused, resumed or deleted: source supervisors look again. */
  sources: 'hookhub_sources',
} as const

export type Channel = typeof CHANNELS[keyof typeof CHANNELS]
type Listener = (payload: string) => void

const RELISTEN_MS = 1_000

/**
 * Signals between the parts of a deployment. In one process an in-memory callback carries
 * them; on PostgreSQL a NOTIFY also reaches other processes through one LISTEN connection
 * (and comes back to this one: a listener that must not see its own signals twice tells
 * them apart by their payload).
 */
export function createNotifications (database: Database, options: { url?: string } = {}) {
  const listeners = new Map<Channel, Set<Listener>>()
  const fire = (channel: Channel, payload: string) => {
    for (const listener of listeners.get(channel) ?? []) listener(payload)
  }
  let client: pg.Client | null = null
  let starting: Promise<void> | null = null
  let closed = false

  /** Connects and listens; while the database is away, tries again every second until it is back. */
  async function listen (): Promise<void> {
    if (database.engine !== 'postgres' || !options.url || closed) return
    const c = new pg.Client({ connectionString: options.url })
    c.on('notification', (message) => fire(message.channel as Channel, message.payload ?? ''))
    // A lost LISTEN connection only costs latency (workers also wake on their timers): reconnect.
    c.on('error', () => {
      if (client === c) client = null
      c.end().catch(() => {})
      relisten()
    })
    await c.connect()
    for (const channel of Object.values(CHANNELS)) await c.query(`listen ${channel}`)
    if (closed) {
      await c.end().catch(() => {})
      return
    }
    client = c
  }

  function relisten () {
    if (closed) return
    setTimeout(() => { listen().catch(relisten) }, RELISTEN_MS).unref()
  }

  const send = async (channel: Channel, payload: string) => {
    await sql`select pg_notify(${channel}, ${payload})`.execute(database.db)
  }

  // Bare wake-ups carry nothing, so those asked for while one is on its way fold into a single
  // further one: a busy API sends a couple per round trip instead of one per published event.
  const sending = new Map<Channel, Promise<void>>()
  const again = new Set<Channel>()
  function wake (channel: Channel): Promise<void> {
    const current = sending.get(channel)
    if (current) {
      again.add(channel)
      return current
    }
    const run = (async () => {
      try {
        do {
          again.delete(channel)
          await send(channel, '')
        } while (again.has(channel))
      } finally {
        sending.delete(channel)
      }
    })()
    sending.set(channel, run)
    return run
  }

  return {
    /** Call after the commit that the signal announces. */
    async notify (channel: Channel, payload = ''): Promise<void> {
      fire(channel, payload)
      if (database.engine !== 'postgres') return
      await (payload === '' ? wake(channel) : send(channel, payload))
    },
    subscribe (channel: Channel, listener: Listener): () => void {
      let set = listeners.get(channel)
      if (!set) listeners.set(channel, set = new Set())
      set.add(listener)
      return () => set.delete(listener)
    },
    /** Starts listening to other processes (PostgreSQL); idempotent. */
    start (): Promise<void> {
      starting ??= listen()
      return starting
    },
    async close () {
      closed = true
      listeners.clear()
      await client?.end().catch(() => {})
    },
  }
}

export type Notifications = ReturnType<typeof createNotifications>
