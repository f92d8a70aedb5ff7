import { connectToHub, segment, type ApiOptions } from './api-client.ts'
import { printJson, printLine, printPage, shortTime } from './output.ts'
import type { ListOptions } from './user-commands.ts'

// The delivery log over the API: /api/v1/deliveries.

export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed', 'cancelled', 'skipped']

export interface WireDelivery {
  id: string
  event_id: string
  endpoint_id: string
  status: string
  attempt_count: number
  next_attempt_at: string | null
  /** Set while the endpoint's open circuit holds this pending delivery. */
  circuit_open_until: string | null
  last_status_code: number | null
  created_at: string
  updated_at: string
}

export interface DeliveriesOptions extends ListOptions {
  status?: string
  endpoint?: string
  event?: string
  since?: string
}

export async function deliveries (o: DeliveriesOptions) {
  const hub = connectToHub(o)
  const page = await hub.page<WireDelivery>('/api/v1/deliveries',
    { status: o.status, endpoint_id: o.endpoint, event_id: o.event, since: o.since, limit: o.limit, cursor: o.cursor })
  if (o.json) return printJson(page)
  printPage(page, [
    ['ID', (d) => d.id],
    ['STATUS', (d) => d.status],
    ['TRIES', (d) => String(d.attempt_count)],
    ['HTTP', (d) => (d.last_status_code === null ? '-' : String(d.last_status_code))],
    ['CREATED', (d) => shortTime(d.created_at)],
    ['NEXT TRY', (d) => (d.circuit_open_until ? `circuit open until ${shortTime(d.circuit_open_until)}` : shortTime(d.next_attempt_at))],
    ['ENDPOINT', (d) => d.endpoint_id],
    ['EVENT', (d) => d.event_id],
  ], 'no deliveries match')
}

export async function retry (id: string, o: ApiOptions & { json?: boolean }) {
  const hub = connectToHub(o)
  const delivery = await hub.post<WireDelivery>(`/api/v1/deliveries/${segment(id)}/retry`, { subject: `delivery ${id}` })
  if (o.json) return printJson(delivery)
  printLine(`queued delivery ${delivery.id} again (${delivery.status}, ${delivery.attempt_count} tries so far); follow it with: hookhub deliveries --event ${delivery.event_id}`)
}
