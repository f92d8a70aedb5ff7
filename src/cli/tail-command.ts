import { connectToHub, describeConnectionFailure, HubUnreachableError, type ApiOptions } from './api-client.ts'
import { parseEventStream } from './event-stream.ts'

export interface TailOptions extends ApiOptions {
  endpoint?: string
  type?: string
  events?: boolean
  json?: boolean
  /** Stop after this many lines (scripts, tests). */
  max?: number
}

interface DeliveryUpdate {
  id: string
  event_type: string
  endpoint_id: string
  status: string
  attempt: number
  max_attempts: number
  status_code: number | null
  duration_ms: number | null
  error: { code: string } | null
  next_attempt_at: string | null
  circuit_open_until: string | null
  at: string
}

interface StoredEvent {
  id: string
  type: string
  source: string
  deliveries: number
  created_at: string
}

const RECONNECT_MS = [500, 1000, 2000, 5000]
/** A hub that never answered is reported after this many tries; one that answered before is waited for. */
const FIRST_CONNECT_TRIES = 3
const COLOURS: Record<string, string> = { succeeded: '32', pending: '33', failed: '31', cancelled: '90', skipped: '90', event: '36' }

const useColour = () => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR

function paint (text: string, outcome: string): string {
  const code = COLOURS[outcome]
  return code && useColour() ? `\u001b[${code}m${text}\u001b[0m` : text
}

const clock = (iso: string) => iso.slice(11, 23)

function deliveryLine (d: DeliveryUpdate): string {
  const result = d.status_code !== null ? String(d.status_code) : d.error?.code ?? '-'
  const attempt = d.attempt === 0 ? 'queued again' : `attempt ${d.attempt}/${d.max_attempts}`
  const retry = d.status !== 'pending' || d.attempt === 0 ? ''
    : d.circuit_open_until ? `, circuit open until ${clock(d.circuit_open_until)}`
      : d.next_attempt_at ? `, retry at ${clock(d.next_attempt_at)}` : ''
  const line = [clock(d.at), d.event_type.padEnd(24), d.endpoint_id.padEnd(30), result.padEnd(18),
    d.duration_ms === null ? '-'.padStart(7) : `${d.duration_ms} ms`.padStart(7), attempt.padEnd(13), `${d.status}${retry}`].join('  ')
  return paint(line, d.status)
}

const eventLine = (e: StoredEvent) =>
  paint([clock(e.created_at), e.type.padEnd(24), `event ${e.id} from ${e.source}, ${e.deliveries} deliveries`].join('  '), 'event')

/**
 * `hookhub tail`: follows GET /api/v1/stream and prints each delivery update as it happens,
 * reconnecting when the hub goes away, until interrupted (or --max lines).
 */
export async function tail (options: TailOptions): Promise<void> {
  const hub = connectToHub(options)
  const token = options.token ?? process.env.HOOKHUB_TOKEN
  const max = options.max ?? Infinity
  const url = new URL(`${hub.url}/api/v1/stream`)
  if (options.endpoint) url.searchParams.set('endpoint_id', options.endpoint)
  if (options.type) url.searchParams.set('type', options.type)

  const abort = new AbortController()
  const interrupt = () => abort.abort()
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  let printed = 0
  let failures = 0
  let connected = false
  try {
    while (!abort.signal.aborted && printed < max) {
      let res: Response
      try {
        res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal })
      } catch (err) {
        if (abort.signal.aborted) break
        if (!connected && failures + 1 >= FIRST_CONNECT_TRIES) {
          throw new HubUnreachableError(`cannot connect to ${hub.url} (${describeConnectionFailure(err)}); is the hub running? (--url or HOOKHUB_URL)`)
        }
        // The hub restarting is normal: say so once per outage and keep trying.
        if (failures === 0 && connected) process.stderr.write(`hookhub: lost ${hub.url} (${(err as Error).message}); reconnecting…\n`)
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS[Math.min(failures++, RECONNECT_MS.length - 1)]))
        continue
      }
      if (!res.ok) {
        // Refused (token, permission): reconnecting cannot help; the API client words it.
        await hub.get('/api/v1/stream', { query: Object.fromEntries(url.searchParams) })
        throw new Error(`${hub.url} answered ${res.status} to the stream`)
      }
      if (failures > 0 && connected) process.stderr.write(`hookhub: connected to ${hub.url} again\n`)
      else if (!options.json) process.stderr.write(`following ${hub.url} (Ctrl-C to stop)\n`)
      failures = 0
      connected = true
      let ended = 'the hub closed the stream'
      try {
        for await (const message of parseEventStream(res.body as unknown as AsyncIterable<Uint8Array>)) {
          if (message.event === 'event' && !options.events) continue
          if (options.json) {
            process.stdout.write(`{"kind":${JSON.stringify(message.event)},"data":${message.data}}\n`)
          } else {
            const data = JSON.parse(message.data)
            process.stdout.write((message.event === 'event' ? eventLine(data) : deliveryLine(data)) + '\n')
          }
          if (++printed >= max) break
        }
      } catch (err) {
        ended = (err as Error).message
      }
      if (printed >= max || abort.signal.aborted) break
      process.stderr.write(`hookhub: stream interrupted (${ended}); reconnecting…\n`)
      failures++
    }
  } finally {
    abort.abort()
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
  }
}
