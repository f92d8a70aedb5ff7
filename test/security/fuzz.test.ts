// Fuzzing every route the app serves (read from the app itself, so a new route is fuzzed
// without touching this file), native API and every dialect: arbitrary and schema-shaped JSON
// with wrong types, huge numbers, 10,000 levels of nesting, __proto__ / constructor keys,
// invalid UTF-8, wrong content types, absurd query strings and path parameters, good and bad
// credentials. The property: never a 5xx, every error in its API's own shape; afterwards the
// process has seen no uncaught error, no prototype is polluted, and every read still answers.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { assertErrorShape, familyOf, injectBounded, resources, routeKey, routesOf, type Family, type RouteEntry } from './support.ts'

reportSkippedPostgres()

/** Random requests per route and engine, after the fixed examples; HOOKHUB_FUZZ_RUNS raises it for a long run. */
const RUNS = Number(process.env.HOOKHUB_FUZZ_RUNS ?? 30)
const POLLUTION = 'hookhub_polluted'
const DEPTH = 10_000

// ---- crash and pollution watch -----------------------------------------------------------------

const uncaught: unknown[] = []
const onUncaught = (err: unknown) => { uncaught.push(err) }
const prototypes = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype, String: String.prototype }
const ownNames = () => Object.fromEntries(Object.entries(prototypes).map(([name, proto]) => [name, Object.getOwnPropertyNames(proto).sort()]))
let namesBefore: Record<string, string[]>

before(() => {
  namesBefore = ownNames()
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
})
after(() => {
  process.off('uncaughtException', onUncaught)
  process.off('unhandledRejection', onUncaught)
})

function assertNoCrashNoPollution () {
  assert.deepEqual(uncaught, [], 'no uncaught exception or unhandled rejection')
  assert.deepEqual(ownNames(), namesBefore, 'no property was added to a built-in prototype')
  assert.equal(({} as Record<string, unknown>)[POLLUTION], undefined)
  assert.equal(([] as unknown as Record<string, unknown>)[POLLUTION], undefined)
  assert.equal(Object.getPrototypeOf({}), Object.prototype)
}

// ---- building blocks ---------------------------------------------------------------------------

// Markers that become raw JSON text after JSON.stringify: number literals JavaScript cannot
// hold, and the key __proto__ (an object literal cannot carry it as an own key).
const RAW = (literal: string) => `@@raw:${literal}@@`
const PROTO = '@@proto@@'
const toText = (value: unknown) =>
  JSON.stringify(value).replace(/"@@raw:(.*?)@@"/g, '$1').replaceAll(`"${PROTO}"`, '"__proto__"')

const hugeNumber = fc.constantFrom('1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-0', '9007199254740993', '-9223372036854775809', '4294967296', '2147483648').map(RAW)
const specialString = fc.constantFrom(
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '********', '', ' ', 'x'.repeat(5000), '\u0000', '\ud800',
  '😀', '../../etc/passwd', "' OR 1=1 --", '%00', '${7*7}', '<script>', 'http://127.0.0.1/', 'https://example.com/x', 'null', '-1',
  '1e308', 'NaN', 'Infinity', 'evt_00000000000000000000000000',
)
const pollutingObject = fc.constantFrom<unknown>(
  { [PROTO]: { [POLLUTION]: true } },
  { constructor: { prototype: { [POLLUTION]: true } } },
  { [PROTO]: { [POLLUTION]: true }, constructor: { prototype: { [POLLUTION]: true } }, prototype: { [POLLUTION]: true } },
)
const wild: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hugeNumber, specialString, pollutingObject)

type Schema = Record<string, any>

/** Values shaped like `schema` (known field names, right or wrong types), so fuzzing reaches past the first check. */
function shaped (schema: Schema | undefined, resolve: (s: Schema) => Schema, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return wild
  schema = resolve(schema)
  const variants: fc.Arbitrary<unknown>[] = []
  if (schema.properties) {
    const fields = Object.fromEntries(Object.entries(schema.properties as Record<string, Schema>).map(([k, s]) => [k, shaped(s, resolve, depth + 1)]))
    variants.push(fc.record(fields, { requiredKeys: [] }))
    variants.push(fc.tuple(fc.record(fields, { requiredKeys: [] }), pollutingObject).map(([a, b]) => ({ ...a, ...(b as object) })))
  }
  for (const sub of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) variants.push(shaped(sub, resolve, depth + 1))
  if (schema.items) variants.push(fc.array(shaped(schema.items, resolve, depth + 1), { maxLength: 4 }))
  if (schema.enum) variants.push(fc.constantFrom(...(schema.enum as unknown[])))
  const types = ([] as string[]).concat(schema.type ?? [])
  if (types.includes('string')) variants.push(fc.string({ maxLength: 40 }), specialString)
  if (types.includes('integer') || types.includes('number')) variants.push(fc.integer(), fc.double(), hugeNumber)
  if (types.includes('boolean')) variants.push(fc.boolean())
  return fc.oneof(...variants, wild)
}

const deepArrays = '['.repeat(DEPTH) + ']'.repeat(DEPTH)
const deepObjects = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH)

/** Bodies every route gets at least once, before the random ones. */
const SPECIAL_BODIES: { name: string; body: string | Buffer }[] = [
  { name: '10,000 nested arrays', body: deepArrays },
  { name: '10,000 nested objects', body: deepObjects },
  { name: '10,000 nested arrays in a field', body: `{"type":"x","payload":${deepArrays},"name":${deepArrays},"meta":${deepObjects},"config":${deepObjects},"code":"A","url":${deepArrays}}` },
  { name: '__proto__ at the top', body: `{"__proto__":{"${POLLUTION}":true},"name":"x","type":"webhook","code":"P1","actions":["A"],"subscription_url":"https://example.com"}` },
  { name: '__proto__ nested', body: `{"config":{"__proto__":{"${POLLUTION}":true}},"meta":{"__proto__":{"${POLLUTION}":true}},"opts":{"__proto__":{"${POLLUTION}":true}},"auth":{"__proto__":{"${POLLUTION}":true}},"filter":{"__proto__":{"${POLLUTION}":true}},"headers":{"__proto__":"x"}}` },
  { name: 'constructor.prototype', body: `{"constructor":{"prototype":{"${POLLUTION}":true}}}` },
  { name: 'huge numbers', body: '{"type":1e400,"limit":123456789012345678901234567890,"id":-0,"method":1e-400,"parent_id":9007199254740993,"recv_timeout":1e400}' },
  { name: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x22, 0x7d]) },
  { name: 'truncated JSON', body: '{"name": "x", "type": ' },
  { name: 'BOM and JSON', body: '\ufeff{"name":"x"}' },
  { name: 'a JSON string', body: '"82ddc7c68623726346a78371173e2f8d"' },
  { name: 'null', body: 'null' },
  { name: 'empty', body: '' },
]

// Fuzzed requests name a special body instead of carrying it, so that a failure report stays readable.
const special = (i: number) => `@@special:${i}@@`
const materialise = (body: string | undefined) => {
  const i = /^@@special:(\d+)@@$/.exec(body ?? '')?.[1]
  return i === undefined ? body : SPECIAL_BODIES[Number(i)].body
}
const nameOf = (body: string | undefined) => {
  const i = /^@@special:(\d+)@@$/.exec(body ?? '')?.[1]
  return i === undefined ? String(body ?? '(none)').slice(0, 120) : `<${SPECIAL_BODIES[Number(i)].name}>`
}

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', 'application/jsonx', '*/*', '',
]

const ABSURD_QUERIES = [
  '?', '?&&&==&', '?=', '?%', '?%ZZ=%ZZ', '?limit=1&limit=2&limit=x', '?a[]=1&a[]=2', '?__proto__[hookhub_polluted]=1',
  '?constructor[prototype][hookhub_polluted]=1', '?__proto__=1&constructor=2', `?${'x=1&'.repeat(2000)}`,
  `?filter=${encodeURIComponent('['.repeat(DEPTH))}`, `?order=${encodeURIComponent(deepArrays)}`, `?filter=${encodeURIComponent(deepObjects)}`,
  '?mask=__proto__,constructor,prototype', '?mask=__proto__.x,constructor.prototype', '?filter={"__proto__":{"x":1}}',
  '?page=99999999999999999999&per_page=99999999999999999999', '?limit=1e400&offset=-1', '?since=99999999999999999999h&until=-1h',
  '?cursor=aWQ6X19wcm90b19f', '?cursor=aWQ6MjE0NzQ4MzY0OA', '?cursor=%00', '?per_page=0&page=0', '?is_active=maybe&with_trashed=2',
]

const PATH_SPECIALS = [
  '%ZZ', '%C0%AF', '%ff', '%00', '__proto__', 'constructor', 'prototype', '99999999999999999999999', '2147483648', '-1', '0', '1e3',
  '..', '%2e%2e', '%2F', 'x'.repeat(3000), '%E2%80%AE', 'null', 'NaN',
]

const QUERY_KEYS = ['__proto__', 'constructor', '__proto__[hookhub_polluted]', 'constructor[prototype][hookhub_polluted]', 'limit', 'cursor', 'page', 'per_page', 'filter', 'mask', 'order', 'flat', 'since', 'until', 'token', 'status']

interface Fixtures {
  ids: string[]
  /** Inbound tokens and the family of the source's owner. */
  hooks: Map<string, Family>
}

async function makeFixtures (hub: TestHub): Promise<Fixtures> {
  const a = hub.admin
  const endpoint = await resources.endpoint(hub, a)
  const node = await resources.node(hub, a)
  const { eventId, deliveryId } = await resources.delivery(hub, endpoint)
  const user = await hub.userWith(['events.view'])
  const ids = [
    endpoint, node, eventId, deliveryId, String(user.id), await resources.source(hub, a), await resources.integration(hub, a),
    await resources.distributor(hub, a, node), await resources.webhook(hub, a), await resources.point(hub, a),
  ]
  const hooks = new Map<string, Family>()
  const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1)
  const plain = await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: a, payload: { name: 'open', verify: 'none' } })
  hooks.set(tokenOf(plain.json().inbound_url), 'native')
  const signed = await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: a, payload: { name: 'std', verify: 'standard', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } })
  hooks.set(tokenOf(signed.json().inbound_url), 'native')
  const integration = await hub.app.inject({ method: 'POST', url: '/api/v1/integrations', headers: a, payload: { name: 'gh', type: 'webhook', provider: 'github', credentials: { webhook_secret: 'it-is-a-secret' } } })
  hooks.set(tokenOf(integration.json().inbound_url), 'laravel')
  const point = await hub.app.inject({ method: 'POST', url: '/rest/v1/service/integration_points', headers: a, payload: { code: 'FUZZ', type: 'public', url: '' } })
  hooks.set(point.json().token_local, 'incoplax')
  return { ids, hooks }
}

interface FuzzRequest {
  params: string[]
  query: string
  body: string | undefined
  contentType: string
  authorization: string | undefined
}

function requestArbitrary (route: RouteEntry, hub: TestHub, fixtures: Fixtures, bodySchema: Schema | undefined, queryNames: string[], resolve: (s: Schema) => Schema): fc.Arbitrary<FuzzRequest> {
  const paramCount = (route.url.match(/:[^/]+|\*/g) ?? []).length
  const param = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...fixtures.ids, ...fixtures.hooks.keys()) },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 60 }).map(encodeURIComponent) },
    { weight: 2, arbitrary: fc.constantFrom(...PATH_SPECIALS) },
    { weight: 1, arbitrary: fc.nat().map(String) },
  )
  const value = fc.oneof(
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.jsonValue({ maxDepth: 2 }).map((v) => encodeURIComponent(JSON.stringify(v))),
    fc.constantFrom('%ZZ', '', '-1', '0', '1e400', '99999999999999999999', '2147483648', 'true', 'null', '__proto__', '%C0%AF'),
  )
  const key = fc.oneof(fc.constantFrom(...queryNames, ...QUERY_KEYS), fc.string({ minLength: 1, maxLength: 12 }).map(encodeURIComponent))
  const query = fc.oneof(
    { weight: 3, arbitrary: fc.array(fc.tuple(key, value), { maxLength: 5 }).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : '')) },
    { weight: 1, arbitrary: fc.constantFrom(...ABSURD_QUERIES) },
  )
  const body = fc.oneof(
    { weight: 4, arbitrary: shaped(bodySchema, resolve).map(toText) },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_BODIES.map((_, i) => special(i))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  )
  const authorization = fc.oneof(
    { weight: 8, arbitrary: fc.constant(hub.admin.authorization) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, 'Bearer nope', 'Bearer', 'Basic !!!', `Basic ${Buffer.from('admin:').toString('base64')}`, `Bearer ${'x'.repeat(5000)}`, 'Digest abc', 'Basic Og==') },
  )
  return fc.record({
    params: fc.array(param, { minLength: paramCount, maxLength: paramCount }),
    query,
    body,
    contentType: fc.oneof({ weight: 3, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
    authorization,
  })
}

function urlOf (route: RouteEntry, params: string[]) {
  let i = 0
  return route.url.replace(/:[^/]+|\*/g, () => params[i++])
}

let sent = 0

async function send (hub: TestHub, route: RouteEntry, req: FuzzRequest) {
  sent++
  const url = urlOf(route, req.params) + req.query
  const headers: Record<string, string> = { 'x-target-server': 'integration' }
  if (req.authorization !== undefined) headers.authorization = req.authorization
  if (req.body !== undefined && req.contentType) headers['content-type'] = req.contentType
  const payload = materialise(req.body)
  const res = await injectBounded(hub.app, { method: route.method as 'GET', url, headers, ...(payload !== undefined && { payload }) })
  return { res, url }
}

function familyFor (route: RouteEntry, url: string, params: string[], fixtures: Fixtures): Family {
  if (route.url === '/hooks/:token' && fixtures.hooks.has(params[0])) return fixtures.hooks.get(params[0])!
  // The path as served: a parameter of ".." (%2e%2e) leaves the route.
  return familyOf(new URL(url, 'http://hub').pathname)
}

async function fuzzRoute (hub: TestHub, route: RouteEntry, fixtures: Fixtures, doc: { paths: Record<string, any>; components?: { schemas?: Record<string, Schema> } }) {
  const operation = doc.paths[route.url.replace(/:([^/]+)/g, '{$1}')]?.[route.method.toLowerCase()]
  const resolve = (s: Schema): Schema => {
    const ref = typeof s.$ref === 'string' ? /([^/#]+)#?$/.exec(s.$ref)?.[1] : undefined
    return (ref && doc.components?.schemas?.[ref]) || s
  }
  const bodySchema = operation?.requestBody?.content?.['application/json']?.schema as Schema | undefined
  const queryNames = ((operation?.parameters ?? []) as { in: string; name: string }[]).filter((p) => p.in === 'query').map((p) => p.name)
  const arbitrary = requestArbitrary(route, hub, fixtures, bodySchema, queryNames, resolve)
  const paramCount = (route.url.match(/:[^/]+|\*/g) ?? []).length
  const firstId = [...fixtures.hooks.keys()][0]
  const example = (req: Omit<FuzzRequest, 'authorization'>): [FuzzRequest] => [{ ...req, authorization: hub.admin.authorization }]
  const examples = [
    ...SPECIAL_BODIES.map((_, i) => example({
      params: Array(paramCount).fill(route.url.startsWith('/hooks') ? firstId : fixtures.ids[0]), query: '', body: special(i), contentType: 'application/json',
    })),
    ...CONTENT_TYPES.slice(2, 6).map((contentType) => example({ params: Array(paramCount).fill('%ZZ'), query: ABSURD_QUERIES[4], body: '{"a":1}', contentType })),
  ]
  await fc.assert(fc.asyncProperty(arbitrary, async (req) => {
    const { res, url } = await send(hub, route, req)
    const label = `${route.method} ${url.slice(0, 200)} [${req.contentType}] body ${nameOf(req.body)}`
    assert.ok(res.statusCode < 500, `${label}: answered ${res.statusCode} ${res.body.slice(0, 300)}`)
    if (res.statusCode >= 400) assertErrorShape(res, familyFor(route, url, req.params, fixtures), label)
  }), { numRuns: RUNS + examples.length, examples })
}

for (const engine of engines) {
  describe(`[${engine}] fuzzing every route`, () => {
    test('no 5xx, no crash, errors in each API\'s own shape, no prototype pollution, reads still answer', async (t) => {
      // No workers: nothing leaves the process. (startHub turns the failed-auth lockout off.)
      const hub = await startHub(t, engine, { HOOKHUB_WORKERS: '0' })
      const fixtures = await makeFixtures(hub)
      const doc = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json()
      const routes = routesOf(hub.app)
      for (const route of routes) {
        await t.test(routeKey(route), () => fuzzRoute(hub, route, fixtures, doc))
      }
      assertNoCrashNoPollution()
      // Nothing the fuzzing stored may break a later read (a stored payload nested too deep would).
      for (const route of routes.filter((r) => r.method === 'GET')) {
        for (const id of route.url.includes(':') ? fixtures.ids : ['']) {
          const url = urlOf(route, Array(3).fill(id))
          const res = await injectBounded(hub.app, { method: 'GET', url, headers: { ...hub.admin, 'x-target-server': 'integration' } })
          assert.ok(res.statusCode < 500, `after fuzzing, GET ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`)
        }
      }
      const ready = await hub.app.inject({ method: 'GET', url: '/readyz' })
      assert.equal(ready.statusCode, 200)
      t.diagnostic(`${routes.length} routes, ${sent} fuzzed requests (${RUNS} random per route after the fixed examples)`)
      sent = 0
    })
  })
}
