import dns from 'node:dns/promises'
import net from 'node:net'
import { DeliveryError } from '../core/delivery-client.ts'
import { isBlockedAddress, SsrfBlockedError } from '../core/ssrf-guard.ts'
import type { BrokerTarget } from './broker-url.ts'

const CONNECT_TIMEOUT_MS = 5_000
const FIRST_BACKOFF_MS = 500
const MAX_BACKOFF_MS = 30_000
/** A client closes politely (AMQP waits for close-ok); a broker gone already must not hold shutdown. */
const CLOSE_TIMEOUT_MS = 2_000

/** A broker client for one connection target; `lost` is called when the connection drops. */
export interface BrokerConnector<C> {
  connect (target: BrokerTarget, address: string, lost: () => void): Promise<C>
  close (client: C): Promise<void>
}

interface Entry<C> {
  client: C | null
  connecting: Promise<C> | null
  failures: number
  retryAt: number
  lastError: DeliveryError | null
}

/** Rejects with a TIMEOUT DeliveryError when `work` takes longer than `ms`. */
export function withTimeout<T> (work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeliveryError('TIMEOUT', `${what} did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/** A connection failure in the same codes the HTTP client records. */
export function connectionError (err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err
  const e = err as { code?: string; message?: string; errors?: unknown[] }
  // net.connect over several addresses reports an AggregateError of the refusals.
  const code = e?.code ?? (e?.errors?.[0] as { code?: string } | undefined)?.code
  const message = e?.message || String(err)
  // NATS reports a refusal in words only.
  if (code === 'ECONNREFUSED' || /connection refused/i.test(message)) return new DeliveryError('CONNECTION_REFUSED', message || 'connection refused')
  if (code === 'ECONNRESET' || code === 'EPIPE') return new DeliveryError('CONNECTION_RESET', message)
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new DeliveryError('DNS_FAILED', message)
  if (code === 'ETIMEDOUT') return new DeliveryError('CONNECT_TIMEOUT', message)
  if (/auth|credential|password|ACCESS.REFUSED|not authorized|NOAUTH|WRONGPASS/i.test(message)) return new DeliveryError('AUTH_FAILED', message)
  return new DeliveryError('CONNECTION_ERROR', message)
}

/** The address to connect to, checked by the SSRF guard as an HTTP receiver's would be. */
async function resolveGuarded (host: string, allowPrivateNetworks: boolean): Promise<string> {
  if (net.isIP(host)) {
    if (!allowPrivateNetworks && isBlockedAddress(host)) throw new SsrfBlockedError(host, host)
    return host
  }
  const addresses = await dns.lookup(host, { all: true })
  const blocked = addresses.find((a) => isBlockedAddress(a.address))
  if (!allowPrivateNetworks && blocked) throw new SsrfBlockedError(blocked.address, host)
  return addresses[0].address
}

/**
 * One client per broker connection target per process. A client that fails to connect is
 * retried no sooner than its backoff allows (0.5 s doubling to 30 s): until then tries fail at
 * once with the last error and are retried by the delivery schedule, so nothing is lost.
 */
export function createBrokerPool<C> (connector: BrokerConnector<C>, options: { allowPrivateNetworks: boolean; clock?: () => number }) {
  const entries = new Map<string, Entry<C>>()
  const clock = options.clock ?? Date.now
  let closed = false
  const closeQuietly = (client: C) => withTimeout(connector.close(client), CLOSE_TIMEOUT_MS, 'closing').catch(() => {})

  async function open (target: BrokerTarget, entry: Entry<C>): Promise<C> {
    let address: string
    try {
      address = await resolveGuarded(target.host, options.allowPrivateNetworks)
    } catch (err) {
      if (err instanceof SsrfBlockedError) throw new DeliveryError(err.code, err.message)
      throw connectionError(err)
    }
    let mine: C | null = null
    let dropped = false
    const lost = () => {
      dropped = true
      if (mine !== null && entry.client === mine) entry.client = null
      if (mine !== null) closeQuietly(mine)
    }
    const connecting = connector.connect(target, address, lost)
    const client = await withTimeout(connecting, CONNECT_TIMEOUT_MS, `connecting to ${target.kind} at ${target.host}:${target.port}`)
      .catch((err) => {
        // A connection that completes after the timeout is nobody's: close it when it does.
        connecting.then(closeQuietly, () => {})
        throw connectionError(err)
      })
    mine = client
    if (dropped) {
      await closeQuietly(client)
      throw new DeliveryError('CONNECTION_RESET', `the ${target.kind} connection dropped while it was set up`)
    }
    if (closed) {
      await closeQuietly(client)
      throw new DeliveryError('SHUTTING_DOWN', 'hookhub is shutting down')
    }
    return client
  }

  return {
    /** The connected client for `target`, connecting it when due; throws a DeliveryError otherwise. */
    async get (target: BrokerTarget): Promise<C> {
      if (closed) throw new DeliveryError('SHUTTING_DOWN', 'hookhub is shutting down')
      let entry = entries.get(target.poolKey)
      if (!entry) entries.set(target.poolKey, entry = { client: null, connecting: null, failures: 0, retryAt: 0, lastError: null })
      if (entry.client) return entry.client
      if (entry.connecting) return entry.connecting
      if (entry.lastError && clock() < entry.retryAt) {
        throw new DeliveryError(entry.lastError.code, `${entry.lastError.message} (reconnecting after ${new Date(entry.retryAt).toISOString()})`)
      }
      const current = entry
      current.connecting = open(target, current).then((client) => {
        current.client = client
        current.failures = 0
        current.lastError = null
        return client
      }, (err: DeliveryError) => {
        current.failures++
        current.lastError = err
        current.retryAt = clock() + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (current.failures - 1))
        throw err
      }).finally(() => { current.connecting = null })
      return current.connecting
    },

    /** Drops a client whose connection is no longer usable: the next try reconnects. */
    discard (target: BrokerTarget, client: C) {
      const entry = entries.get(target.poolKey)
      if (entry?.client !== client) return
      entry.client = null
      closeQuietly(client)
    },

    async close () {
      closed = true
      const clients = [...entries.values()].flatMap((e) => (e.client ? [e.client] : []))
      entries.clear()
      await Promise.all(clients.map(closeQuietly))
    },
  }
}

export type BrokerPool<C> = ReturnType<typeof createBrokerPool<C>>

/** The headers a broker message carries: the signature headers, custom headers and the event type. */
export function brokerHeaders (headers: Record<string, string>, eventType: string): Record<string, string> {
  const carried = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^(user-agent|content-type)$/i.test(name)))
  return { ...carried, 'webhook-event-type': eventType }
}

export const bodyOf = (body: string | Buffer | null) => (body === null ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body) : body)
