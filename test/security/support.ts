// Shared by the security tier (test/security): the routes an app serves, read from the app
// itself; the error body every API family must answer with; and a log capture that fails the
// file when anything secret reached a log line.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, type TestContext } from 'node:test'
import { Writable } from 'node:stream'
import type { FastifyInstance, InjectOptions } from 'fastify'
import type { Logger } from 'pino'
import { createLogger } from '../../src/logger.ts'
import type { Engine } from '../../src/storage/database.ts'
import { freshDatabase } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'

export interface RouteEntry {
  /** As a client sends it: LOOKUP, not the SEARCH it travels as inside the router. */
  method: string
  /** Fastify's pattern, e.g. /api/v1/users/:id */
  url: string
}

const TREE_LINE = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([^)]*)\))?$/

/**
 * Every route the app serves, parsed from `printRoutes` (the router's own tree), so a route
 * added anywhere is picked up without touching the tests. HEAD is left out: Fastify adds it
 * beside every GET with the GET's options (auth and permission included).
 */
export function routesOf (app: FastifyInstance): RouteEntry[] {
  const routes: RouteEntry[] = []
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = TREE_LINE.exec(line)
    if (!match) continue
    const depth = match[1].length / 4
    stack.length = depth
    stack.push(match[2])
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      if (method === 'HEAD') continue
      routes.push({ method: method === 'SEARCH' ? 'LOOKUP' : method, url: stack.join('') })
    }
  }
  assert.ok(routes.length > 0, 'printRoutes lists the routes')
  return routes
}

export const routeKey = (route: RouteEntry) => `${route.method} ${route.url}`

export interface Answer { statusCode: number; headers: Record<string, unknown>; body: string }

/**
 * `inject` for any route, streaming ones too: an event stream never ends, so its body is not
 * waited for (the headers say enough). Methods light-my-request does not know (LOOKUP) pass
 * unvalidated.
 */
export async function injectBounded (app: FastifyInstance, options: InjectOptions): Promise<Answer> {
  const res = await app.inject({ ...options, payloadAsStream: true, validate: false } as InjectOptions)
  const stream = res.stream()
  if (/^text\/event-stream/.test(String(res.headers['content-type'] ?? ''))) {
    stream.destroy()
    return { statusCode: res.statusCode, headers: res.headers, body: '' }
  }
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return { statusCode: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }
}

/** The API families and the error body each documents (see DESIGN.md and the seeds). */
export type Family = 'native' | 'laravel' | 'brokerstr' | 'incoplax' | 'thulium'

export function familyOf (path: string): Family {
  if (path === '/api/v1/integrations' || path.startsWith('/api/v1/integrations/')) return 'laravel'
  if (path.startsWith('/api/v1/integration/')) return 'brokerstr'
  if (path.startsWith('/rest/v1/service/')) return 'incoplax'
  if (path === '/api/webhooks' || path.startsWith('/api/webhooks/')) return 'thulium'
  return 'native'
}

const BROKERSTR_CODES = new Set([
  'VALIDATION_ERROR', 'INVALID_JSON', 'BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'HEADERS_TOO_LARGE', 'REQUEST_TIMEOUT', 'RATE_LIMIT_EXCEEDED', 'CONFLICT', 'SERVICE_UNAVAILABLE',
])

type Res = { statusCode: number; body: string; headers: Record<string, unknown> }

function nativeShaped (body: unknown, codeOk: (code: string) => boolean) {
  const b = body as { error?: { code?: unknown; message?: unknown; details?: unknown } }
  return typeof b === 'object' && b !== null && Object.keys(b).length === 1 && typeof b.error === 'object' && b.error !== null &&
    typeof b.error.code === 'string' && codeOk(b.error.code) && typeof b.error.message === 'string' &&
    typeof b.error.details === 'object' && b.error.details !== null && !Array.isArray(b.error.details)
}

/** Whether an error response has exactly the body shape of its API family. */
export function hasErrorShape (res: Res, family: Family): boolean {
  if (!/^application\/json/.test(String(res.headers['content-type'] ?? ''))) return false
  let body: unknown
  try {
    body = JSON.parse(res.body)
  } catch {
    return false
  }
  switch (family) {
    case 'native':
    case 'thulium':
      return nativeShaped(body, (code) => /^HOOKHUB_[A-Z_]+$/.test(code))
    case 'brokerstr':
      return nativeShaped(body, (code) => BROKERSTR_CODES.has(code))
    case 'laravel': {
      const b = body as { message?: unknown; errors?: unknown }
      const keys = Object.keys(b ?? {})
      return typeof b?.message === 'string' && keys.every((k) => k === 'message' || k === 'errors') &&
        (b.errors === undefined || (typeof b.errors === 'object' && b.errors !== null && !Array.isArray(b.errors)))
    }
    case 'incoplax': {
      const b = body as { error_code?: unknown; error_message?: unknown }
      return Object.keys(b ?? {}).length === 2 && b.error_code === 1000 + res.statusCode && typeof b.error_message === 'string'
    }
  }
}

export function assertErrorShape (res: Res, family: Family, label: string) {
  assert.ok(hasErrorShape(res, family), `${label}: ${res.statusCode} is not a ${family} error body: ${res.body.slice(0, 300)}`)
}

// ---------------------------------------------------------------------------------------------
// Logs. Hubs of the security tier log at debug through the production logger (its redaction
// included) into memory; every secret a test makes is remembered, and when the file ends no
// log line may contain any of them.

const logLines: string[] = []
const secrets = new Set<string>()
let capturing = false

// Registered when this module loads, so it runs once the whole file is done; only files that
// captured logs are checked.
after(() => { if (capturing) assertNoSecretsLogged() })

/** The production logger, writing into this file's capture. */
export function capturedLogger () {
  capturing = true
  const sink = new Writable({
    write (chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'))
      done()
    },
  })
  return createLogger('debug', sink)
}

/** A secret (token, password, credential, signing secret) that must never appear in a log. */
export function rememberSecret<T extends string | undefined | null> (secret: T): T {
  // Short values ("pass", "u") would match unrelated text; every secret the tests make is longer.
  if (secret && secret.length >= 8 && secret !== '********') secrets.add(secret)
  return secret
}

export const loggedLines = () => logLines

/** Every secret remembered so far (the at-rest checks look for them too). */
export const secretsMade = (): ReadonlySet<string> => secrets

export function assertNoSecretsLogged () {
  // A capture that caught nothing, or a file that made no secrets, would pass vacuously.
  assert.ok(logLines.length > 0, 'the hubs logged something')
  assert.ok(secrets.size > 0, 'the tests made secrets')
  const text = logLines.join('')
  for (const secret of secrets) {
    const variants = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]
    for (const v of variants) assert.ok(!text.includes(v), `a log line contains the secret ${secret.slice(0, 6)}…: ${logLines.find((l) => l.includes(v))?.slice(0, 400)}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Rows of every resource, made through the API as a given caller (so `.own` rows belong to it).


export type Auth = { authorization: string }

/** A secret of the tests: random, long enough to be told apart in logs, and remembered. */
export const newSecret = (prefix = 'sec') => rememberSecret(`${prefix}_${randomBytes(12).toString('hex')}`)

async function made (hub: TestHub, method: 'POST' | 'PUT', url: string, auth: Auth, payload?: unknown) {
  const res = await hub.app.inject({ method, url, headers: { ...auth, 'x-target-server': 'integration' }, ...(payload !== undefined && { payload: payload as object }) })
  assert.ok([200, 201, 202].includes(res.statusCode), `${method} ${url}: ${res.statusCode} ${res.body}`)
  return res.json() as Record<string, any>
}

/** A public-looking target: creating it passes the SSRF check; workers are off, so nothing is sent. */
export const TARGET = 'https://receiver.example.com/hook'

export const resources = {
  endpoint: async (hub: TestHub, auth: Auth) =>
    (await made(hub, 'POST', '/api/v1/endpoints', auth, { url: TARGET, auth: { type: 'bearer', token: newSecret('ep_token') } })).id as string,
  source: async (hub: TestHub, auth: Auth) =>
    (await made(hub, 'POST', '/api/v1/sources', auth, { name: 'src', verify: 'token', secret: newSecret('src') })).id as string,
  /** A broker source whose URL holds a password (never consumed here: workers are off). */
  brokerSource: async (hub: TestHub, auth: Auth) =>
    (await made(hub, 'POST', '/api/v1/sources', auth, { name: 'queue', kind: 'amqp', url: `amqp://hub:${newSecret('amqp')}@rabbit.example.com/?queue=orders` })).id as string,
  integration: async (hub: TestHub, auth: Auth) =>
    (await made(hub, 'POST', '/api/v1/integrations', auth, {
      name: 'Stripe', type: 'webhook', provider: 'stripe', credentials: { webhook_secret: newSecret('whsec'), api_key: newSecret('sk_live') },
    })).uuid as string,
  node: async (hub: TestHub, auth: Auth) =>
    (await made(hub, 'POST', '/api/v1/integration/nodes', auth, { name: 'Acme', type: 1 })).id as string,
  distributor: async (hub: TestHub, auth: Auth, nodeId?: string) =>
    (await made(hub, 'POST', `/api/v1/integration/distributors/nodes/${nodeId ?? await resources.node(hub, auth)}`, auth, {
      meta: { host: 'https://receiver.example.com', path: '/hook', method: 2, authentication: { type: 1, username: 'user', password: newSecret('pw') } },
    })).id as string,
  webhook: async (hub: TestHub, auth: Auth) =>
    String((await made(hub, 'POST', '/api/webhooks', auth, {
      actions: ['CALL_ENDED'], subscription_url: TARGET, http_auth_user: 'u', http_auth_password: newSecret('thpw'),
    })).id),
  point: async (hub: TestHub, auth: Auth) =>
    (await made(hub, 'POST', '/rest/v1/service/integration_points', auth, {
      code: `P${randomBytes(4).toString('hex')}`, type: 'public', url: TARGET, token_remote: newSecret('trem'),
    })).id as string,
  tenant: async (hub: TestHub, auth: Auth) =>
    (await made(hub, 'POST', '/api/v1/tenants', auth, { name: 'Tenant' })).id as string,
  eventType: async (hub: TestHub, auth: Auth) =>
    (await made(hub, 'POST', '/api/v1/event-types', auth, { name: `type.${randomBytes(4).toString('hex')}` })).name as string,
  /** An event routed to `endpointId`, and the id of that delivery. */
  async delivery (hub: TestHub, endpointId: string) {
    const event = await made(hub, 'POST', '/api/v1/events', hub.admin, { type: 'security.test', payload: { n: 1 } })
    const detail = await hub.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}`, headers: hub.admin })
    const delivery = (detail.json() as { deliveries: { id: string; endpoint_id: string }[] }).deliveries.find((d) => d.endpoint_id === endpointId)
    assert.ok(delivery, `event ${event.id} reaches ${endpointId}`)
    return { eventId: event.id as string, deliveryId: delivery.id }
  },
}

/** `hub.userWith`, its token remembered as a secret for the log check. */
export async function caller (hub: TestHub, permissions: string[]) {
  const user = await hub.userWith(permissions)
  rememberSecret(user.token)
  return user
}

/** A database that outlives one hub: an SQLite file (so its bytes can be read) or a fresh PostgreSQL schema. */
export async function durableDatabase (t: TestContext, engine: Engine) {
  const fresh = await freshDatabase(engine)
  t.after(() => fresh.drop())
  if (engine === 'postgres') return { fresh, target: fresh.target, file: undefined }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookhub-secrets-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'hub.db')
  return { fresh, target: { engine: 'sqlite' as const, file }, file }
}

/**
 * One hub for every test of a describe block (call it inside the block): started before the
 * first test, closed after the last. Hubs on PostgreSQL migrate a schema each, under a lock
 * shared with every other test process, so the tier starts as few as it can.
 */
export function hubForSuite (engine: Engine, env: Record<string, string> = {}, options: { logger?: Logger } = {}): () => TestHub {
  let hub: TestHub | undefined
  const closers: (() => unknown)[] = []
  before(async () => {
    hub = await startHub({ after: (fn: () => unknown) => { closers.push(fn) } } as unknown as TestContext, engine, env, options)
  })
  after(async () => {
    for (const close of closers.reverse()) await close()
  })
  return () => {
    assert.ok(hub, 'the suite hub started')
    return hub
  }
}
