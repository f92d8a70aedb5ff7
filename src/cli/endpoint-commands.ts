import { connectToHub, segment, type ApiOptions } from './api-client.ts'
import { printJson, printLine, printPage, shortTime } from './output.ts'
import type { ListOptions } from './user-commands.ts'
import { UsageError } from './run-command.ts'

// Endpoints over the API: /api/v1/endpoints.

export interface WireEndpoint {
  id: string
  url: string
  method: string
  format: string
  filter: { types: string[]; node_id?: string; channel?: string; payload?: unknown }
  enabled: boolean
  paused: boolean
  disabled_reason: string | null
  circuit_open_until: string | null
  ordering: string
  created_at: string
}

export interface EndpointAddOptions extends ApiOptions {
  types?: string
  node?: string
  channel?: string
  filterPayload?: string
  tenant?: string
  method?: string
  format?: string
  header?: string[]
  bearer?: string
  basic?: string
  queryToken?: string
  queryParam?: string
  secret?: string
  ordering?: string
  rateLimit?: number
  maxInFlight?: number
  paused?: boolean
  json?: boolean
}

/** "Name: value" of --header, repeatable. */
function parseHeaders (list: string[] = []): Record<string, string> | undefined {
  if (list.length === 0) return undefined
  const headers: Record<string, string> = {}
  for (const item of list) {
    const colon = item.indexOf(':')
    if (colon < 1) throw new UsageError(`--header "${item}" is not "Name: value"`)
    headers[item.slice(0, colon).trim()] = item.slice(colon + 1).trim()
  }
  return headers
}

function authFrom (o: EndpointAddOptions) {
  if (o.bearer !== undefined) return { type: 'bearer', token: o.bearer }
  if (o.basic !== undefined) {
    const colon = o.basic.indexOf(':')
    if (colon < 1) throw new UsageError(`--basic must be user:password`)
    return { type: 'basic', username: o.basic.slice(0, colon), password: o.basic.slice(colon + 1) }
  }
  if (o.queryToken !== undefined) return { type: 'query', token: o.queryToken, ...(o.queryParam !== undefined && { param: o.queryParam }) }
  if (o.queryParam !== undefined) throw new UsageError('--query-param needs --query-token')
  return undefined
}

export const splitList = (value: string | undefined) =>
  value === undefined ? undefined : value.split(',').map((item) => item.trim()).filter(Boolean)

/** "enabled", "paused" or "disabled (why)". */
export const stateOf = (e: Pick<WireEndpoint, 'enabled' | 'paused' | 'disabled_reason' | 'circuit_open_until'>) =>
  !e.enabled ? `disabled${e.disabled_reason ? ` (${e.disabled_reason})` : ''}`
    : e.paused ? 'paused'
      : e.circuit_open_until ? `circuit open until ${shortTime(e.circuit_open_until)}` : 'enabled'

/** --filter-payload: a match document as JSON; the hub checks the document itself (422 names the bad part). */
function payloadFilterFrom (json: string | undefined): unknown {
  if (json === undefined) return undefined
  try {
    return JSON.parse(json)
  } catch {
    throw new UsageError(`--filter-payload is not JSON: ${json}`)
  }
}

export async function endpointAdd (url: string, o: EndpointAddOptions) {
  const hub = connectToHub(o)
  const payload = payloadFilterFrom(o.filterPayload)
  const filter = o.types !== undefined || o.node !== undefined || o.channel !== undefined || payload !== undefined
    ? { types: splitList(o.types), node_id: o.node, channel: o.channel, payload }
    : undefined
  const body = {
    url,
    tenant_id: o.tenant,
    method: o.method,
    headers: parseHeaders(o.header),
    auth: authFrom(o),
    secret: o.secret,
    format: o.format,
    filter,
    ordering: o.ordering,
    rate_limit_per_s: o.rateLimit,
    max_in_flight: o.maxInFlight,
    paused: o.paused,
  }
  const created = await hub.post<WireEndpoint & { secret: string }>('/api/v1/endpoints', { json: body })
  if (o.json) return printJson(created)
  printLine(
    `created endpoint ${created.id} (${stateOf(created)}): ${created.method} ${created.url}`,
    `  events:         ${created.filter.types.join(', ')}${created.filter.node_id ? ` on node ${created.filter.node_id}` : ''}${created.filter.channel ? ` on channel ${created.filter.channel}` : ''}` +
      (created.filter.payload !== undefined ? ` whose payload matches ${JSON.stringify(created.filter.payload)}` : ''),
    `  signing secret: ${created.secret} (shown once; verify deliveries with it)`,
  )
}

export async function endpointList (options: ListOptions) {
  const hub = connectToHub(options)
  const page = await hub.page<WireEndpoint>('/api/v1/endpoints', { limit: options.limit, cursor: options.cursor })
  if (options.json) return printJson(page)
  printPage(page, [
    ['ID', (e) => e.id],
    ['STATE', stateOf],
    ['FORMAT', (e) => e.format],
    ['EVENTS', (e) => e.filter.types.join(',') + (e.filter.node_id ? ` node=${e.filter.node_id}` : '') + (e.filter.channel ? ` channel=${e.filter.channel}` : '') +
      (e.filter.payload !== undefined ? ' +payload filter' : '')],
    ['CREATED', (e) => shortTime(e.created_at)],
    ['URL', (e) => `${e.method} ${e.url}`],
  ], 'no endpoints')
}

export async function endpointSetPaused (id: string, paused: boolean, options: ApiOptions & { json?: boolean }) {
  const hub = connectToHub(options)
  const endpoint = await hub.post<WireEndpoint>(`/api/v1/endpoints/${segment(id)}/${paused ? 'pause' : 'resume'}`, { subject: `endpoint ${id}` })
  if (options.json) return printJson(endpoint)
  printLine(paused
    ? `paused endpoint ${endpoint.id}; deliveries accumulate until: hookhub endpoint resume ${endpoint.id}`
    : `resumed endpoint ${endpoint.id}; accumulated deliveries are sent in order`)
}

export async function endpointRotateSecret (id: string, options: ApiOptions & { secret?: string; json?: boolean }) {
  const hub = connectToHub(options)
  const rotated = await hub.post<{ secret: string; previous_secret_valid_until: string }>(
    `/api/v1/endpoints/${segment(id)}/rotate-secret`,
    { subject: `endpoint ${id}`, json: options.secret === undefined ? undefined : { secret: options.secret } },
  )
  if (options.json) return printJson(rotated)
  printLine(
    `new signing secret of endpoint ${id} (shown once): ${rotated.secret}`,
    `the previous secret keeps signing beside it until ${shortTime(rotated.previous_secret_valid_until)}`,
  )
}
