import { randomBytes } from 'node:crypto'
import os from 'node:os'
import type { Logger } from 'pino'
import type { InboundSourceRow } from '../storage/source-repository.ts'
import type { SourceLeaseRepository } from '../storage/source-lease-repository.ts'
import { openAmqp } from './amqp.ts'
import { parseBrokerUrl, type BrokerKind } from './broker-url.ts'
import { resolveBrokerHost, type BrokerMessage, type OpenConsumer, type SourceConsumer } from './consumer.ts'
import { openMqtt } from './mqtt.ts'
import { openNats } from './nats.ts'
import { openRedis } from './redis.ts'

// The source supervisor: in every process that runs delivery workers (`serve` with
// HOOKHUB_WORKERS > 0, `hookhub worker`), one consumer per broker source that is enabled and not
// paused. It follows the sources table: at once when this process changes a source or another
// process signals a change (PostgreSQL NOTIFY), and every few seconds in any case.

const OPENERS: Record<BrokerKind, OpenConsumer> = { amqp: openAmqp, nats: openNats, redis: openRedis, mqtt: openMqtt }
/** Kinds whose brokers have no competing consumers: one process at a time consumes a source (a lease). */
const LEASED: readonly BrokerKind[] = ['mqtt']

const SYNC_EVERY_MS = 5_000
const BACKOFF_FIRST_MS = 500
const BACKOFF_MAX_MS = 30_000
/** A consumer that ran this long before it failed ends one outage; its failure starts another. */
const HEALTHY_MS = 10_000

type Deps = {
  listSources: () => Promise<InboundSourceRow[]>
  urlOf: (row: InboundSourceRow) => string
  receive: (row: InboundSourceRow, message: BrokerMessage) => Promise<unknown>
  leases: SourceLeaseRepository
  /** Calls back on a change signalled by any process; returns the unsubscribe. */
  subscribe: (listener: () => void) => () => void
  allowPrivateNetworks: boolean
  leaseMs: number
  logger: Logger | false
  clock: () => number
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  if (signal.aborted) return resolve()
  const timer = setTimeout(done, ms)
  function done () {
    clearTimeout(timer)
    signal.removeEventListener('abort', done)
    resolve()
  }
  signal.addEventListener('abort', done, { once: true })
})

/** What makes a running consumer stale: a change of the source's row. */
const versionOf = (row: InboundSourceRow) => `${row.updated_at}:${row.enabled}:${row.paused}:${row.user_id}:${row.owner_permissions}`
const wanted = (row: InboundSourceRow) => row.enabled === 1 && row.paused === 0

export function createSourceSupervisor ({ listSources, urlOf, receive, leases, subscribe, allowPrivateNetworks, leaseMs, logger, clock }: Deps) {
  /** This process among a broker's competing consumers, and as a lease holder. */
  const processName = `hookhub-${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
  const running = new Map<string, { version: string; abort: AbortController; done: Promise<void> }>()
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let unsubscribe = () => {}
  let syncing: Promise<void> | null = null
  let again = false

  /** Holds the lease of a leased source while `body` runs; `body` gets a signal that fires when the lease is lost. */
  async function whileLeased (sourceId: string, signal: AbortSignal, body: (lost: AbortSignal) => Promise<void>) {
    while (!signal.aborted) {
      const now = clock()
      if (await leases.acquire(sourceId, processName, now, now + leaseMs).catch(() => false)) break
      await sleep(leaseMs / 3, signal)
    }
    if (signal.aborted) return
    const lost = new AbortController()
    const stop = () => lost.abort()
    signal.addEventListener('abort', stop, { once: true })
    const renewing = (async () => {
      while (!lost.signal.aborted) {
        await sleep(leaseMs / 3, lost.signal)
        if (lost.signal.aborted) break
        const now = clock()
        if (!await leases.acquire(sourceId, processName, now, now + leaseMs).catch(() => false)) lost.abort()
      }
    })()
    try {
      await body(lost.signal)
    } finally {
      lost.abort()
      signal.removeEventListener('abort', stop)
      await renewing
      await leases.release(sourceId, processName).catch(() => {})
    }
  }

  /** Consumes one source until `signal` fires: reconnecting with backoff, warning once per outage. */
  async function run (row: InboundSourceRow, signal: AbortSignal) {
    const kind = row.kind as BrokerKind
    const target = parseBrokerUrl(kind, urlOf(row))
    const where = { source: row.id, kind, host: target.host }
    // One outage is warned about once: from the first failure until a consumer ran a while.
    let failures = 0
    let reconnectedLogged = false
    const consumeOnce = async (stop: AbortSignal) => {
      let consumer: SourceConsumer | undefined
      let connectedAt: number | null = null
      try {
        const address = await resolveBrokerHost(target.host, allowPrivateNetworks)
        consumer = await OPENERS[kind]({
          sourceId: row.id,
          target,
          address,
          consumerName: processName,
          leaseMs,
          store: async (message) => { await receive(row, message) },
        })
        connectedAt = Date.now()
        if (failures > 0 && !reconnectedLogged && logger) logger.info(where, 'broker source connected again')
        reconnectedLogged = failures > 0
        const aborted = new Promise<null>((resolve) => {
          if (stop.aborted) resolve(null)
          stop.addEventListener('abort', () => resolve(null), { once: true })
        })
        const reason = await Promise.race([consumer.ended, aborted])
        if (reason !== null) throw reason
      } catch (err) {
        if (connectedAt !== null && Date.now() - connectedAt >= HEALTHY_MS) {
          failures = 0
          reconnectedLogged = false
        }
        if (failures === 0 && logger) logger.warn({ ...where, err: (err as Error).message }, 'broker source cannot consume; reconnecting with backoff')
        else if (logger) logger.debug({ ...where, err: (err as Error).message }, 'broker source still cannot consume')
        failures++
      } finally {
        await consumer?.close().catch(() => {})
      }
      if (failures > 0 && !signal.aborted) {
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (failures - 1))
        await sleep(delay * (0.8 + Math.random() * 0.4), signal)
      }
    }
    while (!signal.aborted) {
      if (LEASED.includes(kind)) await whileLeased(row.id, signal, consumeOnce)
      else await consumeOnce(signal)
    }
  }

  function startOne (row: InboundSourceRow) {
    const abort = new AbortController()
    const done = run(row, abort.signal).catch((err: unknown) => {
      if (logger) logger.error({ source: row.id, err: (err as Error).message }, 'broker source consumer stopped')
    })
    running.set(row.id, { version: versionOf(row), abort, done })
  }

  async function stopOne (id: string) {
    const entry = running.get(id)
    if (!entry) return
    entry.abort.abort()
    await entry.done
    running.delete(id)
  }

  async function syncOnce () {
    const rows = await listSources()
    const byId = new Map(rows.filter(wanted).map((row) => [row.id, row]))
    // Gone, paused, disabled or changed: stopped (a changed one starts again below, as it is now).
    const stale = [...running].filter(([id, entry]) => {
      const row = byId.get(id)
      return !row || versionOf(row) !== entry.version
    }).map(([id]) => id)
    await Promise.all(stale.map(stopOne))
    if (stopped) return
    for (const row of byId.values()) if (!running.has(row.id)) startOne(row)
  }

  /** Brings the consumers in line with the table; calls during a sync fold into one more. */
  function sync (): Promise<void> {
    if (syncing) {
      again = true
      return syncing
    }
    syncing = (async () => {
      try {
        do {
          again = false
          await syncOnce().catch((err: unknown) => {
            if (logger) logger.warn({ err: (err as Error).message }, 'cannot read the broker sources; trying again')
          })
        } while (again && !stopped)
      } finally {
        syncing = null
      }
    })()
    return syncing
  }

  return {
    async start () {
      unsubscribe = subscribe(() => { void sync() })
      timer = setInterval(() => { void sync() }, SYNC_EVERY_MS)
      timer.unref()
      await sync()
    },
    /** Sources this process consumes now (connected, reconnecting or still closing). */
    consuming: () => [...running.keys()],
    /** Stops every consumer: messages being stored are stored and acknowledged first. */
    async stop () {
      stopped = true
      clearInterval(timer)
      unsubscribe()
      await syncing
      await Promise.all([...running.keys()].map(stopOne))
    },
  }
}

export type SourceSupervisor = ReturnType<typeof createSourceSupervisor>
