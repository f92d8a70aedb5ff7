import { Agent, buildConnector, request } from 'undici'
import { guardedLookup, isBlockedAddress, literalAddressOf, SsrfBlockedError } from './ssrf-guard.ts'

export const RESPONSE_BODY_LIMIT = 4096
const MAX_DRAIN_BYTES = 1024 * 1024

export interface OutboundRequest {
  url: string
  method: string
  headers: Record<string, string>
  body: string | Buffer | null
}

export interface OutboundResponse {
  status: number
  headers: Record<string, string>
  /** The first 4 KB of the response body, as text. */
  body: string
  /** The whole body, when asked for with `keepBodyBytes` (synchronous relays pass it back). */
  rawBody?: Buffer
}

export interface SendOptions {
  /** A shorter whole-request timeout than the client's. */
  timeoutMs?: number
  /** Keep up to this many bytes of the body in `rawBody`. */
  keepBodyBytes?: number
}

export interface ClientOptions {
  allowPrivateNetworks: boolean
  connectTimeoutMs?: number
  requestTimeoutMs?: number
}

/** Why a try produced no HTTP response; stored on the attempt as `error.code`. */
export class DeliveryError extends Error {
  constructor (readonly code: string, message: string) {
    super(message)
  }
}

function classify (err: unknown, timedOut: boolean): DeliveryError {
  if (err instanceof DeliveryError) return err
  const e = err as { code?: string; message?: string; cause?: unknown }
  if (e?.code === 'HOOKHUB_SSRF_BLOCKED') return new DeliveryError('HOOKHUB_SSRF_BLOCKED', e.message ?? 'blocked')
  if (e?.cause && (e.cause as { code?: string }).code === 'HOOKHUB_SSRF_BLOCKED') return classify(e.cause, timedOut)
  if (timedOut || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT') {
    return new DeliveryError('TIMEOUT', 'the receiver did not answer in time')
  }
  if (e?.code === 'UND_ERR_CONNECT_TIMEOUT') return new DeliveryError('CONNECT_TIMEOUT', 'connecting to the receiver timed out')
  if (e?.code === 'ECONNREFUSED') return new DeliveryError('CONNECTION_REFUSED', e.message ?? 'connection refused')
  if (e?.code === 'ECONNRESET' || e?.code === 'UND_ERR_SOCKET') return new DeliveryError('CONNECTION_RESET', e.message ?? 'connection reset')
  if (e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') return new DeliveryError('DNS_FAILED', e.message ?? 'name not resolved')
  if (e?.code?.startsWith('ERR_TLS') || e?.code?.includes('CERT')) return new DeliveryError('TLS_ERROR', e.message ?? 'TLS failed')
  return new DeliveryError('CONNECTION_ERROR', e?.message ?? String(err))
}

/**
 * The one way hookhub talks to receivers: keep-alive pools per origin, connect and total
 * timeouts, redirects answered as they are (never followed), and the SSRF guard on the
 * address actually connected to.
 */
export function createDeliveryClient (options: ClientOptions) {
  const connectTimeout = options.connectTimeoutMs ?? 5_000
  const requestTimeout = options.requestTimeoutMs ?? 15_000
  const base = buildConnector({ timeout: connectTimeout, ...(options.allowPrivateNetworks ? {} : { lookup: guardedLookup }) })
  const connect: buildConnector.connector = (opts, callback) => {
    if (!options.allowPrivateNetworks) {
      // IP literals skip `lookup`, so they are checked here; named hosts in guardedLookup.
      const literal = ipLiteral(opts.hostname)
      if (literal && isBlockedAddress(literal)) return callback(new SsrfBlockedError(literal, opts.hostname), null)
    }
    return base(opts, (err, socket) => {
      if (err || !socket) return callback(err, null)
      const remote = socket.remoteAddress
      if (!options.allowPrivateNetworks && remote && isBlockedAddress(remote)) {
        socket.destroy()
        return callback(new SsrfBlockedError(remote, opts.hostname), null)
      }
      callback(null, socket)
    })
  }
  const agent = new Agent({
    connect,
    keepAliveTimeout: 30_000,
    headersTimeout: requestTimeout,
    bodyTimeout: requestTimeout,
    connections: 64,
  })

  return {
    async send (req: OutboundRequest, options: SendOptions = {}): Promise<OutboundResponse> {
      const signal = AbortSignal.timeout(Math.min(options.timeoutMs ?? requestTimeout, requestTimeout))
      try {
        const res = await request(req.url, {
          method: req.method as 'POST',
          headers: req.headers,
          body: req.body ?? undefined,
          dispatcher: agent,
          signal,
        })
        let body = ''
        let size = 0
        const kept: Buffer[] = []
        const keep = options.keepBodyBytes ?? 0
        // Read to the end so that the connection returns to the pool, unless the receiver
        // streams more than anyone needs: then drop the connection.
        for await (const chunk of res.body) {
          const bytes = chunk as Buffer
          if (size < RESPONSE_BODY_LIMIT) body += bytes.toString('utf8')
          if (size < keep) kept.push(bytes.subarray(0, keep - size))
          size += bytes.length
          if (size > Math.max(MAX_DRAIN_BYTES, keep)) break
        }
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v
        return {
          status: res.statusCode,
          headers,
          body: body.slice(0, RESPONSE_BODY_LIMIT),
          ...(keep > 0 && { rawBody: Buffer.concat(kept) }),
        }
      } catch (err) {
        throw classify(err, signal.aborted)
      }
    },
    close: () => agent.close(),
  }
}

function ipLiteral (hostname: string): string | null {
  return literalAddressOf(new URL(`http://${hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname}/`))
}

export type DeliveryClient = ReturnType<typeof createDeliveryClient>
