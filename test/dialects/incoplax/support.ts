// Shared fixtures of the Incoplax integration points dialect tests (seed 002, issue 6).
import assert from 'node:assert/strict'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import type { TestHub } from '../../helpers/hub.ts'

export const BASE = '/rest/v1/service/integration_points'
export const MASK = '********'

/** The seed's requests and responses carry this Content-Type. */
export const SEED_CONTENT_TYPE = 'application/json; charset=utf-8'

/** The entity of the seed's POST / GET / PATCH examples (before its token_remote was set). */
export const SEED_ENTITY = {
  id: 'b4680fbe-016c-d86f-1d6b-50e54938780c',
  code: 'ABCDE',
  type: 'public',
  token_local: '82ddc7c68623726346a78371173e2f8d',
  token_remote: '',
  token_remote2: '',
  url: 'http://trapper.com',
  recv_svcscriptcode: 'ws_hook',
  recv_svcscriptcode_ws: '',
  send_svcscriptcode: 'send_to_web',
  send_svcscriptcode_ws: '',
  opts: {
    title: '',
    comment: '',
    allow_files_api: false,
    issync: false,
  },
  ext: {
    ct: '2019-08-28T13:34:16.42Z',
    lwt: '2019-08-28T13:34:16.42Z',
  },
} as const

/** The second point of the seed's list example. */
export const SEED_SECOND = {
  id: 'a188288e-016c-d86f-cd99-50e54938780c',
  code: '902',
  type: 'telegram',
  url: 'http://trapper.com',
  recv_svcscriptcode: 'ws_hook',
  send_svcscriptcode: 'send_to_web',
} as const

/** What the client sends to create the seed's point: the entity without the server's fields. */
export const SEED_CREATE = {
  id: SEED_ENTITY.id,
  code: SEED_ENTITY.code,
  type: SEED_ENTITY.type,
  token_remote: '',
  token_remote2: '',
  url: SEED_ENTITY.url,
  recv_svcscriptcode: 'ws_hook',
  recv_svcscriptcode_ws: '',
  send_svcscriptcode: 'send_to_web',
  send_svcscriptcode_ws: '',
  opts: { title: '', comment: '', allow_files_api: false, issync: false },
}

/** The seed's LOOKUP request body, verbatim: the token_local of the seed's point b4680fbe-…. */
export const SEED_LOOKUP_BODY = '"82ddc7c68623726346a78371173e2f8d"'

/** The entity's keys, in the seed's order; opts adds recv_timeout (issue 6). */
export const ENTITY_KEYS = [
  'id', 'code', 'type', 'token_local', 'token_remote', 'token_remote2', 'url',
  'recv_svcscriptcode', 'recv_svcscriptcode_ws', 'send_svcscriptcode', 'send_svcscriptcode_ws', 'opts', 'ext',
]
export const OPTS_KEYS = ['title', 'comment', 'allow_files_api', 'issync', 'recv_timeout']

/** ISO 8601 UTC with Z, as the seed's ext.ct / ext.lwt ("2019-08-28T13:34:16.42Z"). */
export const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/
export const TOKEN_LOCAL = /^[0-9a-f]{32}$/
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export type Headers = Record<string, string>

export interface Entity {
  id: string
  code: string
  type: string
  token_local: string
  token_remote: string
  token_remote2: string
  url: string
  recv_svcscriptcode: string
  recv_svcscriptcode_ws: string
  send_svcscriptcode: string
  send_svcscriptcode_ws: string
  opts: { title: string; comment: string; allow_files_api: boolean; issync: boolean; recv_timeout: number }
  ext: { ct: string; lwt: string }
}

type Response = { statusCode: number; body: string; headers: Record<string, unknown>; json: () => unknown }

/** HTTP Basic `<name>:<token>`. */
export const basic = (name: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}` })

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `?name=value&…` with every value URL-encoded (JSON values as they are typed). */
export const query = (params: Record<string, string | number | boolean>) =>
  '?' + Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&')

/** POST as the seed sends it (its Content-Type, the JSON text); asserts the seed's 200. */
export async function createPoint (hub: TestHub, body: Record<string, unknown>, headers: Headers = hub.admin): Promise<Entity> {
  const res = await hub.app.inject({
    method: 'POST', url: BASE, headers: { ...headers, 'content-type': SEED_CONTENT_TYPE }, payload: JSON.stringify(body),
  })
  assert.equal(res.statusCode, 200, `create failed: ${res.body}`)
  return res.json() as Entity
}

export async function getPoint (hub: TestHub, id: string, headers: Headers = hub.admin): Promise<Entity> {
  const res = await hub.app.inject({ method: 'GET', url: `${BASE}/${id}`, headers })
  assert.equal(res.statusCode, 200, `get failed: ${res.body}`)
  return res.json() as Entity
}

export async function patchPoint (hub: TestHub, id: string, body: unknown, headers: Headers = hub.admin) {
  return hub.app.inject({
    method: 'PATCH', url: `${BASE}/${id}`, headers: { ...headers, 'content-type': SEED_CONTENT_TYPE }, payload: JSON.stringify(body),
  })
}

/** GET the list with these query parameters; asserts 200 and returns the array. */
export async function listPoints (hub: TestHub, params: Record<string, string | number | boolean> = {}, headers: Headers = hub.admin) {
  const res = await hub.app.inject({ method: 'GET', url: BASE + (Object.keys(params).length ? query(params) : ''), headers })
  assert.equal(res.statusCode, 200, `list ${JSON.stringify(params)} failed: ${res.body}`)
  return res.json() as Record<string, unknown>[]
}

/**
 * `inject` with a method outside http.METHODS (LOOKUP, SEARCH): its method check is turned off.
 * The real-socket path is tested with the server.
 */
export function injectVerb (hub: TestHub, options: { method: string; url: string; headers?: Headers; payload?: string }): Promise<LightMyRequestResponse> {
  return hub.app.inject({ ...options, validate: false } as unknown as InjectOptions)
}

/** LOOKUP through routing, with the seed's Content-Type when there is a body. */
export function lookup (hub: TestHub, body: string | undefined, headers: Headers = hub.admin) {
  return injectVerb(hub, {
    method: 'LOOKUP', url: BASE,
    headers: { ...headers, ...(body !== undefined && { 'content-type': SEED_CONTENT_TYPE }) },
    ...(body !== undefined && { payload: body }),
  })
}

/** The same lookup sent as `POST` with `X-HTTP-Method-Override: LOOKUP`. */
export function lookupByOverride (hub: TestHub, body: string | undefined, headers: Headers = hub.admin) {
  return hub.app.inject({
    method: 'POST', url: BASE,
    headers: { ...headers, 'x-http-method-override': 'LOOKUP', ...(body !== undefined && { 'content-type': SEED_CONTENT_TYPE }) },
    ...(body !== undefined && { payload: body }),
  })
}

/**
 * The dialect's error: exactly `{"error_code": 1000 + status, "error_message": "…"}`, the
 * message mentioning each of `mentions` (a field or parameter name).
 */
export function assertIncoplaxError (res: Response, status: number, mentions: string[] = [], what = '') {
  const label = `${what} ${res.body}`.trim()
  assert.equal(res.statusCode, status, label)
  assert.match(String(res.headers['content-type']), /^application\/json/, label)
  const body = res.json() as Record<string, unknown>
  assert.deepEqual(Object.keys(body).sort(), ['error_code', 'error_message'], label)
  assert.equal(body.error_code, 1000 + status, label)
  assert.equal(typeof body.error_message, 'string', label)
  assert.notEqual(body.error_message, '', label)
  for (const name of mentions) assert.ok((body.error_message as string).includes(name), `${label}: the message names ${name}`)
}

/** The entity the seed shows, for a point created from `created` (its generated parts checked apart). */
export function expectedEntity (actual: Entity, fields: Partial<Omit<Entity, 'opts' | 'ext'>> & { opts?: Partial<Entity['opts']> }) {
  return {
    id: actual.id,
    code: '',
    type: '',
    token_local: actual.token_local,
    token_remote: '',
    token_remote2: '',
    url: '',
    recv_svcscriptcode: '',
    recv_svcscriptcode_ws: '',
    send_svcscriptcode: '',
    send_svcscriptcode_ws: '',
    ...fields,
    opts: { title: '', comment: '', allow_files_api: false, issync: false, recv_timeout: 5000, ...fields.opts },
    ext: actual.ext,
  }
}

/** Checks the generated parts of an entity: token_local, ext.ct and ext.lwt. */
export function assertGenerated (entity: Entity, what = '') {
  assert.deepEqual(Object.keys(entity), ENTITY_KEYS, `${what}: the seed's fields, in its order`)
  assert.deepEqual(Object.keys(entity.opts), OPTS_KEYS, `${what}: opts`)
  assert.deepEqual(Object.keys(entity.ext), ['ct', 'lwt'], `${what}: ext`)
  assert.match(entity.token_local, TOKEN_LOCAL, `${what}: token_local is 32 lowercase hex`)
  assert.match(entity.ext.ct, ISO_UTC, `${what}: ext.ct`)
  assert.match(entity.ext.lwt, ISO_UTC, `${what}: ext.lwt`)
}
