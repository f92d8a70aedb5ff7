// The one module that talks to the hub's HTTP API: the session token, requests, errors and
// the wire shapes the pages read (see README "API").

const TOKEN_KEY = 'hookhub.token'

let unauthorized: () => void = () => {}

export const session = {
  /** Where the token is kept; the portal keeps its own, so it never replaces the console's. */
  key: TOKEN_KEY,
  get token (): string | null { return sessionStorage.getItem(this.key) },
  /** Keeps the token for this tab only: it is gone when the tab closes. */
  signIn (token: string) { sessionStorage.setItem(this.key, token) },
  signOut () { sessionStorage.removeItem(this.key) },
  /** Called whenever the hub answers 401: the token was revoked or is wrong. */
  onUnauthorized (listener: () => void) { unauthorized = listener },
  expired () { unauthorized() },
}

/** An error answer of the hub, whatever dialect shaped it. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string | null

  constructor (status: number, code: string | null, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

/** Reads the message out of the native, Brokerstr, Laravel and Incoplax error bodies. */
function errorOf (status: number, body: unknown): ApiError {
  const b = (body ?? {}) as { error?: { code?: string; message?: string; details?: { fields?: Record<string, string[]> } }; message?: string; error_code?: number; error_message?: string }
  if (b.error?.message) {
    // A validation failure says what is wrong with which field.
    const fields = Object.entries(b.error.details?.fields ?? {}).map(([field, problems]) => `${field} ${problems.join(', ')}`)
    return new ApiError(status, b.error.code ?? null, fields.length > 0 ? `${b.error.message}: ${fields.join('; ')}` : b.error.message)
  }
  if (b.error_message) return new ApiError(status, String(b.error_code ?? ''), b.error_message)
  if (b.message) return new ApiError(status, null, b.message)
  return new ApiError(status, null, `The hub answered ${status}`)
}

export type Query = Record<string, string | number | undefined | null>

/** `?a=1&b=2` without the empty values; '' when nothing is left. */
export function queryString (query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  const text = params.toString()
  return text ? `?${text}` : ''
}

export const authHeader = (token: string) => ({ authorization: `Bearer ${token}` })

/** Calls the API with the session's token; JSON in and out; throws ApiError on 4xx/5xx. */
export async function api<T> (path: string, { method = 'GET', query, body, token = session.token }: { method?: string; query?: Query; body?: unknown; token?: string | null } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...(token ? authHeader(token) : {}) }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path + queryString(query), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  let parsed: unknown = null
  try { parsed = text ? JSON.parse(text) : null } catch { parsed = null }
  if (res.status === 401 && token === session.token) session.expired()
  if (!res.ok) throw errorOf(res.status, parsed)
  return parsed as T
}

/** Whether a token is accepted by the hub: anything but 401 means it authenticates. */
export async function checkToken (token: string): Promise<boolean> {
  try {
    await api('/api/v1/stats/overview', { token })
    return true
  } catch (err) {
    if (err instanceof ApiError) return err.status !== 401
    throw err
  }
}

export interface Page<T> { data: T[]; next_cursor: string | null }

export interface Endpoint {
  id: string
  url: string
  method: string
  format: string
  filter: { types: string[]; node_id?: string; channel?: string }
  enabled: boolean
  paused: boolean
  disabled_reason: string | null
  circuit_open_until: string | null
  ordering: string
  owner?: { dialect: string; id: string }
}

export type Circuit = 'closed' | 'open' | 'half-open'

export interface EndpointStats {
  endpoint_id: string
  circuit: { state: Circuit; consecutive_failures: number }
  backlog: number
  hourly: { start: string; attempts: number; succeeded: number; success_rate: number | null }[]
}

export interface Overview {
  generated_at: string
  events_per_minute: { start: string; count: number }[] | null
  attempts_last_hour: { total: number; succeeded: number }
  success_rate_last_hour: number | null
  backlog: number
  failing_endpoints: { id: string; url: string; enabled: boolean; disabled_reason: string | null; consecutive_failures: number; failing_since: string | null; circuit: Circuit }[]
}

export type DeliveryStatus = 'pending' | 'delivering' | 'succeeded' | 'failed' | 'cancelled' | 'skipped'
export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'delivering', 'succeeded', 'failed', 'cancelled', 'skipped']
/** States a delivery leaves only when someone retries it. */
export const FINISHED: DeliveryStatus[] = ['succeeded', 'failed', 'cancelled', 'skipped']

export interface Delivery {
  id: string
  event_id: string
  endpoint_id: string
  status: DeliveryStatus
  attempt_count: number
  next_attempt_at: string | null
  circuit_open_until: string | null
  last_status_code: number | null
  created_at: string
  updated_at: string
}

export interface Attempt {
  id: number
  started_at: string
  duration_ms: number
  request: { method: string; url: string; headers: Record<string, string> }
  /** An HTTP response, or what a broker answered when it took the message ({"broker":"amqp","ack":true}, …). */
  response: { status: number; headers: Record<string, string>; body: string } | BrokerAnswer | null
  error: { code: string; message: string } | null
  /** console.log output of the endpoint's transform (first 4 KB). */
  logs?: string
}

/** GET /api/v1/deliveries/{id}: the delivery, its event's type and payload, and every attempt. */
export type DeliveryDetail = Delivery & { event_type: string; payload: unknown; attempts: Attempt[] }

export interface EndpointHealth {
  endpoint_id: string
  success_rate: { last_hour: number | null; last_day: number | null }
  attempts: { last_hour: number; last_day: number }
  circuit: { state: Circuit; consecutive_failures: number }
  backlog: number
  next_attempt_at: string | null
}

/** An entry of the event-type catalog. */
export interface EventType {
  name: string
  description: string | null
  schema: unknown
  example: unknown
  deprecated: boolean
}

export interface HubEvent {
  id: string
  type: string
  source: string
  node_id: string | null
  channel: string | null
  payload?: unknown
  received_at: string
}

export interface Source {
  id: string
  name: string
  verify: string
  inbound_url: string
  enabled: boolean
  owner?: { dialect: string; id: string }
  last_received_at: string | null
}

export interface Integration {
  id: string
  name: string
  type: string
  provider: string | null
  status: string
  is_active: boolean
  inbound_url?: string
}

export interface LaravelPage<T> { data: T[]; current_page: number; last_page: number; total: number }

export interface RootNode { id: string; name: string; type: number; path: string; int_id: number; children: number; distributors: number }

export interface BrokerstrNode { id: string; parent_id: string | null; name: string; type: number; path: string; int_id: number }

export interface Distributor {
  id: string
  node_id: string
  meta: { host: string; path: string; method: string; authentication?: { type: number } } | null
}

export interface IntegrationPoint { id: string; code: string; type: string; url: string; token_local: string }

export interface ThuliumWebhook { id: number; actions: string[]; subscription_url: string; http_auth_user: string }

export interface BrokerAnswer { broker: string; [detail: string]: unknown }

export const isBrokerAnswer = (response: NonNullable<Attempt['response']>): response is BrokerAnswer => 'broker' in response
