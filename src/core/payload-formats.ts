// How an event's payload is written into a delivery body, per endpoint format.

export const PAYLOAD_FORMATS = ['standard', 'raw', 'kanboard', 'thulium'] as const
export type PayloadFormat = typeof PAYLOAD_FORMATS[number]

export interface RenderableEvent {
  type: string
  /** The payload exactly as received: JSON text. */
  payload: string
  receivedAt: number
}

function isKanboardEnvelope (event: RenderableEvent): boolean {
  if (!event.payload.trimStart().startsWith('{')) return false
  const data = JSON.parse(event.payload) as Record<string, unknown>
  const keys = Object.keys(data)
  return keys.length === 2 && data.event_name === event.type && 'event_data' in data
}

/**
 * Formats that wrap the payload splice its text in unchanged, so key order, numbers and
 * unicode reach the receiver as the sender wrote them.
 */
export function renderPayload (format: PayloadFormat, event: RenderableEvent): string {
  switch (format) {
    case 'raw':
      return event.payload
    case 'standard':
      return `{"type":${JSON.stringify(event.type)},"timestamp":${JSON.stringify(new Date(event.receivedAt).toISOString())},"data":${event.payload}}`
    case 'kanboard':
      // An event that came in from Kanboard already is the envelope: relay it as it came.
      if (isKanboardEnvelope(event)) return event.payload
      return `{"event_name":${JSON.stringify(event.type)},"event_data":${event.payload}}`
    case 'thulium': {
      const data = JSON.parse(event.payload) as unknown
      const flat = typeof data === 'object' && data !== null && !Array.isArray(data) ? data : { data }
      return JSON.stringify({ ...flat, action: event.type })
    }
  }
}
