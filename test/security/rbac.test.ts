// The RBAC matrix: for every route the app serves (read from the app itself) × every kind of
// caller, the status it must answer — 401 without valid credentials, 403 without the route's
// permission, the route's success with it, and with `<resource>.<action>.own` success on the
// caller's own rows and 404 (403 for users) on anyone else's. One table drives it all: a
// route missing from TABLE, or a TABLE row naming no route, fails the first test.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import type { InjectOptions } from 'fastify'
import { ACTIONS, RESOURCES } from '../../src/core/permissions.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import type { TestHub } from '../helpers/hub.ts'
import {
  assertErrorShape, caller, capturedLogger, familyOf, hubForSuite, injectBounded, rememberSecret, resources, routeKey, routesOf, TARGET, type Answer,
} from './support.ts'

reportSkippedPostgres()

/** Rows a route's path (or query) parameter names. */
type Kind = 'endpoint' | 'source' | 'brokerSource' | 'integration' | 'deletedIntegration' | 'node' | 'distributor' | 'webhook' | 'point'
  | 'delivery' | 'event' | 'token' | 'user' | 'tenant' | 'eventType'

/**
 * What `.own` grants on the route:
 * - rows: the caller's own rows (others' answer 404, as if they did not exist);
 * - self: the caller's own user (another user answers 403) — the users resource;
 * - list: a list of the caller's rows only (`hides`: a row of someone else's never listed);
 * - create: creating, the new row being the caller's;
 * - create-under: creating below a parent row (`row`): below the caller's own parent, the new row
 *   being the caller's; below someone else's, 404 (the parent does not exist for the caller);
 * - nothing: no row is ever the caller's (events have no owner): every one answers 404;
 * - refused: `.own` grants nothing here (creating users: the caller itself exists already): 403.
 */
type Own = 'rows' | 'self' | 'list' | 'create' | 'create-under' | 'nothing' | 'refused'

interface Guarded {
  permission: `${typeof RESOURCES[number]}.${typeof ACTIONS[number]}`
  own: Own
  /** What the path parameter (or `query`) names. */
  row?: Kind
  ok: number
  /** When acting on one's own row answers otherwise (deleting yourself: 409). */
  okOwn?: number
  payload?: (row: string | undefined) => unknown
  query?: (row: string | undefined) => string
  hides?: Kind
}

/** Any valid credentials, whatever their permissions (the hub's own settings). */
interface AuthenticatedOnly { authenticated: true }

type Rule = { public: true } | AuthenticatedOnly | Guarded

const unique = () => randomBytes(4).toString('hex')
const CONFLICT_PENDING = 409 // a pending delivery cannot be retried yet: the caller got past every check
const native = (list: string) => () => `?limit=500${list}`

// One row per route the app serves, keyed "METHOD /pattern" as routesOf() reports it.
const TABLE: Record<string, Rule> = {
  'GET /docs': { public: true },
  'GET /docs/': { public: true },
  'GET /docs/static/index.html': { public: true },
  'GET /docs/static/swagger-initializer.js': { public: true },
  'GET /docs/*': { public: true },
  'GET /docs/json': { public: true },
  'GET /docs/yaml': { public: true },
  'GET /console': { public: true },
  'GET /console*': { public: true },
  'GET /portal': { public: true },
  'GET /portal*': { public: true },
  'GET /openapi.json': { public: true },
  'GET /metrics': { public: true },
  'GET /healthz': { public: true },
  'GET /readyz': { public: true },
  'POST /hooks': { public: true },
  'POST /hooks/:token': { public: true },

  'POST /api/v1/users': { permission: 'users.create', own: 'refused', ok: 201, payload: () => ({ email: `u${unique()}@example.com`, name: `u${unique()}`, permissions: [] }) },
  'GET /api/v1/users': { permission: 'users.view', own: 'list', ok: 200, query: native(''), hides: 'user' },
  'GET /api/v1/users/:id': { permission: 'users.view', own: 'self', row: 'user', ok: 200 },
  'DELETE /api/v1/users/:id': { permission: 'users.delete', own: 'self', row: 'user', ok: 204, okOwn: 409 },
  'POST /api/v1/users/:id/tokens': { permission: 'users.manage', own: 'self', row: 'user', ok: 201 },
  'DELETE /api/v1/tokens/:id': { permission: 'users.manage', own: 'rows', row: 'token', ok: 204 },

  // Publishing into a node: under `.own` only into the caller's own (see publish-scope.test.ts).
  'POST /api/v1/events': { permission: 'events.publish', own: 'create-under', row: 'node', ok: 202, payload: (row) => ({ type: 'rbac.test', payload: { n: 1 }, node_id: row }) },
  'GET /api/v1/events': { permission: 'events.view', own: 'list', ok: 200, query: native(''), hides: 'event' },
  'GET /api/v1/events/:id': { permission: 'events.view', own: 'nothing', row: 'event', ok: 200 },

  'POST /api/v1/endpoints': { permission: 'endpoints.create', own: 'create', ok: 201, payload: () => ({ url: TARGET }) },
  'GET /api/v1/endpoints': { permission: 'endpoints.view', own: 'list', ok: 200, query: native(''), hides: 'endpoint' },
  'GET /api/v1/endpoints/:id': { permission: 'endpoints.view', own: 'rows', row: 'endpoint', ok: 200 },
  'PATCH /api/v1/endpoints/:id': { permission: 'endpoints.manage', own: 'rows', row: 'endpoint', ok: 200, payload: () => ({ rate_limit_per_s: 10 }) },
  'DELETE /api/v1/endpoints/:id': { permission: 'endpoints.delete', own: 'rows', row: 'endpoint', ok: 204 },
  'POST /api/v1/endpoints/:id/rotate-secret': { permission: 'endpoints.manage', own: 'rows', row: 'endpoint', ok: 200 },
  'POST /api/v1/endpoints/:id/pause': { permission: 'endpoints.manage', own: 'rows', row: 'endpoint', ok: 200 },
  'POST /api/v1/endpoints/:id/resume': { permission: 'endpoints.manage', own: 'rows', row: 'endpoint', ok: 200 },
  'GET /api/v1/endpoints/:id/health': { permission: 'endpoints.view', own: 'rows', row: 'endpoint', ok: 200 },
  'POST /api/v1/endpoints/:id/recover': { permission: 'deliveries.retry', own: 'rows', row: 'endpoint', ok: 202, payload: () => ({ since: '2h' }) },
  // Testing a filter reads no row: whoever may view endpoints, their own included, may.
  'POST /api/v1/filters/test': { permission: 'endpoints.view', own: 'create', ok: 200, payload: () => ({ filter: { payload: { a: 1 } }, payload: { a: 1 } }) },
  // Runs code on the caller's own input, touching no row: .own grants it as it grants creating.
  'POST /api/v1/transforms/test': {
    permission: 'endpoints.manage', own: 'create', ok: 200, payload: () => ({ code: 'function handler (w) { return w }', webhook: {} }),
  },
  'GET /api/v1/endpoints/:id/secret': { permission: 'endpoints.manage', own: 'rows', row: 'endpoint', ok: 200 },
  'POST /api/v1/endpoints/:id/test': { permission: 'endpoints.manage', own: 'rows', row: 'endpoint', ok: 202, payload: () => ({}) },

  'POST /api/v1/sources': { permission: 'sources.create', own: 'create', ok: 201, payload: () => ({ name: 'rbac', verify: 'none' }) },
  'GET /api/v1/sources': { permission: 'sources.view', own: 'list', ok: 200, query: native(''), hides: 'source' },
  'GET /api/v1/sources/:id': { permission: 'sources.view', own: 'rows', row: 'source', ok: 200 },
  'DELETE /api/v1/sources/:id': { permission: 'sources.delete', own: 'rows', row: 'source', ok: 204 },
  'POST /api/v1/sources/:id/pause': { permission: 'sources.manage', own: 'rows', row: 'brokerSource', ok: 200 },
  'POST /api/v1/sources/:id/resume': { permission: 'sources.manage', own: 'rows', row: 'brokerSource', ok: 200 },

  'GET /api/v1/deliveries': { permission: 'deliveries.view', own: 'rows', row: 'endpoint', ok: 200, query: (row) => `?endpoint_id=${row}` },
  'GET /api/v1/deliveries/:id': { permission: 'deliveries.view', own: 'rows', row: 'delivery', ok: 200 },
  'POST /api/v1/deliveries/:id/retry': { permission: 'deliveries.retry', own: 'rows', row: 'delivery', ok: CONFLICT_PENDING },
  'GET /api/v1/status': { authenticated: true },

  // Tenants belong to the operator, not to a user: `.own` grants nothing on them.
  'POST /api/v1/tenants': { permission: 'tenants.create', own: 'refused', ok: 201, payload: () => ({ name: 'rbac' }) },
  'GET /api/v1/tenants': { permission: 'tenants.view', own: 'refused', ok: 200, query: native('') },
  'GET /api/v1/tenants/:id': { permission: 'tenants.view', own: 'refused', row: 'tenant', ok: 200 },
  'PATCH /api/v1/tenants/:id': { permission: 'tenants.manage', own: 'refused', row: 'tenant', ok: 200, payload: () => ({ name: 'renamed' }) },
  'DELETE /api/v1/tenants/:id': { permission: 'tenants.delete', own: 'refused', row: 'tenant', ok: 204 },
  'POST /api/v1/tenants/:id/portal-sessions': { permission: 'tenants.manage', own: 'refused', row: 'tenant', ok: 201 },
  'DELETE /api/v1/tenants/:id/portal-sessions': { permission: 'tenants.manage', own: 'refused', row: 'tenant', ok: 204 },
  // So does the event-type catalog.
  'POST /api/v1/event-types': { permission: 'event_types.create', own: 'refused', ok: 201, payload: () => ({ name: `rbac.${unique()}` }) },
  'GET /api/v1/event-types': { permission: 'event_types.view', own: 'refused', ok: 200, query: native('') },
  'GET /api/v1/event-types/:name': { permission: 'event_types.view', own: 'refused', row: 'eventType', ok: 200 },
  'PATCH /api/v1/event-types/:name': { permission: 'event_types.manage', own: 'refused', row: 'eventType', ok: 200, payload: () => ({ deprecated: true }) },
  'DELETE /api/v1/event-types/:name': { permission: 'event_types.delete', own: 'refused', row: 'eventType', ok: 204 },
  'GET /api/v1/stream': { permission: 'deliveries.view', own: 'list', ok: 200 },
  'GET /api/v1/stats/overview': { permission: 'deliveries.view', own: 'list', ok: 200 },
  'GET /api/v1/stats/endpoints': { permission: 'endpoints.view', own: 'list', ok: 200, query: native(''), hides: 'endpoint' },
  'GET /api/v1/stats/nodes': { permission: 'nodes.view', own: 'list', ok: 200, query: native(''), hides: 'node' },

  'POST /api/v1/integrations': { permission: 'integrations.create', own: 'create', ok: 201, payload: () => ({ name: 'rbac', type: 'api' }) },
  'GET /api/v1/integrations': { permission: 'integrations.view', own: 'list', ok: 200, query: () => '?per_page=100', hides: 'integration' },
  'GET /api/v1/integrations/:id': { permission: 'integrations.view', own: 'rows', row: 'integration', ok: 200 },
  'PUT /api/v1/integrations/:id': { permission: 'integrations.manage', own: 'rows', row: 'integration', ok: 200, payload: () => ({ name: 'rbac', type: 'api' }) },
  'PATCH /api/v1/integrations/:id': { permission: 'integrations.manage', own: 'rows', row: 'integration', ok: 200, payload: () => ({ status: 'active' }) },
  'DELETE /api/v1/integrations/:id': { permission: 'integrations.delete', own: 'rows', row: 'integration', ok: 204 },
  'POST /api/v1/integrations/:id/restore': { permission: 'integrations.restore', own: 'rows', row: 'deletedIntegration', ok: 200 },

  'POST /api/v1/integration/nodes': { permission: 'nodes.create', own: 'create', ok: 201, payload: () => ({ name: 'rbac', type: 1 }) },
  'GET /api/v1/integration/nodes/:id': { permission: 'nodes.view', own: 'rows', row: 'node', ok: 200 },
  'PUT /api/v1/integration/nodes/:id': { permission: 'nodes.manage', own: 'rows', row: 'node', ok: 200, payload: () => ({ name: 'renamed' }) },
  'DELETE /api/v1/integration/nodes/:id': { permission: 'nodes.delete', own: 'rows', row: 'node', ok: 204 },
  'GET /api/v1/integration/nodes/:id/children': { permission: 'nodes.view', own: 'rows', row: 'node', ok: 200 },
  // A distributor is the caller's own row whatever node it hangs under (see the Brokerstr tests).
  'POST /api/v1/integration/distributors/nodes/:node_id': { permission: 'distributors.create', own: 'create-under', row: 'node', ok: 201, payload: () => ({}) },
  'GET /api/v1/integration/distributors/nodes/:node_id': { permission: 'distributors.view', own: 'list', row: 'node', ok: 200 },
  'GET /api/v1/integration/distributors/:id': { permission: 'distributors.view', own: 'rows', row: 'distributor', ok: 200 },
  'PUT /api/v1/integration/distributors/:id': { permission: 'distributors.manage', own: 'rows', row: 'distributor', ok: 200, payload: () => ({ meta: null }) },
  'DELETE /api/v1/integration/distributors/:id': { permission: 'distributors.delete', own: 'rows', row: 'distributor', ok: 204 },

  'POST /api/webhooks': { permission: 'webhooks.create', own: 'create', ok: 200, payload: () => ({ actions: ['CALL_ENDED'], subscription_url: TARGET }) },
  'GET /api/webhooks': { permission: 'webhooks.view', own: 'list', ok: 200, hides: 'webhook' },
  'GET /api/webhooks/:id': { permission: 'webhooks.view', own: 'rows', row: 'webhook', ok: 200 },
  'PUT /api/webhooks/:id': { permission: 'webhooks.manage', own: 'rows', row: 'webhook', ok: 200, payload: () => ({ actions: ['CALL_ENDED'], subscription_url: TARGET }) },
  'DELETE /api/webhooks/:id': { permission: 'webhooks.delete', own: 'rows', row: 'webhook', ok: 204 },

  'POST /rest/v1/service/integration_points': { permission: 'integration_points.create', own: 'create', ok: 200, payload: () => ({ code: `R${unique()}`, type: 'public', url: '' }) },
  'GET /rest/v1/service/integration_points': { permission: 'integration_points.view', own: 'list', ok: 200, query: () => '?limit=1000', hides: 'point' },
  'LOOKUP /rest/v1/service/integration_points': { permission: 'integration_points.view', own: 'rows', row: 'point', ok: 200, payload: (row) => JSON.stringify(row) },
  'GET /rest/v1/service/integration_points/:id': { permission: 'integration_points.view', own: 'rows', row: 'point', ok: 200 },
  'PATCH /rest/v1/service/integration_points/:id': { permission: 'integration_points.manage', own: 'rows', row: 'point', ok: 200, payload: () => ({ recv_svcscriptcode: 'x' }) },
  'DELETE /rest/v1/service/integration_points/:id': { permission: 'integration_points.delete', own: 'rows', row: 'point', ok: 204 },
}

/** What a caller needs to own rows of every kind: creating them (tokens are issued by the admin). */
const MAKER = [
  'endpoints.create.own', 'sources.create.own', 'integrations.create.own', 'nodes.create.own', 'distributors.create.own',
  'webhooks.create.own', 'integration_points.create.own',
]

type Caller = { id: number; authorization: string }

/** A row of `kind` belonging to `owner` (made with its own token, so `.own` rows are its). */
async function rowOf (hub: TestHub, kind: Kind, owner: Caller): Promise<string> {
  const auth = { authorization: owner.authorization }
  switch (kind) {
    case 'user': return String(owner.id)
    // Nobody owns a tenant: the admin makes them.
    case 'tenant': return resources.tenant(hub, hub.admin)
    case 'eventType': return resources.eventType(hub, hub.admin)
    case 'event': return (await resources.delivery(hub, await resources.endpoint(hub, hub.admin))).eventId
    case 'delivery': return (await resources.delivery(hub, await resources.endpoint(hub, auth))).deliveryId
    case 'token': {
      const res = await hub.app.inject({ method: 'POST', url: `/api/v1/users/${owner.id}/tokens`, headers: hub.admin })
      assert.equal(res.statusCode, 201, res.body)
      rememberSecret(res.json().token)
      return String(res.json().id)
    }
    case 'deletedIntegration': {
      const uuid = await resources.integration(hub, auth)
      const res = await hub.app.inject({ method: 'DELETE', url: `/api/v1/integrations/${uuid}`, headers: hub.admin })
      assert.equal(res.statusCode, 204, res.body)
      return uuid
    }
    default: return resources[kind](hub, auth)
  }
}

async function call (hub: TestHub, key: string, rule: Guarded, row: string | undefined, headers: Record<string, string>): Promise<Answer> {
  const [method, pattern] = key.split(' ')
  const url = pattern.replace(/:[^/]+/, row ?? 'none') + (rule.query?.(row) ?? '')
  const payload = rule.payload?.(row)
  const options = {
    method, url, headers: { ...headers, ...(payload !== undefined && { 'content-type': 'application/json' }) },
    ...(payload !== undefined && { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  }
  return injectBounded(hub.app, options as InjectOptions)
}

/** Every id anywhere in a JSON body, as text (stats name their endpoints endpoint_id). */
const ID_KEYS = new Set(['id', 'uuid', 'endpoint_id'])
function idsIn (body: string): Set<string> {
  const ids = new Set<string>()
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk)
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (ID_KEYS.has(key) && (typeof inner === 'string' || typeof inner === 'number')) ids.add(String(inner))
        else walk(inner)
      }
    }
  }
  walk(JSON.parse(body))
  return ids
}

/** Every other resource wholly, and every other action of this one: everything but the permission itself. */
function allBut (permission: string): string[] {
  const [resource, action] = permission.split('.')
  return [
    ...RESOURCES.filter((r) => r !== resource).map((r) => `${r}.*`),
    ...ACTIONS.filter((a) => a !== action).map((a) => `${resource}.${a}`),
  ]
}

let checks = 0

/** Callers by permission set, shared by the routes of one hub (no route deletes its caller). */
function callers (hub: TestHub) {
  const made = new Map<string, Promise<Caller & { token: string }>>()
  return (permissions: string[]) => {
    const key = permissions.join(' ')
    if (!made.has(key)) made.set(key, caller(hub, permissions))
    return made.get(key)!
  }
}

async function checkAuthenticated (hub: TestHub, key: string, as: ReturnType<typeof callers>) {
  const [method, url] = key.split(' ')
  const anonymous = await injectBounded(hub.app, { method: method as 'GET', url })
  assert.equal(anonymous.statusCode, 401, `${key} without credentials: ${anonymous.body.slice(0, 300)}`)
  assertErrorShape(anonymous, familyOf(url), `${key} without credentials`)
  const none = await as([])
  const res = await injectBounded(hub.app, { method: method as 'GET', url, headers: { authorization: none.authorization } })
  assert.equal(res.statusCode, 200, `${key} as a user without permissions: ${res.body.slice(0, 300)}`)
  checks += 2
}

async function checkGuarded (hub: TestHub, key: string, rule: Guarded, as: ReturnType<typeof callers>) {
  const family = familyOf(key.split(' ')[1])
  const expect = (res: Answer, status: number, who: string) => {
    checks++
    assert.equal(res.statusCode, status, `${key} as ${who}: ${res.body.slice(0, 300)}`)
    if (status >= 400) assertErrorShape(res, family, `${key} as ${who}`)
  }
  const maker = await as(MAKER)
  // Acting on a principal (a user, its tokens) needs every permission it holds: those acted on hold none.
  const ofPrincipal = rule.row === 'user' || rule.row === 'token'
  const theirs = async () => (rule.row ? rowOf(hub, rule.row, ofPrincipal ? await caller(hub, []) : maker) : undefined)

  // No valid credentials: 401, before anything else is looked at.
  const row = await theirs()
  const basicWrongName = `Basic ${Buffer.from(`someone-else:${maker.authorization.slice('Bearer '.length)}`).toString('base64')}`
  for (const [who, headers] of [['nobody', {}], ['an unknown token', { authorization: 'Bearer hh_unknown' }], ['Basic with another name', { authorization: basicWrongName }]] as const) {
    expect(await call(hub, key, rule, row, headers), 401, who)
  }
  // Credentials without the permission: 403.
  const none = await as([])
  const others = await as(allBut(rule.permission))
  expect(await call(hub, key, rule, row, { authorization: none.authorization }), 403, 'a user without permissions')
  expect(await call(hub, key, rule, row, { authorization: others.authorization }), 403, `a user with everything but ${rule.permission}`)
  // The permission on all rows: someone else's row.
  const full = await as([rule.permission])
  expect(await call(hub, key, rule, await theirs(), { authorization: full.authorization }), rule.ok, rule.permission)

  // `.own`.
  const own = await as([`${rule.permission}.own`, ...MAKER])
  const asOwn = { authorization: own.authorization }
  const label = `${rule.permission}.own`
  switch (rule.own) {
    case 'rows':
      expect(await call(hub, key, rule, await rowOf(hub, rule.row!, own), asOwn), rule.okOwn ?? rule.ok, `${label} on its own row`)
      expect(await call(hub, key, rule, await theirs(), asOwn), 404, `${label} on someone else's row`)
      break
    case 'self':
      expect(await call(hub, key, rule, String(own.id), asOwn), rule.okOwn ?? rule.ok, `${label} on itself`)
      expect(await call(hub, key, rule, await theirs(), asOwn), 403, `${label} on another user`)
      break
    case 'nothing':
      expect(await call(hub, key, rule, await theirs(), asOwn), 404, `${label}: no row is its own`)
      break
    case 'refused':
      expect(await call(hub, key, rule, await theirs(), asOwn), 403, `${label} grants nothing`)
      break
    case 'create':
      expect(await call(hub, key, rule, await theirs(), asOwn), rule.ok, label)
      break
    case 'create-under':
      expect(await call(hub, key, rule, await rowOf(hub, rule.row!, own), asOwn), rule.ok, `${label} below its own ${rule.row}`)
      expect(await call(hub, key, rule, await theirs(), asOwn), 404, `${label} below someone else's ${rule.row}`)
      break
    case 'list': {
      const hidden = rule.hides && await rowOf(hub, rule.hides, rule.hides === 'user' ? await caller(hub, []) : maker)
      const res = await call(hub, key, rule, await theirs(), asOwn)
      expect(res, rule.ok, label)
      if (hidden) {
        assert.ok(!idsIn(res.body).has(hidden), `${key} as ${label} lists someone else's ${rule.hides} ${hidden}`)
        const all = await call(hub, key, rule, undefined, { authorization: full.authorization })
        assert.ok(idsIn(all.body).has(hidden), `${key} as ${rule.permission} lists the ${rule.hides} ${hidden} (else the check above proves nothing)`)
      }
    }
  }
}

for (const engine of engines) {
  describe(`[${engine}] RBAC matrix`, () => {
    // startHub turns the failed-auth lockout off (auth-hardening tests turn it on): 401s stay 401s.
    const suiteHub = hubForSuite(engine, { HOOKHUB_WORKERS: '0' }, { logger: capturedLogger() })

    test('every route the app serves has exactly one row in the matrix', () => {
      const hub = suiteHub()
      const served = routesOf(hub.app).map(routeKey)
      assert.deepEqual(served.filter((key) => !(key in TABLE)), [], 'routes without a row in TABLE (add one)')
      assert.deepEqual(Object.keys(TABLE).filter((key) => !served.includes(key)), [], 'TABLE rows naming no route')
    })

    test('public routes answer without credentials', async () => {
      const hub = suiteHub()
      for (const [key, rule] of Object.entries(TABLE)) {
        if (!('public' in rule)) continue
        const [method, pattern] = key.split(' ')
        const res = await injectBounded(hub.app, { method: method as 'GET', url: pattern.replace(/:[^/]+|\*/g, 'x') })
        assert.ok(![401, 403].includes(res.statusCode), `${key} needs no credentials: ${res.statusCode} ${res.body.slice(0, 200)}`)
      }
    })

    test('guarded routes: 401 without credentials, 403 without the permission, success with it, .own limited to own rows', async (t) => {
      const hub = suiteHub()
      rememberSecret(hub.admin.authorization.slice('Bearer '.length))
      const served = new Set(routesOf(hub.app).map(routeKey))
      const as = callers(hub)
      for (const [key, rule] of Object.entries(TABLE)) {
        if ('public' in rule || !served.has(key)) continue
        if ('authenticated' in rule) await t.test(key, () => checkAuthenticated(hub, key, as))
        else await t.test(key, () => checkGuarded(hub, key, rule, as))
      }
      t.diagnostic(`${served.size} routes, ${checks} caller × route answers checked`)
      checks = 0
    })
  })
}
