// Portal sessions: a token scoped to one tenant. The isolation walk calls every route the app
// serves (routesOf, the list the RBAC matrix walks) with a portal token of tenant A against
// tenant B's rows and the operator's: nothing answers with success but A's own reads, and no
// answer carries an id of B's or the operator's.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { InjectOptions } from 'fastify'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { assertError, assertFieldNamed } from '../helpers/native-errors.ts'
import type { TestHub } from '../helpers/hub.ts'
import { capturedLogger, hubForSuite, injectBounded, rememberSecret, resources, routeKey, routesOf, TARGET } from './support.ts'

reportSkippedPostgres()

type Auth = { authorization: string }
const METRICS_TOKEN = 'metrics_token_0123456789abcdef'

const inject = (hub: TestHub, method: string, url: string, payload?: unknown, headers: Auth = hub.admin) =>
  hub.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined && { payload: payload as object }) })

async function ok<T = Record<string, any>> (hub: TestHub, method: string, url: string, payload?: unknown, headers: Auth = hub.admin, status = 200): Promise<T> {
  const res = await inject(hub, method, url, payload, headers)
  assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`)
  return res.json() as T
}

async function session (hub: TestHub, tenant: string, body: Record<string, unknown> = {}) {
  const created = await ok<{ url: string; token: string; expires_at: string }>(hub, 'POST', `/api/v1/tenants/${tenant}/portal-sessions`, body, hub.admin, 201)
  rememberSecret(created.token)
  return { ...created, authorization: `Bearer ${created.token}` }
}

/** An endpoint of `tenant` (or of none) with one delivery, made by the operator. */
async function endpointWithDelivery (hub: TestHub, tenant: string | null) {
  const endpoint = (await ok(hub, 'POST', '/api/v1/endpoints', { url: TARGET, ...(tenant && { tenant_id: tenant }) }, hub.admin, 201)).id as string
  const event = (await ok(hub, 'POST', '/api/v1/events', { type: 'order.created', payload: { n: 1 }, ...(tenant && { tenant_id: tenant }) }, hub.admin, 202)).id as string
  const page = await ok<{ data: { id: string }[] }>(hub, 'GET', `/api/v1/deliveries?endpoint_id=${endpoint}`)
  return { endpoint, event, delivery: page.data[0].id }
}

/** Every id anywhere in a JSON body. */
function idsIn (body: string): Set<string> {
  const ids = new Set<string>()
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk)
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (/(^|_)id$/.test(key) && (typeof inner === 'string' || typeof inner === 'number')) ids.add(String(inner))
        else walk(inner)
      }
    }
  }
  try { walk(JSON.parse(body)) } catch { /* not JSON: no ids */ }
  return ids
}

/** What a portal session may succeed at: its tenant's endpoints and deliveries, and reading the catalog. */
const PORTAL_ROUTES = new Set([
  'GET /api/v1/endpoints', 'POST /api/v1/endpoints', 'GET /api/v1/endpoints/:id', 'PATCH /api/v1/endpoints/:id', 'DELETE /api/v1/endpoints/:id',
  'POST /api/v1/endpoints/:id/rotate-secret', 'POST /api/v1/endpoints/:id/pause', 'POST /api/v1/endpoints/:id/resume',
  'GET /api/v1/endpoints/:id/health', 'POST /api/v1/endpoints/:id/recover', 'GET /api/v1/endpoints/:id/secret', 'POST /api/v1/endpoints/:id/test',
  'GET /api/v1/deliveries', 'GET /api/v1/deliveries/:id', 'POST /api/v1/deliveries/:id/retry',
  'GET /api/v1/event-types', 'GET /api/v1/event-types/:name',
])
/** Bodies that pass the schema, so that an answer is about the row, not the body. */
const BODIES: Record<string, unknown> = {
  'PATCH /api/v1/endpoints/:id': { paused: true },
  'POST /api/v1/endpoints/:id/recover': { since: '2h' },
  'POST /api/v1/endpoints': { url: TARGET, tenant_id: 'tenant-b' },
  'POST /api/v1/events': { type: 'x', payload: {}, tenant_id: 'tenant-b' },
}

for (const engine of engines) {
  describe(`[${engine}] portal sessions`, () => {
    const suiteHub = hubForSuite(engine, { HOOKHUB_WORKERS: '0', HOOKHUB_METRICS_TOKEN: METRICS_TOKEN, HOOKHUB_PUBLIC_URL: 'https://hooks.example.com/' },
      { logger: capturedLogger() })

    test('a portal token of tenant A gets 403 or 404 from every route for B\'s rows and the operator\'s, and never sees their ids', async (t) => {
      const hub = suiteHub()
      for (const id of ['tenant-a', 'tenant-b']) await ok(hub, 'POST', '/api/v1/tenants', { id, name: id }, hub.admin, 201)
      await ok(hub, 'POST', '/api/v1/event-types', { name: 'order.created' }, hub.admin, 201)
      const b = await endpointWithDelivery(hub, 'tenant-b')
      const operator = await endpointWithDelivery(hub, null)
      const mine = await endpointWithDelivery(hub, 'tenant-a')
      const source = await resources.source(hub, hub.admin)
      const user = await hub.userWith([])
      const token = (await ok(hub, 'POST', `/api/v1/users/${user.id}/tokens`, undefined, hub.admin, 201)).id as number
      const foreign = [b.endpoint, b.event, b.delivery, operator.endpoint, operator.event, operator.delivery, source, 'tenant-b', String(user.id), String(token), '1']
      // Ids the walk may name without their rows being A's to see: A's own tenant, and catalog names.
      const candidates = [...foreign, 'tenant-a']
      const a = await session(hub, 'tenant-a')
      const secret = new Set([b.endpoint, b.event, b.delivery, operator.endpoint, operator.event, operator.delivery, source])

      let calls = 0
      for (const route of routesOf(hub.app)) {
        const key = routeKey(route)
        const anonymous = await injectBounded(hub.app, { method: route.method as 'GET', url: route.url.replace(/:[^/]+|\*/g, 'x') })
        // Open routes answer without credentials whatever a token says; /metrics, guarded by its own token, is checked below.
        if (anonymous.statusCode !== 401 || key === 'GET /metrics') continue
        const hasParams = /:[^/]+|\*/.test(route.url)
        for (const id of hasParams ? candidates : [undefined]) {
          const url = id === undefined ? route.url : route.url.replace(/:[^/]+|\*/g, encodeURIComponent(id))
          const payload = BODIES[key]
          const res = await injectBounded(hub.app, {
            method: route.method, url, headers: { authorization: a.authorization, ...(payload !== undefined && { 'content-type': 'application/json' }) },
            ...(payload !== undefined && { payload: JSON.stringify(payload) }),
          } as InjectOptions)
          calls++
          const label = `${route.method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`
          if (res.statusCode < 300) {
            assert.ok(PORTAL_ROUTES.has(key) && (id === undefined || key === 'GET /api/v1/event-types/:name'), `success outside the portal's own rows: ${label}`)
          } else {
            assert.ok([403, 404].includes(res.statusCode), label)
            if (!PORTAL_ROUTES.has(key)) assert.equal(res.statusCode, 403, label)
          }
          const leaked = [...idsIn(res.body)].filter((x) => secret.has(x))
          assert.deepEqual(leaked, [], label)
        }
      }
      t.diagnostic(`${calls} portal calls`)
      // Its own rows, for contrast: the same routes succeed.
      assert.equal((await inject(hub, 'GET', `/api/v1/endpoints/${mine.endpoint}`, undefined, a)).statusCode, 200)
      assert.equal((await inject(hub, 'GET', `/api/v1/deliveries/${mine.delivery}`, undefined, a)).statusCode, 200)
      // /metrics takes its own token only.
      assertError(await inject(hub, 'GET', '/metrics', undefined, a), 401, 'HOOKHUB_UNAUTHENTICATED')
    })

    test('a portal session manages its tenant\'s endpoints and reads their deliveries; read-only sessions read only', async () => {
      const hub = suiteHub()
      for (const id of ['p-a', 'p-b']) await ok(hub, 'POST', '/api/v1/tenants', { id, name: id }, hub.admin, 201)
      const a = await session(hub, 'p-a')
      assert.match(a.url, /^https:\/\/hooks\.example\.com\/portal#token=hhp_[A-Za-z0-9_-]{43}$/)
      assert.equal(a.url.split('#token=')[1], a.token)
      assert.ok(Math.abs(Date.parse(a.expires_at) - Date.now() - 3_600_000) < 600_000, a.expires_at)

      const created = await ok(hub, 'POST', '/api/v1/endpoints', { url: TARGET }, a, 201)
      assert.equal(created.tenant_id, 'p-a')
      assert.equal((await ok(hub, 'POST', '/api/v1/endpoints', { url: TARGET, tenant_id: 'p-a' }, a, 201)).tenant_id, 'p-a')
      assertError(await inject(hub, 'POST', '/api/v1/endpoints', { url: TARGET, tenant_id: 'p-b' }, a), 404, 'HOOKHUB_NOT_FOUND')
      const theirs = await endpointWithDelivery(hub, 'p-b')
      const ours = await endpointWithDelivery(hub, 'p-a')
      const listed = await ok<{ data: { id: string; tenant_id: string }[] }>(hub, 'GET', '/api/v1/endpoints?limit=500&tenant_id=p-b', undefined, a)
      // ?tenant_id= names another tenant: the portal's list stays its own.
      assert.ok(listed.data.some((e) => e.id === created.id) && listed.data.some((e) => e.id === ours.endpoint))
      assert.ok(listed.data.every((e) => e.tenant_id === 'p-a'))
      assert.ok(!listed.data.some((e) => e.id === theirs.endpoint))

      assert.equal((await ok(hub, 'PATCH', `/api/v1/endpoints/${created.id}`, { rate_limit_per_s: 5 }, a)).rate_limit_per_s, 5)
      assert.equal((await ok(hub, 'POST', `/api/v1/endpoints/${created.id}/pause`, undefined, a)).paused, true)
      assert.equal((await ok(hub, 'POST', `/api/v1/endpoints/${created.id}/resume`, undefined, a)).paused, false)
      const rotated = (await ok(hub, 'POST', `/api/v1/endpoints/${created.id}/rotate-secret`, undefined, a)).secret as string
      assert.match(rotated, /^whsec_/)
      assert.equal((await ok(hub, 'GET', `/api/v1/endpoints/${created.id}/secret`, undefined, a)).secret, rotated)
      const test = (await ok(hub, 'POST', `/api/v1/endpoints/${created.id}/test`, {}, a, 202)).delivery_id as string
      assert.equal((await ok(hub, 'GET', `/api/v1/deliveries/${test}`, undefined, a)).tenant_id, 'p-a', 'a test event of its tenant')
      assert.equal((await ok(hub, 'POST', `/api/v1/endpoints/${ours.endpoint}/recover`, { since: '2h' }, a, 202)).requeued, 0)
      assertError(await inject(hub, 'POST', `/api/v1/deliveries/${ours.delivery}/retry`, undefined, a), 409, 'HOOKHUB_CONFLICT')
      const deliveries = await ok<{ data: { id: string; tenant_id: string }[] }>(hub, 'GET', '/api/v1/deliveries?limit=500', undefined, a)
      assert.ok(deliveries.data.some((d) => d.id === ours.delivery))
      assert.ok(deliveries.data.every((d) => d.tenant_id === 'p-a'), 'only its tenant\'s deliveries')
      const filtered = await ok<{ data: unknown[] }>(hub, 'GET', `/api/v1/deliveries?endpoint_id=${theirs.endpoint}`, undefined, a)
      assert.deepEqual(filtered.data, [])
      assert.equal((await inject(hub, 'DELETE', `/api/v1/endpoints/${created.id}`, undefined, a)).statusCode, 204)

      const reader = await session(hub, 'p-a', { read_only: true, expires_in: 600 })
      assert.ok(Math.abs(Date.parse(reader.expires_at) - Date.now() - 600_000) < 300_000)
      assert.equal((await inject(hub, 'GET', '/api/v1/endpoints', undefined, reader)).statusCode, 200)
      assert.equal((await inject(hub, 'GET', `/api/v1/deliveries/${ours.delivery}`, undefined, reader)).statusCode, 200)
      assert.equal((await inject(hub, 'GET', '/api/v1/event-types', undefined, reader)).statusCode, 200)
      for (const [method, url, body] of [
        ['POST', '/api/v1/endpoints', { url: TARGET }], ['PATCH', `/api/v1/endpoints/${ours.endpoint}`, { paused: true }],
        ['DELETE', `/api/v1/endpoints/${ours.endpoint}`], ['POST', `/api/v1/endpoints/${ours.endpoint}/pause`],
        ['POST', `/api/v1/endpoints/${ours.endpoint}/rotate-secret`], ['POST', `/api/v1/deliveries/${ours.delivery}/retry`],
        ['POST', `/api/v1/endpoints/${ours.endpoint}/recover`, { since: '2h' }],
        ['GET', `/api/v1/endpoints/${ours.endpoint}/secret`], ['POST', `/api/v1/endpoints/${ours.endpoint}/test`, {}],
      ] as const) {
        assertError(await inject(hub, method, url, body, reader), 403, 'HOOKHUB_FORBIDDEN')
      }
    })

    test('revoked, expired and deleted-tenant sessions answer 401; revoking one tenant\'s leaves another\'s', async () => {
      const hub = suiteHub()
      for (const id of ['r-a', 'r-b']) await ok(hub, 'POST', '/api/v1/tenants', { id, name: id }, hub.admin, 201)
      const a1 = await session(hub, 'r-a')
      const a2 = await session(hub, 'r-a', { read_only: true })
      const b = await session(hub, 'r-b')
      assert.equal((await inject(hub, 'DELETE', '/api/v1/tenants/r-a/portal-sessions')).statusCode, 204)
      for (const s of [a1, a2]) assertError(await inject(hub, 'GET', '/api/v1/endpoints', undefined, s), 401, 'HOOKHUB_UNAUTHENTICATED')
      assert.equal((await inject(hub, 'GET', '/api/v1/endpoints', undefined, b)).statusCode, 200)
      const again = await session(hub, 'r-a')
      assert.equal((await inject(hub, 'GET', '/api/v1/endpoints', undefined, again)).statusCode, 200)

      const short = await session(hub, 'r-b', { expires_in: 1 })
      // Expiry is a lower bound: poll until it has passed, with a generous limit.
      const deadline = Date.now() + 30_000
      let status = 200
      while (status !== 401 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        status = (await inject(hub, 'GET', '/api/v1/endpoints', undefined, short)).statusCode
      }
      assert.equal(status, 401, 'the session expired')

      assert.equal((await inject(hub, 'DELETE', '/api/v1/tenants/r-b')).statusCode, 204)
      assertError(await inject(hub, 'GET', '/api/v1/endpoints', undefined, b), 401, 'HOOKHUB_UNAUTHENTICATED')
      assertError(await inject(hub, 'GET', '/api/v1/endpoints', undefined, { authorization: 'Bearer hhp_unknown' }), 401, 'HOOKHUB_UNAUTHENTICATED')
      // A portal token is never a user's: Basic with it names no user.
      const basic = `Basic ${Buffer.from(`portal:${again.token}`).toString('base64')}`
      assertError(await inject(hub, 'GET', '/api/v1/endpoints', undefined, { authorization: basic }), 401, 'HOOKHUB_UNAUTHENTICATED')
    })

    test('bad input on portal-session routes: unknown tenant 404, bad fields 422, malformed JSON 400, no auth 401, no permission 403', async () => {
      const hub = suiteHub()
      await ok(hub, 'POST', '/api/v1/tenants', { id: 'bad-a', name: 'A' }, hub.admin, 201)
      const url = '/api/v1/tenants/bad-a/portal-sessions'
      assert.equal((await hub.app.inject({ method: 'POST', url, headers: hub.admin })).statusCode, 201, 'no body: the defaults')
      assertError(await inject(hub, 'POST', '/api/v1/tenants/nobody/portal-sessions', {}), 404, 'HOOKHUB_NOT_FOUND')
      assertError(await inject(hub, 'DELETE', '/api/v1/tenants/nobody/portal-sessions'), 404, 'HOOKHUB_NOT_FOUND')
      for (const expires of [0, -1, 86_401, 1.5, '60']) assertFieldNamed(await inject(hub, 'POST', url, { expires_in: expires }), 'expires_in', JSON.stringify(expires))
      assert.equal((await inject(hub, 'POST', url, { expires_in: 86_400 })).statusCode, 201)
      assertFieldNamed(await inject(hub, 'POST', url, { read_only: 'yes' }), 'read_only', 'read_only of a wrong type')
      assertFieldNamed(await inject(hub, 'POST', url, { tenant_id: 'other' }), 'tenant_id', 'unknown field')
      const malformed = await hub.app.inject({ method: 'POST', url, headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{"expires_in":' })
      assertError(malformed, 400, 'HOOKHUB_INVALID_JSON')
      assertError(await hub.app.inject({ method: 'POST', url }), 401, 'HOOKHUB_UNAUTHENTICATED')
      const viewer = await hub.userWith(['tenants.view'])
      assertError(await inject(hub, 'POST', url, {}, viewer), 403, 'HOOKHUB_FORBIDDEN')
      assertError(await inject(hub, 'DELETE', url, undefined, viewer), 403, 'HOOKHUB_FORBIDDEN')
      // A portal session cannot make more sessions, of its tenant or another.
      const portal = await session(hub, 'bad-a')
      assertError(await inject(hub, 'POST', url, {}, portal), 403, 'HOOKHUB_FORBIDDEN')
    })
  })
}
