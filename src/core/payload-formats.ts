// How an event's payload is written into a delivery body, per endpoint format.

import { compactJson } from './raw-json.ts'

export const PAYLOAD_FORMATS = ['standard', 'raw', 'kanboard', 'thulium'] as const
export type PayloadFormat = typeof PAYLOAD_FORMATS[number]

export interface RenderableEvent {
  type: string
  /** The payload exactly as received: JSON text. */
  payload: string
  /**
   * Set when the body came in as something else than JSON; the payload is then its envelope,
   * {"content_type", "body"}, or {"content_type", "body_base64"} for bytes that are not UTF-8.
   */
  contentType?: string | null
  receivedAt: number
}

export interface RenderedBody {
  body: string | Buffer
  contentType: string
}

/** Methods whose requests carry no body: their event travels in the query string. */
export const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE'])

export interface RenderedQuery {
  /** `type=…&id=…&payload=…`, URL-encoded, to append to the endpoint's own query. */
  query: string
  /** The `payload` parameter's decoded value: what the signature covers. */
  payload: string | Buffer
}

const JSON_CONTENT_TYPE = 'application/json'

/** The User-Agent a delivery says unless its endpoint sets one: Kanboard's own, as its receivers may check. */
export const userAgentOf = (format: PayloadFormat, hookhubVersion: string) =>
  format === 'kanboard' ? 'Kanboard Webhook' : `hookhub/${hookhubVersion}`

function isKanboardEnvelope (event: RenderableEvent): boolean {
  if (!event.payload.trimStart().startsWith('{')) return false
  const data = JSON.parse(event.payload) as Record<string, unknown>
  const keys = Object.keys(data)
  return keys.length === 2 && data.event_name === event.type && 'event_data' in data
}

/**
 * Thulium's flat object: `"action"` first, then the payload's own fields spliced in as text
 * (numbers keep their digits). A payload that is no object goes under "data"; one with its own
 * "action" has it replaced.
 */
function thuliumBody (event: RenderableEvent): string {
  const action = `"action":${JSON.stringify(event.type)}`
  const text = event.payload.trim()
  if (!text.startsWith('{')) return `{${action},"data":${text}}`
  const data = JSON.parse(text) as Record<string, unknown>
  if ('action' in data) {
    const flat: Record<string, unknown> = { action: event.type, ...data }
    flat.action = event.type
    return JSON.stringify(flat)
  }
  const rest = text.slice(1).trimStart()
  return rest.startsWith('}') ? `{${action}}` : `{${action},${rest}`
}

/**
 * Formats that wrap the payload splice its text in unchanged, so key order, numbers and
 * unicode reach the receiver as the sender wrote them.
 */
export function renderPayload (format: PayloadFormat, event: RenderableEvent): RenderedBody {
  // A body that was not JSON goes to a raw endpoint as it came, with its own content type.
  if (format === 'raw' && event.contentType) {
    const envelope = JSON.parse(event.payload) as { body?: string; body_base64?: string }
    const body = envelope.body_base64 === undefined ? envelope.body ?? '' : Buffer.from(envelope.body_base64, 'base64')
    return { body, contentType: event.contentType }
  }
  return { body: renderJson(format, event), contentType: JSON_CONTENT_TYPE }
}

/**
 * A body-less delivery's query string: the event's type, its id and the body the format would
 * send (or a transform made), compacted when it is JSON (a URL has no room for indentation).
 */
export function renderQuery (event: { type: string; id: string }, { body, contentType }: RenderedBody): RenderedQuery {
  const payload = contentType === JSON_CONTENT_TYPE ? compactJson(body as string) : body
  const encoded = typeof payload === 'string' ? encodeURIComponent(payload) : percentEncodeBytes(payload)
  const query = `type=${encodeURIComponent(event.type)}&id=${encodeURIComponent(event.id)}&payload=${encoded}`
  return { query, payload }
}

/** encodeURIComponent for bytes that are not UTF-8 text (a raw body kept byte for byte). */
function percentEncodeBytes (bytes: Buffer): string {
  let out = ''
  for (const byte of bytes) {
    const char = String.fromCharCode(byte)
    out += /[A-Za-z0-9\-_.!~*'()]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

function renderJson (format: PayloadFormat, event: RenderableEvent): string {
  switch (format) {
    case 'raw':
      return event.payload
    case 'standard':
      return `{"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(new Date(event.receivedAt).toISOString())},"data":${event.payload}}`
    case 'kanboard':
      // An event that came in from Kanboard already is the envelope: relay it as it came.
      if (isKanboardEnvelope(event)) return event.payload
      return `{"event_name":${JSON.stringify(event.type)},"event_data":${event.payload}}`
    case 'thulium':
      return thuliumBody(event)
  }
}
