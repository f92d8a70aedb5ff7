// Live updates from GET /api/v1/stream (Server-Sent Events). EventSource cannot send an
// Authorization header, so the stream is read with fetch and a streaming reader. Whenever the
// stream is unavailable (not offered by this hub: 404; dropped; refused) the page polls its
// list instead, and the stream is tried again later: polling is also the reconnect strategy.
import { authHeader, queryString, session, type DeliveryStatus, type Query } from './api.ts'

export const POLL_MS = 3000
const RETRY_MS = [1000, 3000, 10_000, 30_000]
/** A hub without the stream route is asked again only now and then. */
const RETRY_ABSENT_MS = 60_000

export interface DeliveryMessage {
  id: string
  event_id: string
  event_type: string
  endpoint_id: string
  status: DeliveryStatus
  attempt: number
  max_attempts: number
  status_code: number | null
  duration_ms: number | null
  error: string | null
  next_attempt_at: string | null
  circuit_open_until: string | null
  at: string
}

export interface EventMessage {
  id: string
  type: string
  source: string
  node_id: string | null
  channel: string | null
  deliveries: number
  created_at: string
}

export type LiveMode = 'connecting' | 'live' | 'polling'

export interface LiveOptions {
  query?: Query
  onDelivery?: (message: DeliveryMessage) => void
  onEvent?: (message: EventMessage) => void
  /** Reloads what the page shows; called while polling and after (re)connecting. */
  poll: () => unknown
  onMode?: (mode: LiveMode) => void
}

/** Splits a text/event-stream into messages; comment lines (": ping") only keep it alive. */
export function parseMessages (buffer: string): { messages: { event: string; data: string }[]; rest: string } {
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n')
  const rest = blocks.pop() ?? ''
  const messages = []
  for (const block of blocks) {
    let event = 'message'
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon === -1 ? line : line.slice(0, colon)
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
    }
    if (data.length > 0) messages.push({ event, data: data.join('\n') })
  }
  return { messages, rest }
}

/** Starts live updates; returns the function that stops them. */
export function live (options: LiveOptions): () => void {
  const controller = new AbortController()
  let pollTimer: ReturnType<typeof setInterval> | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let failures = 0

  const setMode = (mode: LiveMode) => {
    options.onMode?.(mode)
    if (mode === 'polling' && pollTimer === undefined) pollTimer = setInterval(() => { void options.poll() }, POLL_MS)
    if (mode !== 'polling' && pollTimer !== undefined) {
      clearInterval(pollTimer)
      pollTimer = undefined
    }
  }

  const dispatch = (event: string, data: string) => {
    let parsed: unknown
    try { parsed = JSON.parse(data) } catch { return }
    if (event === 'delivery') options.onDelivery?.(parsed as DeliveryMessage)
    else if (event === 'event') options.onEvent?.(parsed as EventMessage)
  }

  const fallBack = (retryInMs: number) => {
    if (controller.signal.aborted) return
    setMode('polling')
    void options.poll()
    retryTimer = setTimeout(() => { void connect() }, retryInMs)
  }

  async function connect () {
    const token = session.token
    if (!token || controller.signal.aborted) return
    let res: Response
    try {
      res = await fetch(`/api/v1/stream${queryString(options.query)}`, {
        headers: { ...authHeader(token), accept: 'text/event-stream' },
        signal: controller.signal,
        cache: 'no-store',
      })
    } catch {
      return fallBack(RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)])
    }
    if (res.status === 401) {
      session.expired()
      return
    }
    if (!res.ok || !res.body) {
      void res.body?.cancel().catch(() => {})
      return fallBack(res.status === 404 ? RETRY_ABSENT_MS : RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)])
    }
    failures = 0
    setMode('live')
    // Whatever changed while connecting (or while polling) is fetched once.
    void options.poll()
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        const parsed = parseMessages(buffer + value)
        buffer = parsed.rest
        for (const m of parsed.messages) dispatch(m.event, m.data)
      }
    } catch {
      // dropped connection or stop(); fall back below unless stopped
    }
    fallBack(RETRY_MS[0])
  }

  setMode('connecting')
  void connect()
  return () => {
    controller.abort()
    clearTimeout(retryTimer)
    clearInterval(pollTimer)
  }
}
