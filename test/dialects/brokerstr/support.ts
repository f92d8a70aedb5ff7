// Shared fixtures of the Brokerstr dialect tests (seed 001: nodes and distributors).
import assert from 'node:assert/strict'
import type { LightMyRequestResponse } from 'fastify'
import type { TestHub } from '../../helpers/hub.ts'

export const BASE = '/api/v1/integration'

export const APEX = 1
export const ACCOUNT = 2
export const SUB_ACCOUNT = 3

export const MASK = '********'

/** Any RFC 4122 UUID, lower case (the seed's ids are v4 UUIDs). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
/** RFC 3339 with microseconds, UTC or with an offset: 2025-12-24T02:16:10.419696+03:00, 2025-12-23T16:49:21.110885Z. */
export const MICRO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/

/** The body of the seed's cURL example (`-d '…'`), byte for byte. */
export const SEED_BODY = `{
"meta": {
"host": "https://example.com",
"path": "/webhook",
"method": 1,
"authentication": {
"type": 1,
"username": "user",
"password": "pass"
}
}
}`

/** The seed's 201 response `meta` for SEED_BODY. */
export const SEED_RESPONSE_META = {
  host: 'https://example.com',
  path: '/webhook',
  method: 'GET',
  authentication: { type: 1, username: 'user', password: 'pass' },
}

export type Headers = Record<string, string>

/** The headers of a Brokerstr client: its token and `X-Target-Server: integration`. */
export const brokerstrHeaders = (authorization: { authorization: string }): Headers =>
  ({ ...authorization, 'x-target-server': 'integration' })

export interface WireNode {
  id: string
  parent_id: string | null
  name: string
  type: number
  path: string
  int_id: number
  created_at: string
  updated_at: string
}

export interface WireDistributor {
  id: string
  node_id: string
  meta: null | {
    host: string
    path: string
    method: string
    authentication?: { type: number; username?: string; password?: string; token?: string }
  }
  created_at: string
  updated_at: string
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** One request to the hub as the admin (or with `headers`), with `X-Target-Server: integration`. */
export function call (hub: TestHub, method: Method, url: string, payload?: unknown, headers: Headers = brokerstrHeaders(hub.admin)) {
  return hub.app.inject({ method, url, headers, ...(payload !== undefined && { payload: payload as object }) })
}

export async function createNode (hub: TestHub, body: { name: string; type: number; parent_id?: string | null }, headers?: Headers): Promise<WireNode> {
  const res = await call(hub, 'POST', `${BASE}/nodes`, body, headers)
  assert.equal(res.statusCode, 201, `creating node ${JSON.stringify(body)}: ${res.body}`)
  return res.json() as WireNode
}

/** Apex → Account → SubAccount. */
export async function createTree (hub: TestHub, prefix = '') {
  const apex = await createNode(hub, { name: `${prefix}Apex`, type: APEX })
  const account = await createNode(hub, { name: `${prefix}Account`, type: ACCOUNT, parent_id: apex.id })
  const sub = await createNode(hub, { name: `${prefix}SubAccount`, type: SUB_ACCOUNT, parent_id: account.id })
  return { apex, account, sub }
}

export async function createDistributor (hub: TestHub, nodeId: string, body: unknown, headers?: Headers): Promise<WireDistributor> {
  const res = await call(hub, 'POST', `${BASE}/distributors/nodes/${nodeId}`, body, headers)
  assert.equal(res.statusCode, 201, `creating distributor ${JSON.stringify(body)}: ${res.body}`)
  return res.json() as WireDistributor
}

export async function getJson<T = unknown> (hub: TestHub, url: string, headers?: Headers): Promise<T> {
  const res = await call(hub, 'GET', url, undefined, headers)
  assert.equal(res.statusCode, 200, `GET ${url}: ${res.body}`)
  return res.json() as T
}

/** RFC 3339 with microseconds, and within a minute of now. */
export function assertTimestamp (value: unknown, label: string) {
  assert.equal(typeof value, 'string', `${label} is a string`)
  assert.match(value as string, MICRO_TIMESTAMP, `${label}: ${String(value)}`)
  const at = Date.parse(value as string)
  assert.ok(Math.abs(at - Date.now()) < 60_000, `${label} is about now: ${String(value)}`)
}

/**
 * Brokerstr's error body `{"error": {"code", "message", "details"}}` with this status and code.
 * `details` is compared whole when given.
 */
export function assertError (res: LightMyRequestResponse, status: number, code: string, details?: Record<string, unknown>, label = '') {
  const where = `${label} ${res.body}`
  assert.equal(res.statusCode, status, where)
  assert.match(String(res.headers['content-type']), /^application\/json/, where)
  const body = res.json() as { error: { code: string; message: string; details: Record<string, unknown> } }
  assert.deepEqual(Object.keys(body), ['error'], where)
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'details', 'message'], where)
  assert.equal(body.error.code, code, where)
  assert.equal(typeof body.error.message, 'string', where)
  assert.ok(body.error.message.length > 0, `${where}: a message`)
  assert.equal(typeof body.error.details, 'object', where)
  assert.notEqual(body.error.details, null, where)
  if (details !== undefined) assert.deepEqual(body.error.details, details, where)
  return body.error
}

/**
 * 400 VALIDATION_ERROR whose `details` name `fields` (Brokerstr's field names), each with at
 * least one message: exactly these fields, or (`exact: false`) at least these.
 */
export function assertValidation (res: LightMyRequestResponse, fields: string[], label = '', { exact = true } = {}) {
  const error = assertError(res, 400, 'VALIDATION_ERROR', undefined, label)
  const named = Object.keys(error.details).sort()
  if (exact) assert.deepEqual(named, [...fields].sort(), `${label} names exactly ${fields.join(', ')}: ${res.body}`)
  else for (const field of fields) assert.ok(named.includes(field), `${label} names ${field}: ${res.body}`)
  for (const [field, messages] of Object.entries(error.details)) {
    assert.ok(Array.isArray(messages) && messages.length > 0 && messages.every((m) => typeof m === 'string' && m.length > 0),
      `${label} ${field} has messages: ${res.body}`)
  }
  return error
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`

/**
 * Runs every case and fails once at the end with the list of those that failed, so that one
 * wrong answer does not hide the others.
 */
export async function eachCase<T> (cases: readonly T[], check: (c: T) => Promise<void> | void) {
  const problems: string[] = []
  for (const c of cases) {
    try {
      await check(c)
    } catch (err) {
      problems.push((err as Error).message.split('\n')[0])
    }
  }
  assert.deepEqual(problems, [], `${problems.length} of ${cases.length} cases failed:\n${problems.join('\n')}`)
}
