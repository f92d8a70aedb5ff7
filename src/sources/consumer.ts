import dns from 'node:dns/promises'
import net from 'node:net'
import { isBlockedAddress, SsrfBlockedError } from '../core/ssrf-guard.ts'
import type { BrokerTarget } from './broker-url.ts'

/** One message taken from a broker, as the source service stores it. */
export interface BrokerMessage {
  /** The body, byte for byte. */
  body: Buffer
  contentType: string | null
  /** Header and property names (lower case) with their values: where `type_from` looks. */
  headers: Map<string, string>
  /** What de-duplicates a message the broker delivers again; null when it carries nothing stable. */
  messageId: string | null
}

export interface ConsumerContext {
  sourceId: string
  target: BrokerTarget
  /** The address to connect to: the target host, resolved and checked by the SSRF guard. */
  address: string
  /** Names this process among the consumers of a broker that has competing consumers. */
  consumerName: string
  /** A message that nobody acknowledges goes back to the broker after this long (NATS ack wait, Redis claim). */
  leaseMs: number
  /** Stores the message as an event: resolves once committed, and only then is the message acknowledged. */
  store: (message: BrokerMessage) => Promise<void>
}

/**
 * A connection consuming one source. A failure to store a message or a lost connection ends it:
 * unacknowledged messages go back to the broker, and the supervisor opens a new one.
 */
export interface SourceConsumer {
  /** Resolves with the reason when the consumer ended by itself (connection lost, store failed). */
  readonly ended: Promise<Error>
  /** Stops taking messages, lets those being stored finish and acknowledges them, then disconnects. */
  close (): Promise<void>
}

export type OpenConsumer = (context: ConsumerContext) => Promise<SourceConsumer>

/** Messages a consumer stores at the same time: concurrent stores share a commit (group commit). */
export const CONCURRENCY = 64

/**
 * The address a broker host resolves to, refused when it is not public (unless private networks
 * are allowed): the consumer connects to this address, not to the name, so what was checked is
 * what is used.
 */
export async function resolveBrokerHost (host: string, allowPrivateNetworks: boolean): Promise<string> {
  const addresses = net.isIP(host) ? [{ address: host }] : await dns.lookup(host, { all: true })
  if (!allowPrivateNetworks) {
    const blocked = addresses.find((a) => isBlockedAddress(a.address))
    if (blocked) throw new SsrfBlockedError(blocked.address, host)
  }
  return addresses[0].address
}

/**
 * Bookkeeping every consumer shares: the `ended` promise, the stores in flight, and the first
 * failure, which ends the consumer (its `stop` then closes the connection without acknowledging more).
 */
export function consumerState (stop: () => Promise<void>) {
  let end!: (reason: Error) => void
  const ended = new Promise<Error>((resolve) => { end = resolve })
  const inFlight = new Set<Promise<unknown>>()
  let failed = false
  let stopped = false
  return {
    ended,
    get failed () { return failed },
    get stopped () { return stopped },
    /** Ends the consumer because of `err` (once), and disconnects. */
    fail (err: unknown) {
      if (failed || stopped) return
      failed = true
      end(err instanceof Error ? err : new Error(String(err)))
      stop().catch(() => {})
    },
    /** Tracks a store-and-acknowledge in flight. */
    track (work: Promise<unknown>) {
      inFlight.add(work)
      void work.finally(() => inFlight.delete(work))
    },
    /** Waits until fewer than CONCURRENCY stores are in flight. */
    async room () {
      while (inFlight.size >= CONCURRENCY) await Promise.race(inFlight).catch(() => {})
    },
    /** Waits for every store in flight (their failures were reported through `fail`). */
    async drain () {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    },
    markStopped () { stopped = true },
  }
}

/** Header values as text: brokers hand over strings, numbers, buffers and lists. */
export function headerText (value: unknown): string | null {
  if (value === undefined || value === null) return null
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  if (Array.isArray(value)) return value.length === 0 ? null : headerText(value[0])
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
