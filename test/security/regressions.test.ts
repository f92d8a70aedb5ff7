// What fuzzing found, pinned with exact answers: each case once answered 500, Fastify's own
// error body, or stored something that broke every later read.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { inspectJson, MAX_JSON_DEPTH } from '../../src/http/json-body.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import type { TestHub } from '../helpers/hub.ts'
import { assertError } from '../helpers/native-errors.ts'
import { hubForSuite } from './support.ts'

reportSkippedPostgres()

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
const TOO_DEEP = `JSON nests deeper than ${MAX_JSON_DEPTH} levels`
const json = { 'content-type': 'application/json' }

test('nesting is measured outside strings only, escapes included', () => {
  assert.equal(inspectJson(Buffer.from(nested(MAX_JSON_DEPTH))).tooDeep, false)
  assert.equal(inspectJson(Buffer.from(nested(MAX_JSON_DEPTH + 1))).tooDeep, true)
  assert.equal(inspectJson(Buffer.from(`"${'['.repeat(2000)}"`)).tooDeep, false)
  assert.equal(inspectJson(Buffer.from(`["\\"${'['.repeat(2000)}"]`)).tooDeep, false)
  assert.equal(inspectJson(Buffer.from(`{"a":"\\\\"}${'{"b":'.repeat(600)}`)).tooDeep, true)
})

async function send (hub: TestHub, method: string, url: string, payload: string, headers: Record<string, string> = {}) {
  return hub.app.inject({ method: method as 'POST', url, headers: { ...hub.admin, 'x-target-server': 'integration', ...json, ...headers }, payload })
}

for (const engine of engines) {
  describe(`[${engine}] fuzzing findings stay fixed`, () => {
    const suiteHub = hubForSuite(engine, { HOOKHUB_WORKERS: '0' })
    test('JSON nested deeper than the limit answers 400 in each API\'s shape; at the limit it is stored and read back', async () => {
      const hub = suiteHub()
      const deep = nested(10_000)
      assertError(await send(hub, 'POST', '/api/v1/events', `{"type":"x","payload":${deep}}`), 400, 'HOOKHUB_BAD_REQUEST')
      assert.equal((await send(hub, 'POST', '/api/v1/events', `{"type":"x","payload":${deep}}`)).json().error.message, TOO_DEEP)
      assert.deepEqual((await send(hub, 'POST', '/api/v1/integrations', `{"name":"a","type":"api","metadata":${deep}}`)).json(), { message: TOO_DEEP })
      assert.deepEqual((await send(hub, 'POST', '/rest/v1/service/integration_points', deep)).json(), { error_code: 1400, error_message: TOO_DEEP })
      const brokerstr = await send(hub, 'POST', '/api/v1/integration/nodes', deep)
      assert.equal(brokerstr.statusCode, 400)
      assert.deepEqual(brokerstr.json(), { error: { code: 'BAD_REQUEST', message: TOO_DEEP, details: { max_depth: MAX_JSON_DEPTH } } })
      // An inbound hook too, in its owner's shape. An integration point keeps any body: text that
      // only looks deep is not JSON and is still kept, as text.
      const point = await send(hub, 'POST', '/rest/v1/service/integration_points', '{"code":"DEEP","type":"public","url":""}')
      const hook = `/hooks/${point.json().token_local}`
      const refused = await hub.app.inject({ method: 'POST', url: hook, headers: json, payload: deep })
      assert.equal(refused.statusCode, 400)
      assert.deepEqual(refused.json(), { error_code: 1400, error_message: TOO_DEEP })
      assert.equal((await hub.app.inject({ method: 'POST', url: hook, headers: { 'content-type': 'text/plain' }, payload: '['.repeat(5000) })).statusCode, 200)
      // At the limit: stored, listed and read back whole.
      const published = await send(hub, 'POST', '/api/v1/events', `{"type":"x","payload":${nested(MAX_JSON_DEPTH - 1)}}`)
      assert.equal(published.statusCode, 202, published.body)
      const list = await hub.app.inject({ method: 'GET', url: '/api/v1/events?limit=500', headers: hub.admin })
      assert.equal(list.statusCode, 200, list.body)
      const read = await hub.app.inject({ method: 'GET', url: `/api/v1/events/${published.json().id}`, headers: hub.admin })
      assert.equal(JSON.stringify(read.json().payload), nested(MAX_JSON_DEPTH - 1))
    })

    test('a malformed URL (%ZZ) or an over-long parameter answers in the API\'s shape, not Fastify\'s', async () => {
      const hub = suiteHub()
      const get = (url: string) => hub.app.inject({ method: 'GET', url, headers: { ...hub.admin, 'x-target-server': 'integration' } })
      const bad = assertError(await get('/api/v1/events/%ZZ'), 400, 'HOOKHUB_BAD_REQUEST')
      assert.match(bad.message, /not a valid url component/)
      assertError(await get(`/api/v1/events/${'x'.repeat(3000)}`), 400, 'HOOKHUB_BAD_REQUEST')
      assert.deepEqual((await get('/rest/v1/service/integration_points/%ZZ')).json(), { error_code: 1400, error_message: "'/rest/v1/service/integration_points/%ZZ' is not a valid url component" })
      assert.equal((await get('/api/v1/integration/nodes/%ZZ')).json().error.code, 'BAD_REQUEST')
      assert.deepEqual(Object.keys((await get('/api/v1/integrations/%ZZ')).json()), ['message'])
      assertError(await hub.app.inject({ method: 'POST', url: '/hooks/%ZZ' }), 400, 'HOOKHUB_BAD_REQUEST')
    })

    test('"__proto__" as a field name is reported as a field, not a crash, and pollutes nothing', async () => {
      const hub = suiteHub()
      const proto = '{"__proto__":{"polluted":true},"name":"x","email":"x@example.com"}'
      const users = assertError(await send(hub, 'POST', '/api/v1/users', proto), 422, 'HOOKHUB_VALIDATION_FAILED')
      assert.deepEqual(Object.keys(users.details.fields as object), ['__proto__'])
      assert.deepEqual((await send(hub, 'POST', '/rest/v1/service/integration_points', '{"__proto__":{"x":1},"code":"A","type":"public"}')).json(),
        { error_code: 1400, error_message: 'Invalid request: __proto__ is not a field of integration_point' })
      assert.deepEqual((await send(hub, 'POST', '/rest/v1/service/integration_points', '{"code":"A","type":"public","opts":{"__proto__":{"x":1}}}')).json(),
        { error_code: 1400, error_message: 'Invalid request: opts.__proto__ is not an option' })
      const brokerstr = await send(hub, 'PUT', '/api/v1/integration/distributors/none', '{"meta":{"host":"https://a.example","path":"/","__proto__":{"x":1}}}')
      assert.ok(brokerstr.statusCode < 500, brokerstr.body)
      assert.equal(({} as Record<string, unknown>).polluted, undefined)
      assert.equal(({} as Record<string, unknown>).x, undefined)
    })

    test('Incoplax: __proto__ in mask, filter or order, and a repeated parameter, answer 400 naming it', async () => {
      const hub = suiteHub()
      const get = async (query: string) => (await hub.app.inject({ method: 'GET', url: `/rest/v1/service/integration_points?${query}`, headers: hub.admin })).json()
      assert.deepEqual(await get('mask=__proto__'), { error_code: 1400, error_message: 'Invalid request: mask unknown field __proto__' })
      assert.deepEqual(await get('mask=constructor'), { error_code: 1400, error_message: 'Invalid request: mask unknown field constructor' })
      assert.deepEqual(await get(`order=${encodeURIComponent('[{"__proto__":"asc"}]')}`), { error_code: 1400, error_message: 'Invalid request: order unknown field __proto__' })
      assert.deepEqual(await get(`filter=${encodeURIComponent('{"toString":"x"}')}`), { error_code: 1400, error_message: 'Invalid request: filter unknown field toString' })
      assert.deepEqual(await get('mask=id&mask=code'), { error_code: 1400, error_message: 'Invalid request: mask must be given once' })
      assert.deepEqual(await get('limit=1&limit=2&offset=0'), { error_code: 1400, error_message: 'Invalid request: limit must be given once' })
    })

    test('a page number beyond 32 bits answers 422 (CyberCert) / 400 (Brokerstr) instead of breaking the query', async () => {
      const hub = suiteHub()
      const laravel = await hub.app.inject({ method: 'GET', url: '/api/v1/integrations?page=99999999999999999999', headers: hub.admin })
      assert.equal(laravel.statusCode, 422)
      assert.deepEqual(laravel.json(), { message: 'Validation failed', errors: { page: ['The page field must not be greater than 2147483647.'] } })
      const node = await send(hub, 'POST', '/api/v1/integration/nodes', '{"name":"a","type":1}')
      const children = await hub.app.inject({ method: 'GET', url: `/api/v1/integration/nodes/${node.json().id}/children?page=99999999999999999999`, headers: hub.admin })
      assert.equal(children.statusCode, 400)
      assert.equal(children.json().error.code, 'VALIDATION_ERROR')
      assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/integrations?page=2147483647&per_page=100', headers: hub.admin })).statusCode, 200)
    })

    test('an integer beyond the 32-bit columns (a cursor, an Incoplax filter, a path id) answers 400/404 in the route\'s shape', async () => {
      const hub = suiteHub()
      const get = (url: string) => hub.app.inject({ method: 'GET', url, headers: hub.admin })
      const cursor = (id: string) => Buffer.from(`id:${id}`).toString('base64url')
      for (const path of ['/api/v1/users', '/api/v1/events', '/api/v1/deliveries', '/api/v1/stats/nodes']) {
        for (const id of ['2147483648', '99999999999999999999999']) {
          const error = assertError(await get(`${path}?cursor=${cursor(id)}`), 400, 'HOOKHUB_BAD_REQUEST')
          assert.equal(error.message, 'cursor is not one this API returned', path)
        }
        assert.equal((await get(`${path}?cursor=${cursor('2147483647')}`)).statusCode, 200, path)
      }
      for (const value of ['2147483648', '-2147483649', '1e300']) {
        const res = await get(`/rest/v1/service/integration_points?filter=${encodeURIComponent(`{"opts.recv_timeout":${value}}`)}`)
        assert.equal(res.statusCode, 400, res.body)
        assert.deepEqual(res.json(), { error_code: 1400, error_message: `Invalid request: filter opts.recv_timeout cannot equal ${JSON.parse(value)}` })
      }
      assert.equal((await get(`/rest/v1/service/integration_points?filter=${encodeURIComponent('{"opts.recv_timeout":2147483647}')}`)).statusCode, 200)
      // An id in the path beyond 32 bits names nothing, as each API answers an unknown id.
      assertError(await get('/api/v1/users/2147483648'), 404, 'HOOKHUB_NOT_FOUND')
      assertError(await get('/api/webhooks/2147483648'), 404, 'HOOKHUB_NOT_FOUND')
      assertError(await hub.app.inject({ method: 'DELETE', url: '/api/v1/tokens/2147483648', headers: hub.admin }), 404, 'HOOKHUB_NOT_FOUND')
      assert.equal((await get('/api/v1/integration/nodes/2147483648')).json().error.code, 'NOT_FOUND')
      assert.deepEqual((await get('/api/v1/integrations/2147483648')).json(), { message: 'Not Found' })
    })

    test('a since duration reaching past 1970 means from the beginning, on every list that takes one', async () => {
      const hub = suiteHub()
      for (const path of ['/api/v1/deliveries', '/api/v1/events']) {
        const res = await hub.app.inject({ method: 'GET', url: `${path}?since=99999999999999999999h&until=-1h`, headers: hub.admin })
        assert.ok(res.statusCode < 500, `${path}: ${res.statusCode} ${res.body}`)
        const all = await hub.app.inject({ method: 'GET', url: `${path}?since=99999999999999999999d`, headers: hub.admin })
        assert.equal(all.statusCode, 200, all.body)
      }
    })

    test('a NUL character in a stored value or an id answers below 500 on every engine', async () => {
      const hub = suiteHub()
      const created = await send(hub, 'POST', '/api/v1/sources', '{"name":"a\\u0000b","verify":"none"}')
      if (engine === 'postgres') {
        const error = assertError(created, 400, 'HOOKHUB_BAD_REQUEST')
        assert.equal(error.message, 'Text must not contain the NUL character (U+0000)')
      } else {
        assert.equal(created.statusCode, 201, created.body)
      }
      for (const url of ['/api/v1/events/%00', '/api/v1/deliveries/%00', '/api/v1/endpoints/%00', '/api/v1/integrations/%00', '/api/v1/integration/nodes/%00', '/rest/v1/service/integration_points/%00']) {
        const res = await hub.app.inject({ method: 'GET', url, headers: hub.admin })
        assert.ok([400, 404].includes(res.statusCode), `${url}: ${res.statusCode} ${res.body}`)
      }
    })
  })
}
