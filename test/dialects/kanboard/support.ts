// Shared fixtures of the Kanboard dialect tests (seed 003).
import assert from 'node:assert/strict'
import type { TestHub } from '../../helpers/hub.ts'

/** The webhook token Kanboard shows under Settings → Webhooks (any opaque string). */
export const KANBOARD_TOKEN = 'a3f9c1d2e4b5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5'

/** The headers of the seed's "HTTP isteği örneği" (HTTP request example). */
export const KANBOARD_HEADERS = {
  'user-agent': 'Kanboard Webhook',
  'content-type': 'application/json',
  connection: 'close',
}

export interface StoredEvent {
  id: string
  type: string
  source: string
  node_id: string | null
  channel: string | null
  payload: unknown
  received_at: string
}

/** The path (and query) of an inbound URL, for `inject`. */
export const pathOf = (inboundUrl: string) => {
  const url = new URL(inboundUrl)
  return url.pathname + url.search
}

/** A native source that verifies Kanboard's ?token=. */
export async function kanboardSource (hub: TestHub, secret = KANBOARD_TOKEN) {
  const res = await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: 'kb', verify: 'kanboard', secret } })
  assert.equal(res.statusCode, 201, res.body)
  const body = res.json() as { id: string; inbound_url: string; verify: string }
  assert.equal(body.verify, 'kanboard')
  assert.match(body.inbound_url, /^http:\/\/localhost:8080\/hooks\/[A-Za-z0-9_-]+$/)
  return { id: body.id, inboundUrl: body.inbound_url, path: pathOf(body.inbound_url) }
}

/** A CyberCert webhook integration with provider kanboard (seed 000 + issue 5). */
export async function kanboardIntegration (hub: TestHub, token = KANBOARD_TOKEN) {
  const res = await hub.app.inject({
    method: 'POST', url: '/api/v1/integrations', headers: hub.admin,
    payload: { name: 'KB', type: 'webhook', provider: 'kanboard', credentials: { token } },
  })
  assert.equal(res.statusCode, 201, res.body)
  const body = res.json() as { uuid: string; inbound_url: string }
  assert.match(body.inbound_url, /^http:\/\/localhost:8080\/hooks\/[A-Za-z0-9_-]+$/)
  return { uuid: body.uuid, inboundUrl: body.inbound_url, path: pathOf(body.inbound_url) }
}

/** Posts a body to an inbound path as Kanboard does: `?token=…`, its headers, the exact bytes. */
export function postAsKanboard (hub: TestHub, path: string, body: string, token: string | null = KANBOARD_TOKEN, headers: Record<string, string> = KANBOARD_HEADERS) {
  const url = token === null ? path : `${path}?token=${encodeURIComponent(token)}`
  return hub.app.inject({ method: 'POST', url, headers, payload: Buffer.from(body, 'utf8') })
}

export async function storedEvents (hub: TestHub): Promise<StoredEvent[]> {
  const res = await hub.app.inject({ method: 'GET', url: '/api/v1/events?order=asc&limit=500', headers: hub.admin })
  assert.equal(res.statusCode, 200, res.body)
  return (res.json() as { data: StoredEvent[] }).data
}
