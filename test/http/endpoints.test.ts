// API contract of the native endpoints routes: /api/v1/endpoints and its actions.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { assertError, assertFieldNamed } from '../helpers/native-errors.ts'

// Endpoint fields such as headers report problems of their sub-fields.
const assertFieldNamedNested = (res: Parameters<typeof assertFieldNamed>[0], field: string, label: string) =>
  assertFieldNamed(res, field, label, { nested: true })
import { startHub, type TestHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const ENDPOINT_ID = /^ep_[0-9a-z]{26}$/
const SIGNING_SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/
const MASK = '********'
/** No workers: nothing leaves the process. */
const API_ONLY = { HOOKHUB_WORKERS: '0' }
const SINK_ENV = { HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true', HOOKHUB_RETRY_SCHEDULE: '0,50ms,100ms' }
const ENDPOINT_KEYS = ['auth', 'circuit_open_until', 'created_at', 'disabled_reason', 'enabled', 'filter', 'format', 'headers', 'id', 'method', 'ordering', 'paused', 'updated_at', 'url']

type Auth = { authorization: string }
type Res = { statusCode: number; json: () => unknown; body: string }
type Wire = Record<string, unknown> & { id: string; secret?: string; created_at: string; updated_at: string }

async function create (hub: TestHub, body: Record<string, unknown>, headers: Auth = hub.admin) {
  return hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers, payload: body })
}

async function created (hub: TestHub, body: Record<string, unknown>, headers: Auth = hub.admin): Promise<Wire> {
  const res = await create(hub, { url: 'https://example.com/hook', ...body }, headers)
  assert.equal(res.statusCode, 201, `creating an endpoint: ${res.body}`)
  return res.json() as Wire
}

const get = (hub: TestHub, url: string, headers: Auth = hub.admin) => hub.app.inject({ method: 'GET', url, headers })
const post = (hub: TestHub, url: string, payload?: object, headers: Auth = hub.admin) =>
  hub.app.inject({ method: 'POST', url, headers, ...(payload !== undefined && { payload }) })
const patch = (hub: TestHub, id: string, payload: object, headers: Auth = hub.admin) =>
  hub.app.inject({ method: 'PATCH', url: `/api/v1/endpoints/${id}`, headers, payload })

async function publish (hub: TestHub, type: string, payload: unknown = {}) {
  const res = await hub.app.inject({ method: 'POST', url: '/api/v1/events', headers: hub.admin, payload: { type, payload } })
  assert.equal(res.statusCode, 202, res.body)
  return res.json() as { id: string; deliveries: number }
}



const notFoundBody = { error: { code: 'HOOKHUB_NOT_FOUND', message: 'Endpoint not found', details: {} } }

/** Polls `probe` every 25 ms until it returns a value, for up to `timeoutMs`. */
async function until<T> (what: string, probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function deliveryOf (hub: TestHub, eventId: string) {
  const event = (await get(hub, `/api/v1/events/${eventId}`)).json() as { deliveries: { id: string }[] }
  assert.equal(event.deliveries.length, 1)
  return event.deliveries[0].id
}

async function waitForStatus (hub: TestHub, deliveryId: string, status: string) {
  return until(`delivery ${deliveryId} ${status}`, async () => {
    const d = (await get(hub, `/api/v1/deliveries/${deliveryId}`)).json() as { status: string; attempt_count: number }
    return d.status === status ? d : undefined
  })
}

for (const engine of engines) {
  describe(`[${engine}] native endpoints API`, () => {
    test('POST /api/v1/endpoints answers 201 with defaults and a whsec_ secret shown only there', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const res = await create(hub, { url: 'https://example.com/hook' })
      assert.equal(res.statusCode, 201, res.body)
      const body = res.json() as Wire
      assert.match(body.id, ENDPOINT_ID)
      assert.match(String(body.secret), SIGNING_SECRET)
      assert.ok(Buffer.from(String(body.secret).slice(6), 'base64').length >= 16)
      assert.match(body.created_at, TIMESTAMP)
      assert.match(body.updated_at, TIMESTAMP)
      assert.deepEqual(body, {
        id: body.id,
        url: 'https://example.com/hook',
        method: 'POST',
        headers: {},
        auth: { type: 'none' },
        secret: body.secret,
        format: 'standard',
        filter: { types: ['*'] },
        enabled: true,
        paused: false,
        disabled_reason: null,
        circuit_open_until: null,
        ordering: 'none',
        created_at: body.created_at,
        updated_at: body.updated_at,
      })

      const got = await get(hub, `/api/v1/endpoints/${body.id}`)
      assert.equal(got.statusCode, 200)
      const { secret: _secret, ...withoutSecret } = body
      assert.deepEqual(got.json(), withoutSecret)
      assert.ok(!got.body.includes(String(body.secret)), 'the secret is never shown again')
      const list = await get(hub, '/api/v1/endpoints')
      assert.deepEqual(list.json(), { data: [withoutSecret], next_cursor: null })
      assert.ok(!list.body.includes(String(body.secret)))
    })

    test('every field given on create is echoed; a given secret is kept', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`
      const body = await created(hub, {
        url: 'https://example.com/in?x=1',
        method: 'PUT',
        headers: { 'X-Tenant': 't1' },
        auth: { type: 'basic', username: 'u', password: 'p4ss' },
        secret,
        format: 'kanboard',
        filter: { types: ['task.*', 'user.created'], node_id: 'n1', channel: 'c1' },
        enabled: false,
        paused: true,
        rate_limit_per_s: 10,
        max_in_flight: 2,
        ordering: 'fifo',
      })
      assert.deepEqual(body, {
        id: body.id,
        url: 'https://example.com/in?x=1',
        method: 'PUT',
        headers: { 'X-Tenant': 't1' },
        auth: { type: 'basic', username: 'u', password: MASK },
        secret,
        format: 'kanboard',
        filter: { types: ['task.*', 'user.created'], node_id: 'n1', channel: 'c1' },
        enabled: false,
        paused: true,
        disabled_reason: null,
        circuit_open_until: null,
        rate_limit_per_s: 10,
        max_in_flight: 2,
        ordering: 'fifo',
        created_at: body.created_at,
        updated_at: body.updated_at,
      })
    })

    test('auth passwords and tokens are masked as ******** on every read', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const basic = await created(hub, { auth: { type: 'basic', username: 'user', password: 'pw-secret-1' } })
      const bearer = await created(hub, { auth: { type: 'bearer', token: 'tok-secret-2' } })
      const query = await created(hub, { auth: { type: 'query', token: 'tok-secret-3', param: 'key' } })
      assert.deepEqual(basic.auth, { type: 'basic', username: 'user', password: MASK })
      assert.deepEqual(bearer.auth, { type: 'bearer', token: MASK })
      assert.deepEqual(query.auth, { type: 'query', token: MASK, param: 'key' })
      const reads = [
        await get(hub, `/api/v1/endpoints/${basic.id}`),
        await get(hub, `/api/v1/endpoints/${bearer.id}`),
        await get(hub, `/api/v1/endpoints/${query.id}`),
        await get(hub, '/api/v1/endpoints'),
        await patch(hub, bearer.id, { headers: { 'X-A': 'b' } }),
        await post(hub, `/api/v1/endpoints/${basic.id}/pause`),
      ]
      for (const res of reads) {
        assert.equal(res.statusCode, 200, res.body)
        for (const secret of ['pw-secret-1', 'tok-secret-2', 'tok-secret-3']) assert.ok(!res.body.includes(secret), `${secret} leaked: ${res.body}`)
      }
      assert.deepEqual((reads[0].json() as Wire).auth, basic.auth)
      assert.deepEqual((reads[2].json() as Wire).auth, query.auth)
      assert.deepEqual((reads[4].json() as Wire).auth, bearer.auth)
    })

    test('PATCH with ******** keeps the stored token; a new value replaces it (seen at the receiver)', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      const sink = await startSink(t)
      const endpoint = await created(hub, { url: sink.url, auth: { type: 'bearer', token: 'tok-1' } })
      const kept = await patch(hub, endpoint.id, { auth: { type: 'bearer', token: MASK }, headers: { 'X-Version': '2' } })
      assert.equal(kept.statusCode, 200, kept.body)
      assert.deepEqual((kept.json() as Wire).auth, { type: 'bearer', token: MASK })
      assert.deepEqual((kept.json() as Wire).headers, { 'X-Version': '2' })
      await publish(hub, 'a.one')
      await sink.waitFor(1)
      assert.equal(sink.received[0].headers.authorization, 'Bearer tok-1')
      assert.equal(sink.received[0].headers['x-version'], '2')

      const replaced = await patch(hub, endpoint.id, { auth: { type: 'bearer', token: 'tok-2' } })
      assert.equal(replaced.statusCode, 200, replaced.body)
      await publish(hub, 'a.two')
      await sink.waitFor(2)
      assert.equal(sink.received[1].headers.authorization, 'Bearer tok-2')
    })

    test('PATCH with ******** keeps the stored basic password while the username changes', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      const sink = await startSink(t)
      const endpoint = await created(hub, { url: sink.url, auth: { type: 'basic', username: 'alice', password: 'pw-1' } })
      const res = await patch(hub, endpoint.id, { auth: { type: 'basic', username: 'bob', password: MASK } })
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual((res.json() as Wire).auth, { type: 'basic', username: 'bob', password: MASK })
      await publish(hub, 'a.b')
      await sink.waitFor(1)
      assert.equal(sink.received[0].headers.authorization, `Basic ${Buffer.from('bob:pw-1').toString('base64')}`)
    })

    test('PATCH with ******** where nothing is stored answers 422 naming auth', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const endpoint = await created(hub, { auth: { type: 'bearer', token: 'tok-1' } })
      // The stored auth has a token but no password: the mask keeps nothing.
      const res = await patch(hub, endpoint.id, { auth: { type: 'basic', username: 'bob', password: MASK } })
      assertFieldNamedNested(res, 'auth', 'basic with a masked password that was never stored')
      const none = await created(hub, {})
      assertFieldNamedNested(await patch(hub, none.id, { auth: { type: 'bearer', token: MASK } }), 'auth', 'bearer with a masked token that was never stored')
      assert.deepEqual(((await get(hub, `/api/v1/endpoints/${endpoint.id}`)).json() as Wire).auth, { type: 'bearer', token: MASK })
    })

    test('PATCH changes only the given fields and moves updated_at', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const endpoint = await created(hub, { headers: { 'X-A': '1' }, filter: { types: ['a.*'], node_id: 'n1' } })
      await new Promise((resolve) => setTimeout(resolve, 5))
      const res = await patch(hub, endpoint.id, { url: 'https://example.org/new', filter: { types: ['b.*'] }, rate_limit_per_s: 5 })
      assert.equal(res.statusCode, 200, res.body)
      const body = res.json() as Wire
      assert.equal(body.url, 'https://example.org/new')
      assert.deepEqual(body.filter, { types: ['b.*'], node_id: 'n1' })
      assert.deepEqual(body.headers, { 'X-A': '1' })
      assert.equal(body.rate_limit_per_s, 5)
      assert.equal(body.created_at, endpoint.created_at)
      assert.ok(Date.parse(body.updated_at) > Date.parse(endpoint.updated_at))
      assert.equal(body.secret, undefined)
      const cleared = (await patch(hub, endpoint.id, { rate_limit_per_s: null, filter: { node_id: null } })).json() as Wire
      assert.equal('rate_limit_per_s' in cleared, false)
      assert.deepEqual(cleared.filter, { types: ['b.*'] })
      assert.deepEqual((await get(hub, `/api/v1/endpoints/${endpoint.id}`)).json(), cleared)
    })

    test('SSRF guard: private, loopback, link-local and local-name URLs answer 422 naming url', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const blocked = [
        'http://127.0.0.1/', 'http://localhost/', 'http://[::1]/', 'http://169.254.169.254/', 'http://10.0.0.1/',
        'http://192.168.1.1/', 'http://172.16.0.1/', 'http://100.64.0.1/', 'http://0.0.0.0/', 'http://[::ffff:127.0.0.1]/',
        'http://[fe80::1]/', 'http://[fc00::1]/', 'http://2130706433/', 'https://api.localhost/x', 'http://224.0.0.1/',
      ]
      for (const url of blocked) assertFieldNamedNested(await create(hub, { url }), 'url', url)
      const ok = await created(hub, { url: 'https://93.184.216.34/hook' })
      for (const url of ['http://127.0.0.1/', 'http://169.254.169.254/latest/meta-data/']) {
        assertFieldNamedNested(await patch(hub, ok.id, { url }), 'url', `PATCH ${url}`)
      }
      assert.equal(((await get(hub, `/api/v1/endpoints/${ok.id}`)).json() as Wire).url, 'https://93.184.216.34/hook')
      assert.equal(((await get(hub, '/api/v1/endpoints')).json() as { data: unknown[] }).data.length, 1, 'nothing blocked was stored')
    })

    test('HOOKHUB_ALLOW_PRIVATE_NETWORKS=true allows private URLs', async (t) => {
      const hub = await startHub(t, engine, { ...API_ONLY, HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true' })
      for (const url of ['http://127.0.0.1/', 'http://localhost/', 'http://[::1]/', 'http://169.254.169.254/', 'http://10.0.0.1/']) {
        const res = await create(hub, { url })
        assert.equal(res.statusCode, 201, `${url}: ${res.body}`)
      }
      assertFieldNamedNested(await create(hub, { url: 'ftp://10.0.0.1/' }), 'url', 'ftp even when private networks are allowed')
    })

    test('validation: wrong types, missing fields, unknown fields answer 422 naming the field', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const url = 'https://example.com/hook'
      const cases: [Record<string, unknown>, string][] = [
        [{}, 'url'],
        [{ url: 5 }, 'url'],
        [{ url: '' }, 'url'],
        [{ url: 'not a url' }, 'url'],
        [{ url: 'ftp://example.com/' }, 'url'],
        [{ url: 'file:///etc/passwd' }, 'url'],
        [{ url: 'https://user:pw@example.com/' }, 'url'],
        [{ url, method: 'TRACE' }, 'method'],
        [{ url, headers: { 'Content-Type': 'text/plain' } }, 'headers'],
        [{ url, headers: { 'X-A': 5 } }, 'headers.X-A'],
        [{ url, headers: [] }, 'headers'],
        [{ url, headers: { 'Bad Header': 'x' } }, 'headers'],
        [{ url, headers: { 'webhook-signature': 'v1,forged' } }, 'headers'],
        [{ url, auth: { type: 'query', token: 't', param: 'bad param' } }, 'auth.param'],
        [{ url, auth: { type: 'digest' } }, 'auth.type'],
        [{ url, auth: { type: 'basic', username: 'u' } }, 'auth'],
        [{ url, auth: { type: 'bearer' } }, 'auth'],
        [{ url, auth: { type: 'none', extra: 1 } }, 'auth.extra'],
        [{ url, secret: 'nope' }, 'secret'],
        [{ url, format: 'xml' }, 'format'],
        [{ url, filter: { types: [] } }, 'filter.types'],
        [{ url, filter: { types: ['has space'] } }, 'filter.types'],
        [{ url, filter: { nodes: 'n' } }, 'filter.nodes'],
        [{ url, enabled: 'yes' }, 'enabled'],
        [{ url, paused: 1 }, 'paused'],
        [{ url, rate_limit_per_s: 0 }, 'rate_limit_per_s'],
        [{ url, max_in_flight: 1.5 }, 'max_in_flight'],
        [{ url, ordering: 'lifo' }, 'ordering'],
        [{ url, colour: 'red' }, 'colour'],
      ]
      // Every case is tried, so that one wrong answer does not hide the others.
      const wrong: string[] = []
      for (const [payload, field] of cases) {
        const res = await create(hub, payload)
        try { assertFieldNamedNested(res, field, JSON.stringify(payload)) } catch { wrong.push(`${JSON.stringify(payload)} → ${res.statusCode} ${res.body}`) }
      }
      assert.deepEqual(wrong, [], 'each case answers 422 naming its field')
      const endpoint = await created(hub, {})
      assertFieldNamedNested(await patch(hub, endpoint.id, { secret: `whsec_${Buffer.alloc(24).toString('base64')}` }), 'secret', 'PATCH secret')
      assertFieldNamedNested(await patch(hub, endpoint.id, { url: 'ftp://example.com/' }), 'url', 'PATCH ftp url')
      assertFieldNamedNested(await patch(hub, endpoint.id, { enabled: 'no' }), 'enabled', 'PATCH enabled')
      assertFieldNamedNested(await patch(hub, endpoint.id, { colour: 'red' }), 'colour', 'PATCH unknown field')
      assert.equal(((await get(hub, '/api/v1/endpoints')).json() as { data: unknown[] }).data.length, 1)
    })

    test('malformed JSON answers 400 on create, update and rotate-secret', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const endpoint = await created(hub, {})
      for (const [method, url] of [
        ['POST', '/api/v1/endpoints'], ['PATCH', `/api/v1/endpoints/${endpoint.id}`], ['POST', `/api/v1/endpoints/${endpoint.id}/rotate-secret`],
        ['POST', `/api/v1/endpoints/${endpoint.id}/recover`],
      ] as const) {
        const res = await hub.app.inject({ method, url, headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{"url": ' })
        assert.equal(res.statusCode, 400, `${method} ${url}`)
        assert.deepEqual(res.json(), { error: { code: 'HOOKHUB_INVALID_JSON', message: 'Body is not valid JSON', details: {} } })
      }
    })

    test('no credentials: 401 on every endpoints route', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { id } = await created(hub, {})
      const routes: [string, string][] = [
        ['POST', '/api/v1/endpoints'], ['GET', '/api/v1/endpoints'], ['GET', `/api/v1/endpoints/${id}`],
        ['PATCH', `/api/v1/endpoints/${id}`], ['DELETE', `/api/v1/endpoints/${id}`], ['POST', `/api/v1/endpoints/${id}/rotate-secret`],
        ['POST', `/api/v1/endpoints/${id}/pause`], ['POST', `/api/v1/endpoints/${id}/resume`], ['GET', `/api/v1/endpoints/${id}/health`],
        ['POST', `/api/v1/endpoints/${id}/recover`],
      ]
      for (const [method, url] of routes) {
        const res = await hub.app.inject({ method: method as 'GET', url, headers: { authorization: 'Bearer hh_not_a_token' } })
        assert.equal(res.statusCode, 401, `${method} ${url}`)
        assert.equal((res.json() as { error: { code: string } }).error.code, 'HOOKHUB_UNAUTHENTICATED')
      }
      assert.equal((await get(hub, `/api/v1/endpoints/${id}`)).statusCode, 200, 'still there')
    })

    test('missing permission: 403 naming endpoints.create/view/manage/delete and deliveries.retry', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { id } = await created(hub, {})
      const routes: [string, string, string, object | undefined][] = [
        ['POST', '/api/v1/endpoints', 'endpoints.create', { url: 'https://example.com/' }],
        ['GET', '/api/v1/endpoints', 'endpoints.view', undefined],
        ['GET', `/api/v1/endpoints/${id}`, 'endpoints.view', undefined],
        ['GET', `/api/v1/endpoints/${id}/health`, 'endpoints.view', undefined],
        ['PATCH', `/api/v1/endpoints/${id}`, 'endpoints.manage', { paused: true }],
        ['POST', `/api/v1/endpoints/${id}/rotate-secret`, 'endpoints.manage', {}],
        ['POST', `/api/v1/endpoints/${id}/pause`, 'endpoints.manage', undefined],
        ['POST', `/api/v1/endpoints/${id}/resume`, 'endpoints.manage', undefined],
        ['POST', `/api/v1/endpoints/${id}/recover`, 'deliveries.retry', { since: '2h' }],
        ['DELETE', `/api/v1/endpoints/${id}`, 'endpoints.delete', undefined], // last: the allowed call deletes it
      ]
      for (const [method, url, permission, payload] of routes) {
        const others = ['endpoints.create', 'endpoints.view', 'endpoints.manage', 'endpoints.delete', 'deliveries.retry', 'deliveries.view'].filter((p) => p !== permission)
        const user = await hub.userWith(others)
        const res = await hub.app.inject({ method: method as 'GET', url, headers: { authorization: user.authorization }, ...(payload && { payload }) })
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`)
        assert.deepEqual(res.json(), { error: { code: 'HOOKHUB_FORBIDDEN', message: `Permission ${permission} is required`, details: {} } })
        const allowed = await hub.userWith([permission])
        const ok = await hub.app.inject({ method: method as 'GET', url, headers: { authorization: allowed.authorization }, ...(payload && { payload }) })
        assert.ok(ok.statusCode < 300, `${method} ${url} with ${permission}: ${ok.statusCode} ${ok.body}`)
      }
    })

    test('.own: a user sees and changes only its own endpoints; others answer 404', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const own = ['endpoints.create.own', 'endpoints.view.own', 'endpoints.manage.own', 'endpoints.delete.own', 'deliveries.retry.own']
      const a = { authorization: (await hub.userWith(own)).authorization }
      const b = { authorization: (await hub.userWith(own)).authorization }
      const ofA = await created(hub, { url: 'https://example.com/a', auth: { type: 'bearer', token: 'a-token' } }, a)
      const ofB = await created(hub, { url: 'https://example.com/b' }, b)
      const ofAdmin = await created(hub, { url: 'https://example.com/admin' })

      const listA = (await get(hub, '/api/v1/endpoints', a)).json() as { data: Wire[] }
      assert.deepEqual(listA.data.map((e) => e.id), [ofA.id])
      const listB = (await get(hub, '/api/v1/endpoints', b)).json() as { data: Wire[] }
      assert.deepEqual(listB.data.map((e) => e.id), [ofB.id])
      const listAdmin = (await get(hub, '/api/v1/endpoints')).json() as { data: Wire[] }
      assert.deepEqual(listAdmin.data.map((e) => e.id).sort(), [ofA.id, ofB.id, ofAdmin.id].sort())

      for (const target of [ofA.id, ofAdmin.id]) {
        const attempts: [string, string, object | undefined][] = [
          ['GET', `/api/v1/endpoints/${target}`, undefined],
          ['PATCH', `/api/v1/endpoints/${target}`, { url: 'https://evil.example/' }],
          ['POST', `/api/v1/endpoints/${target}/pause`, undefined],
          ['POST', `/api/v1/endpoints/${target}/resume`, undefined],
          ['POST', `/api/v1/endpoints/${target}/rotate-secret`, {}],
          ['GET', `/api/v1/endpoints/${target}/health`, undefined],
          ['POST', `/api/v1/endpoints/${target}/recover`, { since: '2h' }],
          ['DELETE', `/api/v1/endpoints/${target}`, undefined],
        ]
        for (const [method, url, payload] of attempts) {
          const res = await hub.app.inject({ method: method as 'GET', url, headers: b, ...(payload && { payload }) })
          assert.equal(res.statusCode, 404, `B ${method} ${url}: ${res.body}`)
          assert.deepEqual(res.json(), notFoundBody)
        }
      }
      const after = (await get(hub, `/api/v1/endpoints/${ofA.id}`, a)).json() as Wire
      const { secret: _s, ...original } = ofA
      assert.deepEqual(after, original, "B's attempts changed nothing")
      assert.equal((await patch(hub, ofB.id, { paused: true }, b)).statusCode, 200)
      assert.equal((await get(hub, `/api/v1/endpoints/${ofB.id}/health`, b)).statusCode, 200)
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `/api/v1/endpoints/${ofB.id}`, headers: b })).statusCode, 204)
    })

    test('a method the route does not have answers 405 with Allow', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const endpoint = await created(hub, {})
      const res = await hub.app.inject({ method: 'PUT', url: `/api/v1/endpoints/${endpoint.id}`, headers: hub.admin, payload: { url: 'https://example.com/' } })
      assertError(res, 405, 'HOOKHUB_METHOD_NOT_ALLOWED')
      const allow = String(res.headers.allow).split(', ')
      for (const method of ['GET', 'PATCH', 'DELETE']) assert.ok(allow.includes(method), String(res.headers.allow))
      assert.ok(!allow.includes('PUT') && !allow.includes('POST'), String(res.headers.allow))
    })

    test('unknown ids answer 404 on every endpoint route', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      for (const id of ['ep_00000000000000000000000000', 'nope']) {
        const routes: [string, string, object | undefined][] = [
          ['GET', `/api/v1/endpoints/${id}`, undefined],
          ['PATCH', `/api/v1/endpoints/${id}`, { paused: true }],
          ['DELETE', `/api/v1/endpoints/${id}`, undefined],
          ['POST', `/api/v1/endpoints/${id}/rotate-secret`, {}],
          ['POST', `/api/v1/endpoints/${id}/pause`, undefined],
          ['POST', `/api/v1/endpoints/${id}/resume`, undefined],
          ['GET', `/api/v1/endpoints/${id}/health`, undefined],
          ['POST', `/api/v1/endpoints/${id}/recover`, { since: '2h' }],
        ]
        for (const [method, url, payload] of routes) {
          const res = await hub.app.inject({ method: method as 'GET', url, headers: hub.admin, ...(payload && { payload }) })
          assert.equal(res.statusCode, 404, `${method} ${url}`)
          assert.deepEqual(res.json(), notFoundBody)
        }
      }
    })

    test('DELETE answers 204 with no body; the endpoint is gone and gets no new deliveries', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const endpoint = await created(hub, {})
      const first = await publish(hub, 'a.b')
      assert.equal(first.deliveries, 1)
      const del = await hub.app.inject({ method: 'DELETE', url: `/api/v1/endpoints/${endpoint.id}`, headers: hub.admin })
      assert.equal(del.statusCode, 204)
      assert.equal(del.body, '')
      assert.deepEqual((await get(hub, `/api/v1/endpoints/${endpoint.id}`)).json(), notFoundBody)
      assert.equal((await get(hub, `/api/v1/endpoints/${endpoint.id}`)).statusCode, 404)
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `/api/v1/endpoints/${endpoint.id}`, headers: hub.admin })).statusCode, 404)
      assert.equal((await patch(hub, endpoint.id, { paused: true })).statusCode, 404)
      assert.deepEqual((await get(hub, '/api/v1/endpoints')).json(), { data: [], next_cursor: null })
      assert.equal((await publish(hub, 'a.b')).deliveries, 0)
      const old = (await get(hub, `/api/v1/events/${first.id}`)).json() as { deliveries: { status: string }[] }
      assert.equal(old.deliveries[0].status, 'cancelled', 'its waiting delivery was cancelled')
    })

    test('rotate-secret: a new secret; deliveries afterwards carry two v1 signatures, both verifying', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      const sink = await startSink(t)
      const endpoint = await created(hub, { url: sink.url })
      const oldSecret = String(endpoint.secret)
      await publish(hub, 'before.rotation', { n: 1 })
      await sink.waitFor(1)
      const before = sink.received[0]
      assert.equal(String(before.headers['webhook-signature']).split(' ').length, 1)
      const headersOf = (r: typeof before) => ({
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      })
      new Webhook(oldSecret).verify(before.body, headersOf(before))

      const rotated = await post(hub, `/api/v1/endpoints/${endpoint.id}/rotate-secret`, {})
      assert.equal(rotated.statusCode, 200, rotated.body)
      const body = rotated.json() as { secret: string; previous_secret_valid_until: string }
      assert.deepEqual(Object.keys(body).sort(), ['previous_secret_valid_until', 'secret'])
      assert.match(body.secret, SIGNING_SECRET)
      assert.notEqual(body.secret, oldSecret)
      assert.match(body.previous_secret_valid_until, TIMESTAMP)
      const overlap = Date.parse(body.previous_secret_valid_until) - Date.now()
      assert.ok(overlap > 23 * 3_600_000 && overlap <= 24 * 3_600_000, `about 24 h of overlap: ${overlap}`)
      assert.ok(!(await get(hub, `/api/v1/endpoints/${endpoint.id}`)).body.includes(body.secret), 'GET does not show it')

      await publish(hub, 'after.rotation', { n: 2 })
      await sink.waitFor(2)
      const after = sink.received[1]
      const signatures = String(after.headers['webhook-signature']).split(' ')
      assert.equal(signatures.length, 2, String(after.headers['webhook-signature']))
      for (const s of signatures) assert.match(s, /^v1,[A-Za-z0-9+/]+={0,2}$/)
      const verifies = (secret: string, signature: string) => {
        try {
          new Webhook(secret).verify(after.body, { ...headersOf(after), 'webhook-signature': signature })
          return true
        } catch { return false }
      }
      const byNew = signatures.filter((s) => verifies(body.secret, s))
      const byOld = signatures.filter((s) => verifies(oldSecret, s))
      assert.equal(byNew.length, 1, 'the new secret verifies one signature')
      assert.equal(byOld.length, 1, 'the old secret verifies the other')
      assert.notEqual(byNew[0], byOld[0])
      assert.deepEqual(new Webhook(body.secret).verify(after.body, headersOf(after)), JSON.parse(after.body))
      const stranger = `whsec_${Buffer.alloc(24, 1).toString('base64')}`
      assert.throws(() => new Webhook(stranger).verify(after.body, headersOf(after)))
    })

    test('rotate-secret needs no body (the body is optional, like curl -X POST)', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const endpoint = await created(hub, {})
      const res = await post(hub, `/api/v1/endpoints/${endpoint.id}/rotate-secret`)
      assert.equal(res.statusCode, 200, res.body)
      const body = res.json() as { secret: string; previous_secret_valid_until: string }
      assert.match(body.secret, SIGNING_SECRET)
      assert.notEqual(body.secret, endpoint.secret)
      assert.match(body.previous_secret_valid_until, TIMESTAMP)
      const missing = await post(hub, '/api/v1/endpoints/ep_00000000000000000000000000/rotate-secret')
      assert.equal(missing.statusCode, 404, missing.body)
    })

    test('rotate-secret accepts a given secret and refuses a malformed one with 422', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const endpoint = await created(hub, {})
      const fresh = await post(hub, `/api/v1/endpoints/${endpoint.id}/rotate-secret`, {})
      assert.equal(fresh.statusCode, 200, fresh.body)
      assert.match((fresh.json() as { secret: string }).secret, SIGNING_SECRET)
      const mine = `whsec_${Buffer.alloc(32, 9).toString('base64')}`
      const res = await post(hub, `/api/v1/endpoints/${endpoint.id}/rotate-secret`, { secret: mine })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal((res.json() as { secret: string }).secret, mine)
      assertFieldNamedNested(await post(hub, `/api/v1/endpoints/${endpoint.id}/rotate-secret`, { secret: 'plain' }), 'secret', 'plain secret')
      assertFieldNamedNested(await post(hub, `/api/v1/endpoints/${endpoint.id}/rotate-secret`, { secret: 5 }), 'secret', 'numeric secret')
      assertFieldNamedNested(await post(hub, `/api/v1/endpoints/${endpoint.id}/rotate-secret`, { other: 1 }), 'other', 'unknown field')
    })

    test('pause and resume flip the paused flag; a paused endpoint accumulates, resume drains', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      const sink = await startSink(t)
      const endpoint = await created(hub, { url: sink.url })
      const paused = await post(hub, `/api/v1/endpoints/${endpoint.id}/pause`)
      assert.equal(paused.statusCode, 200, paused.body)
      const pausedBody = paused.json() as Wire
      assert.equal(pausedBody.paused, true)
      assert.equal(pausedBody.enabled, true)
      assert.deepEqual(Object.keys(pausedBody).sort(), ENDPOINT_KEYS)
      assert.equal(((await get(hub, `/api/v1/endpoints/${endpoint.id}`)).json() as Wire).paused, true)
      assert.equal((await post(hub, `/api/v1/endpoints/${endpoint.id}/pause`)).statusCode, 200, 'pausing twice is fine')

      const event = await publish(hub, 'while.paused')
      assert.equal(event.deliveries, 1, 'a paused endpoint still gets deliveries')
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.equal(sink.received.length, 0, 'nothing is sent while paused')
      const health = (await get(hub, `/api/v1/endpoints/${endpoint.id}/health`)).json() as { backlog: number; paused: boolean }
      assert.equal(health.backlog, 1)
      assert.equal(health.paused, true)

      const resumed = await post(hub, `/api/v1/endpoints/${endpoint.id}/resume`)
      assert.equal(resumed.statusCode, 200, resumed.body)
      assert.equal((resumed.json() as Wire).paused, false)
      await sink.waitFor(1)
      assert.equal(JSON.parse(sink.received[0].body).type, 'while.paused')
    })

    test('health: the whole shape, before and after a delivery', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      const sink = await startSink(t)
      const endpoint = await created(hub, { url: `${sink.url}/in`, auth: { type: 'bearer', token: 'health-token' } })
      const fresh = await get(hub, `/api/v1/endpoints/${endpoint.id}/health`)
      assert.equal(fresh.statusCode, 200, fresh.body)
      assert.deepEqual(fresh.json(), {
        endpoint_id: endpoint.id,
        enabled: true,
        paused: false,
        success_rate: { last_hour: null, last_day: null },
        attempts: { last_hour: 0, last_day: 0 },
        circuit: { state: 'closed', consecutive_failures: 0 },
        backlog: 0,
        next_attempt_at: null,
        recent_attempts: [],
      })

      const event = await publish(hub, 'health.check')
      const deliveryId = await deliveryOf(hub, event.id)
      await waitForStatus(hub, deliveryId, 'succeeded')
      const res = await get(hub, `/api/v1/endpoints/${endpoint.id}/health`)
      const body = res.json() as { recent_attempts: Record<string, unknown>[] }
      assert.equal(body.recent_attempts.length, 1)
      const a = body.recent_attempts[0] as {
        id: number; started_at: string; duration_ms: number
        request: { method: string; url: string; headers: Record<string, string> }
        response: { status: number; headers: Record<string, string>; body: string }
      }
      assert.equal(typeof a.id, 'number')
      assert.match(a.started_at, TIMESTAMP)
      assert.ok(Number.isInteger(a.duration_ms) && a.duration_ms >= 0)
      assert.equal(a.request.method, 'POST')
      assert.equal(a.request.url, `${sink.url}/in`)
      assert.equal(a.request.headers.authorization, '****', 'sensitive headers read back as ****')
      assert.equal(a.response.status, 200)
      assert.equal(a.response.body, 'ok')
      assert.ok(!res.body.includes('health-token'), 'the token is masked')
      assert.deepEqual(body, {
        endpoint_id: endpoint.id,
        enabled: true,
        paused: false,
        success_rate: { last_hour: 1, last_day: 1 },
        attempts: { last_hour: 1, last_day: 1 },
        circuit: { state: 'closed', consecutive_failures: 0 },
        backlog: 0,
        next_attempt_at: null,
        recent_attempts: [{ ...a, error: null, delivery_id: deliveryId }],
      })
    })

    test('health: backlog and next_attempt_at count waiting deliveries', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const endpoint = await created(hub, {})
      await publish(hub, 'a.b')
      await publish(hub, 'a.c')
      const body = (await get(hub, `/api/v1/endpoints/${endpoint.id}/health`)).json() as { backlog: number; next_attempt_at: string }
      assert.equal(body.backlog, 2)
      assert.match(body.next_attempt_at, TIMESTAMP)
    })

    test('recover {since: "2h"} answers 202 {requeued: n} and sends the failed deliveries again', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      let status = 500
      const sink = await startSink(t, (_req, res) => { res.statusCode = status; res.end('x') })
      const endpoint = await created(hub, { url: sink.url })
      const event = await publish(hub, 'will.fail')
      const deliveryId = await deliveryOf(hub, event.id)
      const failed = await waitForStatus(hub, deliveryId, 'failed')
      assert.equal(failed.attempt_count, 3, 'the retry schedule 0,50ms,100ms gives three attempts')
      assert.equal(sink.received.length, 3)

      status = 200
      const res = await post(hub, `/api/v1/endpoints/${endpoint.id}/recover`, { since: '2h' })
      assert.equal(res.statusCode, 202, res.body)
      assert.deepEqual(res.json(), { requeued: 1 })
      await sink.waitFor(4)
      const done = await waitForStatus(hub, deliveryId, 'succeeded')
      assert.equal(done.attempt_count, 4)

      const again = await post(hub, `/api/v1/endpoints/${endpoint.id}/recover`, { since: new Date(Date.now() - 3_600_000).toISOString() })
      assert.equal(again.statusCode, 202)
      assert.deepEqual(again.json(), { requeued: 0 }, 'nothing failed any more')
    })

    test('recover validates since', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const endpoint = await created(hub, {})
      const url = `/api/v1/endpoints/${endpoint.id}/recover`
      assertFieldNamedNested(await post(hub, url, {}), 'since', 'missing since')
      assertFieldNamedNested(await post(hub, url, { since: 'yesterday' }), 'since', 'unreadable since')
      assertFieldNamedNested(await post(hub, url, { since: 2 }), 'since', 'numeric since')
      assertFieldNamedNested(await post(hub, url, { since: '2h', all: true }), 'all', 'unknown field')
      const ok = await post(hub, url, { since: '2h' })
      assert.equal(ok.statusCode, 202)
      assert.deepEqual(ok.json(), { requeued: 0 })
    })

    test('list: cursor pagination walks every endpoint once; limit and cursor are validated', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const ids: string[] = []
      for (let i = 0; i < 5; i++) ids.push((await created(hub, { url: `https://example.com/${i}` })).id)
      const seen: string[] = []
      const pages: number[] = []
      let cursor: string | null = null
      do {
        const res = await get(hub, `/api/v1/endpoints?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        assert.equal(res.statusCode, 200, res.body)
        const page = res.json() as { data: Wire[]; next_cursor: string | null }
        for (const e of page.data) assert.deepEqual(Object.keys(e).sort(), ENDPOINT_KEYS)
        seen.push(...page.data.map((e) => e.id))
        pages.push(page.data.length)
        cursor = page.next_cursor
      } while (cursor !== null && pages.length < 10)
      assert.deepEqual(pages, [2, 2, 1])
      assert.deepEqual([...seen].sort(), [...ids].sort())
      assert.equal(new Set(seen).size, 5)
      for (const limit of ['0', '501', 'x']) assertFieldNamedNested(await get(hub, `/api/v1/endpoints?limit=${limit}`), 'limit', `limit=${limit}`)
      assertError(await get(hub, '/api/v1/endpoints?cursor=%21%21%21'), 400, 'HOOKHUB_BAD_REQUEST')
      assertError(await get(hub, `/api/v1/endpoints?cursor=${Buffer.from('nope').toString('base64url')}`), 400, 'HOOKHUB_BAD_REQUEST')
    })
  })
}
