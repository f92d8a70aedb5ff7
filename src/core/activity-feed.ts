import { randomUUID } from 'node:crypto'

/** An event was stored (and its deliveries created). */
export interface EventActivity {
  id: string
  type: string
  source: string
  node_id: string | null
  channel: string | null
  deliveries: number
  created_at: number
}

/** A delivery changed state: an attempt finished, or it was queued again by hand. */
export interface DeliveryActivity {
  id: string
  event_id: string
  event_type: string
  endpoint_id: string
  /** Owner of the endpoint, for `.own` streams; not shown on the wire. */
  endpoint_user_id: number | null
  /** http, amqp, nats, redis or mqtt, for metrics; not shown on the wire. Absent when no try was made. */
  destination?: string
  status: string
  /** The attempt that just finished (0 when queued again without a try). */
  attempt: number
  max_attempts: number
  status_code: number | null
  duration_ms: number | null
  error: { code: string; message: string } | null
  next_attempt_at: number | null
  /** Set while the endpoint's open circuit holds the delivery: the next try waits until then. */
  circuit_open_until: number | null
  at: number
}

export type Activity =
  | { kind: 'event'; event: EventActivity }
  | { kind: 'delivery'; delivery: DeliveryActivity }

/** Carries batches to the other processes of a deployment (PostgreSQL NOTIFY); absent when alone. */
export interface ActivityTransport {
  send (payload: string): Promise<void>
  subscribe (listener: (payload: string) => void): () => void
}

type Listener = (activity: Activity, local: boolean) => void

// PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more.
const MAX_PAYLOAD_BYTES = 7_000
const FLUSH_MS = 50

/**
 * What is happening, for live streams and metrics. Local listeners hear each item at once;
 * other processes get them batched, one NOTIFY per 50 ms at most, so that a busy worker does
 * not pay a round trip per delivery.
 */
export function createActivityFeed (transport?: ActivityTransport) {
  const origin = randomUUID()
  const listeners = new Set<Listener>()
  let pending: Activity[] = []
  let timer: NodeJS.Timeout | null = null
  let flushing: Promise<void> = Promise.resolve()

  const emit = (activity: Activity, local: boolean) => {
    for (const listener of listeners) listener(activity, local)
  }

  async function sendBatches (items: Activity[]) {
    let batch: string[] = []
    let bytes = 0
    const send = () => transport!.send(`{"origin":"${origin}","items":[${batch.join(',')}]}`).catch(() => {})
    for (const item of items) {
      const text = JSON.stringify(item)
      const size = Buffer.byteLength(text)
      if (size > MAX_PAYLOAD_BYTES) continue
      if (bytes + size > MAX_PAYLOAD_BYTES) {
        await send()
        batch = []
        bytes = 0
      }
      batch.push(text)
      bytes += size + 1
    }
    if (batch.length > 0) await send()
  }

  function flush () {
    timer = null
    const items = pending
    pending = []
    flushing = flushing.then(() => sendBatches(items))
  }

  const unsubscribe = transport?.subscribe((payload) => {
    let message: { origin?: string; items?: Activity[] }
    try { message = JSON.parse(payload) } catch { return }
    if (message.origin === origin || !Array.isArray(message.items)) return
    for (const item of message.items) emit(item, false)
  })

  return {
    record (activity: Activity) {
      emit(activity, true)
      if (!transport) return
      pending.push(activity)
      timer ??= setTimeout(flush, FLUSH_MS)
    },
    /** `local` is false for what another process recorded. */
    subscribe (listener: Listener): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    /** Sends what is still buffered; call before the transport closes. */
    async close () {
      unsubscribe?.()
      if (timer) { clearTimeout(timer); flush() }
      await flushing
      listeners.clear()
    },
  }
}

export type ActivityFeed = ReturnType<typeof createActivityFeed>
