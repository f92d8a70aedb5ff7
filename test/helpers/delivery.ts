import type { TestHub } from './hub.ts'

/** Env for hubs that deliver to local sinks quickly. */
export const FAST_DELIVERY = {
  HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true',
  HOOKHUB_RETRY_SCHEDULE: '0,50ms,100ms',
  HOOKHUB_CIRCUIT_COOLDOWN: '100ms',
  // Long enough that a busy machine's slow answer is not taken for a hang.
  HOOKHUB_REQUEST_TIMEOUT: '1s',
}

export async function createEndpoint (hub: TestHub, body: Record<string, unknown>) {
  const res = await hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: hub.admin, payload: body })
  if (res.statusCode !== 201) throw new Error(`endpoint: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string; secret: string }
}

export async function publish (hub: TestHub, type: string, payload: unknown, extra: Record<string, unknown> = {}) {
  const res = await hub.app.inject({ method: 'POST', url: '/api/v1/events', headers: hub.admin, payload: { type, payload, ...extra } })
  if (res.statusCode !== 202) throw new Error(`publish: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string; deliveries: number }
}

export interface WireDelivery {
  id: string
  status: string
  attempt_count: number
  last_status_code: number | null
  next_attempt_at: string | null
  attempts?: { started_at: string; duration_ms: number; response: { status: number } | null; error: { code: string } | null; request: { url: string; headers: Record<string, string> } }[]
}

/** The deliveries of an event, each with its attempts. */
export async function deliveriesOf (hub: TestHub, eventId: string): Promise<WireDelivery[]> {
  const event = await hub.app.inject({ method: 'GET', url: `/api/v1/events/${eventId}`, headers: hub.admin })
  const list = (event.json() as { deliveries: WireDelivery[] }).deliveries
  return Promise.all(list.map(async (d) =>
    (await hub.app.inject({ method: 'GET', url: `/api/v1/deliveries/${d.id}`, headers: hub.admin })).json() as WireDelivery))
}

/** Polls until every delivery of the event is in a final state (or `until` holds); fails after `timeoutMs`. */
export async function settled (hub: TestHub, eventId: string, timeoutMs = 8000,
  until: (d: WireDelivery[]) => boolean = (ds) => ds.every((d) => ['succeeded', 'failed', 'cancelled', 'skipped'].includes(d.status))) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ds = await deliveriesOf(hub, eventId)
    if (ds.length > 0 && until(ds)) return ds
    if (Date.now() > deadline) throw new Error(`deliveries of ${eventId} did not settle: ${JSON.stringify(ds.map((d) => [d.status, d.attempt_count]))}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
