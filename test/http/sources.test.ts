// API contract of the native sources routes (/api/v1/sources) and the inbound path POST /hooks/{token}.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { assertError, assertFieldNamed } from '../helpers/native-errors.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const SOURCE_ID = /^src_[0-9a-z]{26}$/
const EVENT_ID = /^evt_[0-9a-z]{26}$/
const INBOUND_URL = /^http:\/\/localhost:8080\/hooks\/([A-Za-z0-9_-]{20,})$/
/** No workers: nothing leaves the process. */
const API_ONLY = { HOOKHUB_WORKERS: '0' }
const SINK_ENV = { HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true', HOOKHUB_RETRY_SCHEDULE: '0,50ms,100ms' }
const SOURCE_KEYS = ['accepted_types', 'created_at', 'enabled', 'event_type', 'has_secret', 'id', 'inbound_url', 'kind', 'last_received_at', 'name', 'paused', 'updated_at', 'verify']
const STANDARD_SECRET = `whsec_${Buffer.alloc(24, 5).toString('base64')}`

type Auth = { authorization: string }
type Res = { statusCode: number; json: () => unknown; body: string }
type Source = {
  id: string; name: string; verify: string; has_secret: boolean; event_type: unknown; accepted_types: string[] | null
  inbound_url: string; enabled: boolean; last_received_at: string | null; created_at: string; updated_at: string
}
type StoredEvent = { id: string; type: string; source: string; payload: unknown; received_at: string }

const get = (hub: TestHub, url: string, headers: Auth = hub.admin) => hub.app.inject({ method: 'GET', url, headers })

async function createSource (hub: TestHub, body: Record<string, unknown>, headers: Auth = hub.admin) {
  return hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers, payload: body })
}

async function created (hub: TestHub, body: Record<string, unknown>, headers: Auth = hub.admin): Promise<Source & { token: string }> {
  const res = await createSource(hub, { name: 'sender', verify: 'none', ...body }, headers)
  assert.equal(res.statusCode, 201, `creating a source: ${res.body}`)
  const source = res.json() as Source
  const match = INBOUND_URL.exec(source.inbound_url)
  assert.ok(match, source.inbound_url)
  return { ...source, token: match[1] }
}

/** POSTs raw bytes to an inbound URL, as a sender would. */
function hook (hub: TestHub, token: string, body: string, headers: Record<string, string> = {}, query = '') {
  return hub.app.inject({
    method: 'POST', url: `/hooks/${token}${query}`, headers: { 'content-type': 'application/json', ...headers }, payload: body,
  })
}

async function events (hub: TestHub): Promise<StoredEvent[]> {
  const res = await get(hub, '/api/v1/events?order=asc&limit=500')
  assert.equal(res.statusCode, 200, res.body)
  return (res.json() as { data: StoredEvent[] }).data
}



function assertStored (res: Res, type: string): string {
  assert.equal(res.statusCode, 200, res.body)
  const body = res.json() as { received: boolean; event_id: string; type: string }
  assert.deepEqual(Object.keys(body).sort(), ['event_id', 'received', 'type'])
  assert.equal(body.received, true)
  assert.match(body.event_id, EVENT_ID)
  assert.equal(body.type, type)
  return body.event_id
}

const SIGNATURE_INVALID = { error: { code: 'HOOKHUB_SIGNATURE_INVALID', message: 'The request signature does not verify', details: {} } }
const NO_SECRET = { error: { code: 'HOOKHUB_SOURCE_NO_SECRET', message: 'Source has no secret configured', details: {} } }
const SOURCE_NOT_FOUND = { error: { code: 'HOOKHUB_NOT_FOUND', message: 'Source not found', details: {} } }

const hmacHex = (key: string, data: string) => createHmac('sha256', key).update(data).digest('hex')
const stripeSignature = (secret: string, body: string, t = Math.floor(Date.now() / 1000)) => `t=${t},v1=${hmacHex(secret, `${t}.${body}`)}`
const githubSignature = (secret: string, body: string) => `sha256=${hmacHex(secret, body)}`
function standardHeaders (secret: string, body: string, id = `msg_${Math.random().toString(36).slice(2)}`, at = new Date()) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  }
}

for (const engine of engines) {
  describe(`[${engine}] native sources API`, () => {
    test('POST /api/v1/sources answers 201 with the inbound URL under the public URL; the secret is never shown', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const res = await createSource(hub, { name: 'Kanboard', verify: 'kanboard', secret: 'kb-secret-value' })
      assert.equal(res.statusCode, 201, res.body)
      const body = res.json() as Source
      assert.match(body.id, SOURCE_ID)
      assert.match(body.inbound_url, INBOUND_URL)
      assert.match(body.created_at, TIMESTAMP)
      assert.match(body.updated_at, TIMESTAMP)
      assert.deepEqual(body, {
        id: body.id,
        name: 'Kanboard',
        kind: 'http',
        paused: false,
        verify: 'kanboard',
        has_secret: true,
        event_type: null,
        accepted_types: null,
        inbound_url: body.inbound_url,
        enabled: true,
        last_received_at: null,
        created_at: body.created_at,
        updated_at: body.updated_at,
      })
      assert.ok(!res.body.includes('kb-secret-value'))
      const got = await get(hub, `/api/v1/sources/${body.id}`)
      assert.equal(got.statusCode, 200)
      assert.deepEqual(got.json(), body)
      assert.ok(!got.body.includes('kb-secret-value'))
      const list = await get(hub, '/api/v1/sources')
      assert.deepEqual(list.json(), { data: [body], next_cursor: null })

      const other = await created(hub, { name: 'typed', verify: 'none', event_type: { field: 'data.kind' }, accepted_types: ['task.*'] })
      assert.equal(other.has_secret, false)
      assert.deepEqual(other.event_type, { field: 'data.kind' })
      assert.deepEqual(other.accepted_types, ['task.*'])
      assert.notEqual(other.token, INBOUND_URL.exec(body.inbound_url)?.[1], 'every source has its own token')
      const fixed = await created(hub, { event_type: 'order.paid' })
      assert.equal(fixed.event_type, 'order.paid')
    })

    test('HOOKHUB_PUBLIC_URL is the base of inbound_url', async (t) => {
      const hub = await startHub(t, engine, { ...API_ONLY, HOOKHUB_PUBLIC_URL: 'https://hooks.example.com/' })
      const res = await createSource(hub, { name: 's', verify: 'none' })
      assert.equal(res.statusCode, 201)
      assert.match((res.json() as Source).inbound_url, /^https:\/\/hooks\.example\.com\/hooks\/[A-Za-z0-9_-]{20,}$/)
    })

    test('validation: wrong types, missing fields, unknown fields answer 422 naming the field', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const cases: [Record<string, unknown>, string][] = [
        [{ verify: 'none' }, 'name'],
        [{ name: '', verify: 'none' }, 'name'],
        [{ name: 5, verify: 'none' }, 'name'],
        [{ name: 's' }, 'verify'],
        [{ name: 's', verify: 'hmac' }, 'verify'],
        [{ name: 's', verify: 'token', secret: '' }, 'secret'],
        [{ name: 's', verify: 'token', secret: 42 }, 'secret'],
        [{ name: 's', verify: 'none', event_type: '' }, 'event_type'],
        [{ name: 's', verify: 'none', event_type: 7 }, 'event_type'],
        [{ name: 's', verify: 'none', event_type: {} }, 'event_type'],
        [{ name: 's', verify: 'none', event_type: { field: '' } }, 'event_type'],
        [{ name: 's', verify: 'none', accepted_types: 'task.*' }, 'accepted_types'],
        [{ name: 's', verify: 'none', accepted_types: [''] }, 'accepted_types.0'],
        [{ name: 's', verify: 'none', token: 'mine' }, 'token'],
      ]
      for (const [payload, field] of cases) assertFieldNamed(await createSource(hub, payload), field, JSON.stringify(payload))
      const bad = await hub.app.inject({
        method: 'POST', url: '/api/v1/sources', headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{"name":"s",',
      })
      assert.equal(bad.statusCode, 400)
      assert.deepEqual(bad.json(), { error: { code: 'HOOKHUB_INVALID_JSON', message: 'Body is not valid JSON', details: {} } })
      assert.deepEqual((await get(hub, '/api/v1/sources')).json(), { data: [], next_cursor: null })
    })

    test('no credentials: 401; missing permission: 403 naming sources.create/view/delete', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const source = await created(hub, {})
      const routes: [string, string, string, object | undefined][] = [
        ['POST', '/api/v1/sources', 'sources.create', { name: 'x', verify: 'none' }],
        ['GET', '/api/v1/sources', 'sources.view', undefined],
        ['GET', `/api/v1/sources/${source.id}`, 'sources.view', undefined],
        ['DELETE', `/api/v1/sources/${source.id}`, 'sources.delete', undefined],
      ]
      for (const [method, url, permission, payload] of routes) {
        const anonymous = await hub.app.inject({ method: method as 'GET', url, ...(payload && { payload }) })
        assert.equal(anonymous.statusCode, 401, `${method} ${url}`)
        assert.equal((anonymous.json() as { error: { code: string } }).error.code, 'HOOKHUB_UNAUTHENTICATED')
        const others = ['sources.create', 'sources.view', 'sources.delete', 'endpoints.create', 'events.view'].filter((p) => p !== permission)
        const user = await hub.userWith(others)
        const res = await hub.app.inject({ method: method as 'GET', url, headers: { authorization: user.authorization }, ...(payload && { payload }) })
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`)
        assert.deepEqual(res.json(), { error: { code: 'HOOKHUB_FORBIDDEN', message: `Permission ${permission} is required`, details: {} } })
        const allowed = await hub.userWith([permission])
        const ok = await hub.app.inject({ method: method as 'GET', url, headers: { authorization: allowed.authorization }, ...(payload && { payload }) })
        assert.ok(ok.statusCode < 300, `${method} ${url} with ${permission}: ${ok.statusCode} ${ok.body}`)
      }
    })

    test('.own: a user sees and deletes only its own sources; others answer 404', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const own = ['sources.create.own', 'sources.view.own', 'sources.delete.own']
      const a = { authorization: (await hub.userWith(own)).authorization }
      const b = { authorization: (await hub.userWith(own)).authorization }
      const ofA = await created(hub, { name: 'a' }, a)
      const ofB = await created(hub, { name: 'b' }, b)
      const ofAdmin = await created(hub, { name: 'admin' })
      const ids = async (who: Auth) => ((await get(hub, '/api/v1/sources', who)).json() as { data: Source[] }).data.map((s) => s.id)
      assert.deepEqual(await ids(a), [ofA.id])
      assert.deepEqual(await ids(b), [ofB.id])
      assert.deepEqual((await ids(hub.admin)).sort(), [ofA.id, ofB.id, ofAdmin.id].sort())
      for (const target of [ofA.id, ofAdmin.id]) {
        const read = await get(hub, `/api/v1/sources/${target}`, b)
        assert.equal(read.statusCode, 404)
        assert.deepEqual(read.json(), SOURCE_NOT_FOUND)
        const del = await hub.app.inject({ method: 'DELETE', url: `/api/v1/sources/${target}`, headers: b })
        assert.equal(del.statusCode, 404)
        assert.deepEqual(del.json(), SOURCE_NOT_FOUND)
      }
      assert.equal((await get(hub, `/api/v1/sources/${ofA.id}`, a)).statusCode, 200, "A's source survived B's delete")
      assert.equal((await hook(hub, ofA.token, '{"type":"still.there"}')).statusCode, 200)
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `/api/v1/sources/${ofB.id}`, headers: b })).statusCode, 204)
    })

    test('unknown ids answer 404; DELETE answers 204 and the inbound URL stops answering', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      for (const id of ['src_00000000000000000000000000', 'nope']) {
        for (const method of ['GET', 'DELETE'] as const) {
          const res = await hub.app.inject({ method, url: `/api/v1/sources/${id}`, headers: hub.admin })
          assert.equal(res.statusCode, 404, `${method} ${id}`)
          assert.deepEqual(res.json(), SOURCE_NOT_FOUND)
        }
      }
      const source = await created(hub, {})
      assert.equal((await hook(hub, source.token, '{"type":"a.b"}')).statusCode, 200)
      const del = await hub.app.inject({ method: 'DELETE', url: `/api/v1/sources/${source.id}`, headers: hub.admin })
      assert.equal(del.statusCode, 204)
      assert.equal(del.body, '')
      assert.equal((await get(hub, `/api/v1/sources/${source.id}`)).statusCode, 404)
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `/api/v1/sources/${source.id}`, headers: hub.admin })).statusCode, 404)
      const gone = await hook(hub, source.token, '{"type":"a.b"}')
      assert.equal(gone.statusCode, 404)
      assert.deepEqual(gone.json(), SOURCE_NOT_FOUND)
      assert.equal((await events(hub)).length, 1)
    })

    test('list: cursor pagination walks every source once; limit and cursor are validated', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const ids: string[] = []
      for (let i = 0; i < 5; i++) ids.push((await created(hub, { name: `s${i}` })).id)
      const seen: string[] = []
      const pages: number[] = []
      let cursor: string | null = null
      do {
        const res = await get(hub, `/api/v1/sources?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        assert.equal(res.statusCode, 200, res.body)
        const page = res.json() as { data: Source[]; next_cursor: string | null }
        for (const s of page.data) assert.deepEqual(Object.keys(s).sort(), SOURCE_KEYS)
        seen.push(...page.data.map((s) => s.id))
        pages.push(page.data.length)
        cursor = page.next_cursor
      } while (cursor !== null && pages.length < 10)
      assert.deepEqual(pages, [2, 2, 1])
      assert.deepEqual([...seen].sort(), [...ids].sort())
      assert.equal(new Set(seen).size, 5)
      for (const limit of ['0', '501', 'x']) assertFieldNamed(await get(hub, `/api/v1/sources?limit=${limit}`), 'limit', `limit=${limit}`)
      assertError(await get(hub, '/api/v1/sources?cursor=%21%21'), 400, 'HOOKHUB_BAD_REQUEST')
      assertError(await get(hub, `/api/v1/sources?cursor=${Buffer.from('nope').toString('base64url')}`), 400, 'HOOKHUB_BAD_REQUEST')
    })

    test('inbound posts that arrive together are each stored, and last_received_at is the newest of them', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const source = await created(hub, {})
      const other = await created(hub, {})
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => hook(hub, (i % 2 === 0 ? source : other).token, `{"type":"burst","i":${i}}`)))
      const ids = results.map((res) => assertStored(res, 'burst'))
      assert.equal(new Set(ids).size, 20)
      for (const s of [source, other]) {
        const events = (await get(hub, `/api/v1/events?source=${s.id}`)).json().data as StoredEvent[]
        assert.equal(events.length, 10)
        const newest = Math.max(...events.map((e) => Date.parse(e.received_at)))
        const after = (await get(hub, `/api/v1/sources/${s.id}`)).json() as Source
        assert.ok(Date.parse(String(after.last_received_at)) >= newest, `${after.last_received_at} is not older than the newest event`)
      }
    })

    test('POST /hooks/{token}: verify none stores the event from the source and answers 200', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const source = await created(hub, {})
      const res = await hook(hub, source.token, '{"type":"ping","n":1}')
      const id = assertStored(res, 'ping')
      const event = (await get(hub, `/api/v1/events/${id}`)).json() as StoredEvent & Record<string, unknown>
      assert.deepEqual(event, {
        id, type: 'ping', source: source.id, origin: null, node_id: null, channel: null, content_type: null, payload: { type: 'ping', n: 1 }, received_at: event.received_at, deliveries: [],
      })
      const after = (await get(hub, `/api/v1/sources/${source.id}`)).json() as Source
      assert.match(String(after.last_received_at), TIMESTAMP)
      // Senders use all kinds of content types; the body is read as bytes whatever they say.
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/vnd.custom+json']) {
        const other = await hook(hub, source.token, '{"type":"ct"}', { 'content-type': type })
        assertStored(other, 'ct')
      }
    })

    test('unknown token answers 404; a body that is not JSON 400 and stores nothing', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const missing = await hook(hub, 'no-such-token-0123456789abcdef', '{}')
      assert.equal(missing.statusCode, 404)
      assert.deepEqual(missing.json(), SOURCE_NOT_FOUND)
      const source = await created(hub, {})
      for (const body of ['not json', '{"type":', '']) {
        const res = await hook(hub, source.token, body)
        assert.equal(res.statusCode, 400, JSON.stringify(body))
        assert.deepEqual(res.json(), { error: { code: 'HOOKHUB_INVALID_JSON', message: 'Body is not valid JSON', details: {} } })
      }
      const signed = await created(hub, { verify: 'github', secret: 'gh-secret' })
      const text = 'a=1&b=2'
      const res = await hook(hub, signed.token, text, { 'x-hub-signature-256': githubSignature('gh-secret', text), 'x-github-event': 'push' })
      assertError(res, 400, 'HOOKHUB_INVALID_JSON')
      assert.deepEqual(await events(hub), [])
    })

    test('an inbound body over 1 MiB answers 413; GET on an inbound URL 405', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const source = await created(hub, {})
      const big = await hook(hub, source.token, JSON.stringify({ type: 'big', pad: 'x'.repeat(1024 * 1024) }))
      assertError(big, 413, 'HOOKHUB_BODY_TOO_LARGE')
      const wrongMethod = await hub.app.inject({ method: 'GET', url: `/hooks/${source.token}` })
      assertError(wrongMethod, 405, 'HOOKHUB_METHOD_NOT_ALLOWED')
      assert.deepEqual(await events(hub), [])
    })

    test('kanboard: the right ?token= is stored with event_name as type; a wrong or missing one answers 401', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const source = await created(hub, { verify: 'kanboard', secret: 'kb-token' })
      const body = '{"event_name":"task.move.column","event_data":{"task_id":"4"}}'
      for (const query of ['?token=wrong', '?token=kb-token-longer', '?token=', '', '?other=kb-token']) {
        const res = await hook(hub, source.token, body, {}, query)
        assert.equal(res.statusCode, 401, query)
        assert.deepEqual(res.json(), SIGNATURE_INVALID)
      }
      // A Kanboard token in a header is not what Kanboard sends.
      assert.equal((await hook(hub, source.token, body, { 'x-webhook-token': 'kb-token' })).statusCode, 401)
      assert.deepEqual(await events(hub), [], 'nothing stored for refused requests')
      assert.equal(((await get(hub, `/api/v1/sources/${source.id}`)).json() as Source).last_received_at, null)
      const id = assertStored(await hook(hub, source.token, body, {}, '?token=kb-token'), 'task.move.column')
      const stored = await events(hub)
      assert.deepEqual(stored.map((e) => [e.id, e.type, e.source]), [[id, 'task.move.column', source.id]])
      assert.deepEqual(stored[0].payload, JSON.parse(body))
    })

    test('stripe: Stripe-Signature t=…,v1=… verifies; stale, future, wrong or missing answers 401', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const secret = 'whsec_stripe_test_secret'
      const source = await created(hub, { verify: 'stripe', secret })
      const body = '{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"amount":1000}}}'
      const now = Math.floor(Date.now() / 1000)
      const refused: [string, Record<string, string>][] = [
        ['no header', {}],
        ['stale (10 min old)', { 'stripe-signature': stripeSignature(secret, body, now - 600) }],
        ['from the future (10 min)', { 'stripe-signature': stripeSignature(secret, body, now + 600) }],
        ['wrong secret', { 'stripe-signature': stripeSignature('whsec_other', body) }],
        ['other body', { 'stripe-signature': stripeSignature(secret, '{"id":"evt_2"}') }],
        ['no timestamp', { 'stripe-signature': `v1=${hmacHex(secret, `${now}.${body}`)}` }],
        ['garbage', { 'stripe-signature': 'nonsense' }],
      ]
      for (const [label, headers] of refused) {
        const res = await hook(hub, source.token, body, headers)
        assert.equal(res.statusCode, 401, label)
        assert.deepEqual(res.json(), SIGNATURE_INVALID, label)
      }
      assert.deepEqual(await events(hub), [])
      assertStored(await hook(hub, source.token, body, { 'stripe-signature': stripeSignature(secret, body) }), 'payment_intent.succeeded')
      // Several v1 signatures (Stripe rolls secrets): one matching is enough; 4 minutes old is within tolerance.
      const t4 = now - 240
      const multi = `t=${t4},v1=${'0'.repeat(64)},v1=${hmacHex(secret, `${t4}.${body}`)}`
      assertStored(await hook(hub, source.token, body, { 'stripe-signature': multi }), 'payment_intent.succeeded')
      assert.equal((await events(hub)).length, 2)
    })

    test('github: X-Hub-Signature-256 verifies; the type comes from X-GitHub-Event', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const source = await created(hub, { verify: 'github', secret: 'gh-secret' })
      const body = '{"ref":"refs/heads/main","type":"not-this"}'
      const refused: [string, Record<string, string>][] = [
        ['no signature', { 'x-github-event': 'push' }],
        ['wrong secret', { 'x-github-event': 'push', 'x-hub-signature-256': githubSignature('other', body) }],
        ['sha1 style', { 'x-github-event': 'push', 'x-hub-signature': `sha1=${createHmac('sha1', 'gh-secret').update(body).digest('hex')}` }],
        ['no prefix', { 'x-github-event': 'push', 'x-hub-signature-256': hmacHex('gh-secret', body) }],
      ]
      for (const [label, headers] of refused) {
        const res = await hook(hub, source.token, body, headers)
        assert.equal(res.statusCode, 401, label)
        assert.deepEqual(res.json(), SIGNATURE_INVALID, label)
      }
      assert.deepEqual(await events(hub), [])
      const id = assertStored(await hook(hub, source.token, body, { 'x-github-event': 'push', 'x-hub-signature-256': githubSignature('gh-secret', body) }), 'push')
      assert.equal(((await get(hub, `/api/v1/events/${id}`)).json() as StoredEvent).type, 'push')
    })

    test('standard: Standard Webhooks headers signed by the standardwebhooks package verify', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const source = await created(hub, { verify: 'standard', secret: STANDARD_SECRET })
      const body = '{"type":"invoice.paid","data":{"id":"in_1"}}'
      const good = standardHeaders(STANDARD_SECRET, body)
      const other = `whsec_${Buffer.alloc(24, 6).toString('base64')}`
      const refused: [string, Record<string, string>][] = [
        ['no headers', {}],
        ['wrong secret', standardHeaders(other, body)],
        ['other body', standardHeaders(STANDARD_SECRET, '{"type":"invoice.paid"}')],
        ['stale', standardHeaders(STANDARD_SECRET, body, 'msg_old', new Date(Date.now() - 600_000))],
        ['id swapped', { ...good, 'webhook-id': 'msg_other' }],
        ['no signature', { 'webhook-id': good['webhook-id'], 'webhook-timestamp': good['webhook-timestamp'] }],
      ]
      for (const [label, headers] of refused) {
        const res = await hook(hub, source.token, body, headers)
        assert.equal(res.statusCode, 401, label)
        assert.deepEqual(res.json(), SIGNATURE_INVALID, label)
      }
      assert.deepEqual(await events(hub), [])
      assertStored(await hook(hub, source.token, body, good), 'invoice.paid')
    })

    test('token: ?token= or X-Webhook-Token', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const source = await created(hub, { verify: 'token', secret: 'tkn-123' })
      const body = '{"type":"lead.created"}'
      assertStored(await hook(hub, source.token, body, {}, '?token=tkn-123'), 'lead.created')
      assertStored(await hook(hub, source.token, body, { 'x-webhook-token': 'tkn-123' }), 'lead.created')
      for (const [query, headers] of [['?token=nope', {}], ['', { 'x-webhook-token': 'nope' }], ['', {}]] as const) {
        const res = await hook(hub, source.token, body, headers, query)
        assert.equal(res.statusCode, 401)
        assert.deepEqual(res.json(), SIGNATURE_INVALID)
      }
      assert.equal((await events(hub)).length, 2)
    })

    test('a verifying source without a secret answers 401 HOOKHUB_SOURCE_NO_SECRET and stores nothing', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const body = '{"type":"a.b"}'
      for (const verify of ['token', 'kanboard', 'stripe', 'github', 'standard']) {
        const source = await created(hub, { verify })
        assert.equal(source.has_secret, false)
        const res = await hook(hub, source.token, body, {
          'x-webhook-token': '', 'x-hub-signature-256': githubSignature('', body), 'stripe-signature': stripeSignature('', body),
        }, '?token=')
        assert.equal(res.statusCode, 401, verify)
        assert.deepEqual(res.json(), NO_SECRET, verify)
      }
      assert.deepEqual(await events(hub), [])
    })

    test('event type rules: a fixed type, a payload field, and the defaults per sender', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const fixed = await created(hub, { event_type: 'order.paid' })
      assertStored(await hook(hub, fixed.token, '{"type":"ignored"}'), 'order.paid')
      const field = await created(hub, { event_type: { field: 'data.kind' } })
      assertStored(await hook(hub, field.token, '{"type":"ignored","data":{"kind":"user.signed_up"}}'), 'user.signed_up')
      assertStored(await hook(hub, field.token, '{"data":{}}'), 'unknown')
      const plain = await created(hub, {})
      assertStored(await hook(hub, plain.token, '{"type":"from.payload"}'), 'from.payload')
      assertStored(await hook(hub, plain.token, '{"nothing":"here"}'), 'unknown')
      const kanboard = await created(hub, { verify: 'kanboard', secret: 'k' })
      assertStored(await hook(hub, kanboard.token, '{"event_name":"comment.create","type":"no"}', {}, '?token=k'), 'comment.create')
      const github = await created(hub, { verify: 'github', secret: 'g' })
      const body = '{"action":"opened","type":"no"}'
      assertStored(await hook(hub, github.token, body, { 'x-github-event': 'pull_request', 'x-hub-signature-256': githubSignature('g', body) }), 'pull_request')
      const types = (await events(hub)).map((e) => e.type)
      assert.deepEqual(types, ['order.paid', 'user.signed_up', 'unknown', 'from.payload', 'unknown', 'comment.create', 'pull_request'])
    })

    test('accepted_types: other types answer 200 {received: false} and are not stored', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const source = await created(hub, { accepted_types: ['task.*', 'comment.create'] })
      const refused = await hook(hub, source.token, '{"type":"user.created"}')
      assert.equal(refused.statusCode, 200, refused.body)
      const body = refused.json() as { received: boolean; type: string; reason: string }
      assert.equal(body.received, false)
      assert.equal(body.type, 'user.created')
      assert.equal(typeof body.reason, 'string')
      assert.deepEqual(Object.keys(body).sort(), ['reason', 'received', 'type'])
      assert.deepEqual(await events(hub), [])
      assertStored(await hook(hub, source.token, '{"type":"task.created"}'), 'task.created')
      assertStored(await hook(hub, source.token, '{"type":"comment.create"}'), 'comment.create')
      assert.equal(((await hook(hub, source.token, '{"type":"comment.update"}')).json() as { received: boolean }).received, false)
      assert.deepEqual((await events(hub)).map((e) => e.type), ['task.created', 'comment.create'])
    })

    test("the sender's delivery id (webhook-id, X-GitHub-Delivery) stores a retried hook once", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const standard = await created(hub, { verify: 'standard', secret: STANDARD_SECRET })
      const body = '{"type":"invoice.paid"}'
      const headers = standardHeaders(STANDARD_SECRET, body, 'msg_same')
      const first = assertStored(await hook(hub, standard.token, body, headers), 'invoice.paid')
      const again = assertStored(await hook(hub, standard.token, body, headers), 'invoice.paid')
      assert.equal(again, first)
      const next = assertStored(await hook(hub, standard.token, body, standardHeaders(STANDARD_SECRET, body, 'msg_next')), 'invoice.paid')
      assert.notEqual(next, first)

      const github = await created(hub, { verify: 'github', secret: 'g' })
      const push = '{"ref":"main"}'
      const gh = { 'x-github-event': 'push', 'x-hub-signature-256': githubSignature('g', push), 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' }
      const g1 = assertStored(await hook(hub, github.token, push, gh), 'push')
      assert.equal(assertStored(await hook(hub, github.token, push, gh), 'push'), g1)

      // The same delivery id at another source is another event.
      const plain = await created(hub, {})
      const p1 = assertStored(await hook(hub, plain.token, body, { 'webhook-id': 'msg_same' }), 'invoice.paid')
      assert.notEqual(p1, first)
      assert.equal(assertStored(await hook(hub, plain.token, '{"type":"invoice.paid","retry":true}', { 'webhook-id': 'msg_same' }), 'invoice.paid'), p1)
      assert.equal((await events(hub)).length, 4)
    })

    test('raw body byte-exactness: a raw-format endpoint receives exactly the bytes posted', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      const sink = await startSink(t)
      const endpoint = await hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: hub.admin, payload: { url: `${sink.url}/raw`, format: 'raw' } })
      assert.equal(endpoint.statusCode, 201, endpoint.body)
      const source = await created(hub, { verify: 'github', secret: 'g' })
      const body = '{\n  "zeta" : 1,\t"alpha": 12345678901234567890,\n  "type": "order.paid", "price": 10.50, "name": "\\u00e9t\u00e9", "list": [ 1 , 2 ]\n}\n'
      const res = await hook(hub, source.token, body, { 'x-github-event': 'order.paid', 'x-hub-signature-256': githubSignature('g', body) })
      assertStored(res, 'order.paid')
      await sink.waitFor(1)
      assert.equal(sink.received[0].body, body)
      const stored = (await events(hub))[0]
      assert.deepEqual(Object.keys(stored.payload as object), ['zeta', 'alpha', 'type', 'price', 'name', 'list'])
    })
  })
}
