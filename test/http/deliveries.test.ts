// API contract of the native delivery log: GET /api/v1/deliveries, GET /api/v1/deliveries/{id}, POST /api/v1/deliveries/{id}/retry.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { assertError, assertFieldNamed } from '../helpers/native-errors.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const DELIVERY_ID = /^dlv_[0-9a-z]{26}$/
const MASK = '********'
/** Sensitive request headers (Authorization, webhook-signature…) read back as this. */
const HEADER_MASK = '****'
/** No workers: deliveries stay pending and nothing leaves the process. */
const API_ONLY = { HOOKHUB_WORKERS: '0' }
const SINK_ENV = { HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true', HOOKHUB_RETRY_SCHEDULE: '0,50ms,100ms' }
const DELIVERY_KEYS = ['attempt_count', 'circuit_open_until', 'created_at', 'endpoint_id', 'event_id', 'id', 'last_status_code', 'next_attempt_at', 'status', 'updated_at']

type Auth = { authorization: string }
type Res = { statusCode: number; json: () => unknown; body: string }
type Delivery = {
  id: string; event_id: string; endpoint_id: string; status: string; attempt_count: number
  next_attempt_at: string | null; circuit_open_until: string | null; last_status_code: number | null; created_at: string; updated_at: string
}
type Attempt = {
  id: number; started_at: string; duration_ms: number
  request: { method: string; url: string; headers: Record<string, string> }
  response: { status: number; headers: Record<string, string>; body: string } | null
  error: { code: string; message: string } | null
}
type Detail = Delivery & { event_type: string; payload: unknown; attempts: Attempt[] }

const get = (hub: TestHub, url: string, headers: Auth = hub.admin) => hub.app.inject({ method: 'GET', url, headers })
const retry = (hub: TestHub, id: string, headers: Auth = hub.admin) =>
  hub.app.inject({ method: 'POST', url: `/api/v1/deliveries/${id}/retry`, headers })

async function createEndpoint (hub: TestHub, body: Record<string, unknown>, headers: Auth = hub.admin) {
  const res = await hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers, payload: { url: 'https://example.com/hook', ...body } })
  assert.equal(res.statusCode, 201, `creating an endpoint: ${res.body}`)
  return res.json() as { id: string }
}

async function publish (hub: TestHub, type: string, payload: unknown = {}) {
  const res = await hub.app.inject({ method: 'POST', url: '/api/v1/events', headers: hub.admin, payload: { type, payload } })
  assert.equal(res.statusCode, 202, res.body)
  return res.json() as { id: string; deliveries: number }
}

async function list (hub: TestHub, query = '', headers: Auth = hub.admin) {
  const res = await get(hub, `/api/v1/deliveries${query}`, headers)
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as { data: Delivery[]; next_cursor: string | null }
}

async function detail (hub: TestHub, id: string): Promise<Detail> {
  const res = await get(hub, `/api/v1/deliveries/${id}`)
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as Detail
}

async function deliveriesOfEvent (hub: TestHub, eventId: string) {
  return ((await get(hub, `/api/v1/events/${eventId}`)).json() as { deliveries: Delivery[] }).deliveries
}

/** Polls the delivery every 25 ms until `accept` holds, for up to `timeoutMs`. */
async function waitFor (hub: TestHub, id: string, accept: (d: Detail) => boolean, what: string, timeoutMs = 5000): Promise<Detail> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const d = await detail(hub, id)
    if (accept(d)) return d
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify({ status: d.status, attempts: d.attempt_count })}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}



const NOT_FOUND = { error: { code: 'HOOKHUB_NOT_FOUND', message: 'Delivery not found', details: {} } }

for (const engine of engines) {
  describe(`[${engine}] native deliveries API`, () => {
    test('list: the delivery shape, oldest first', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const endpoint = await createEndpoint(hub, {})
      const event = await publish(hub, 'a.b')
      const page = await list(hub)
      assert.deepEqual(Object.keys(page).sort(), ['data', 'next_cursor'])
      assert.equal(page.next_cursor, null)
      assert.equal(page.data.length, 1)
      const d = page.data[0]
      assert.match(d.id, DELIVERY_ID)
      assert.match(String(d.next_attempt_at), TIMESTAMP)
      assert.match(d.created_at, TIMESTAMP)
      assert.match(d.updated_at, TIMESTAMP)
      assert.deepEqual(d, {
        id: d.id, event_id: event.id, endpoint_id: endpoint.id, status: 'pending', attempt_count: 0,
        next_attempt_at: d.next_attempt_at, circuit_open_until: null, last_status_code: null, created_at: d.created_at, updated_at: d.updated_at,
      })
    })

    test('list filters: endpoint_id, event_id, status and since', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const e1 = await createEndpoint(hub, { url: 'https://example.com/1' })
      const e2 = await createEndpoint(hub, { url: 'https://example.com/2', filter: { types: ['b.*'] } })
      const a = await publish(hub, 'a.x')
      await new Promise((resolve) => setTimeout(resolve, 15))
      const b = await publish(hub, 'b.x')
      const c = await publish(hub, 'b.y')
      assert.deepEqual([a.deliveries, b.deliveries, c.deliveries], [1, 2, 2])
      const all = (await list(hub, '?order=asc')).data
      assert.equal(all.length, 5)
      assert.deepEqual(all.map((d) => d.event_id), [a.id, b.id, b.id, c.id, c.id])
      const pairs = async (query: string) => (await list(hub, `${query}&order=asc`)).data.map((d) => `${d.event_id}>${d.endpoint_id}`)
      assert.deepEqual(await pairs(`?endpoint_id=${e2.id}`), [`${b.id}>${e2.id}`, `${c.id}>${e2.id}`])
      assert.equal((await pairs(`?endpoint_id=${e1.id}`)).length, 3)
      assert.deepEqual((await pairs(`?event_id=${b.id}`)).sort(), [`${b.id}>${e1.id}`, `${b.id}>${e2.id}`].sort())
      assert.deepEqual(await pairs(`?event_id=${c.id}&endpoint_id=${e1.id}`), [`${c.id}>${e1.id}`])
      assert.deepEqual(await pairs('?event_id=evt_00000000000000000000000000'), [])
      assert.deepEqual(await pairs('?endpoint_id=ep_00000000000000000000000000'), [])
      assert.equal((await pairs('?status=pending')).length, 5)
      for (const status of ['delivering', 'succeeded', 'failed', 'cancelled']) assert.deepEqual(await pairs(`?status=${status}`), [], status)
      assert.equal((await pairs('?since=1h')).length, 5)
      assert.deepEqual(await pairs(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`), [])
      const createdB = all.find((d) => d.event_id === b.id)?.created_at as string
      assert.ok(Date.parse(createdB) > Date.parse(all[0].created_at))
      assert.deepEqual((await list(hub, `?since=${encodeURIComponent(createdB)}&order=asc`)).data.map((d) => d.id), all.slice(1).map((d) => d.id))

      // A deleted endpoint's waiting deliveries are cancelled: the status filter finds them.
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `/api/v1/endpoints/${e2.id}`, headers: hub.admin })).statusCode, 204)
      assert.deepEqual(await pairs('?status=cancelled'), [`${b.id}>${e2.id}`, `${c.id}>${e2.id}`])
      assert.equal((await pairs('?status=pending')).length, 3)
    })

    test('list: filter values are validated', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      assertFieldNamed(await get(hub, '/api/v1/deliveries?status=done'), 'status', 'status=done')
      assertFieldNamed(await get(hub, '/api/v1/deliveries?since=last-week'), 'since', 'since=last-week')
      for (const limit of ['0', '501', 'many']) assertFieldNamed(await get(hub, `/api/v1/deliveries?limit=${limit}`), 'limit', `limit=${limit}`)
      for (const cursor of ['%21%21', Buffer.from('id:x').toString('base64url'), Buffer.from('nope').toString('base64url')]) {
        assertError(await get(hub, `/api/v1/deliveries?cursor=${cursor}`), 400, 'HOOKHUB_BAD_REQUEST')
      }
    })

    test('list: cursor pagination walks every delivery once', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      await createEndpoint(hub, {})
      for (let i = 0; i < 5; i++) await publish(hub, `t.${i}`)
      const all = (await list(hub)).data.map((d) => d.id)
      assert.equal(all.length, 5)
      const seen: string[] = []
      const pages: number[] = []
      let cursor: string | null = null
      do {
        const page = await list(hub, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        for (const d of page.data) assert.deepEqual(Object.keys(d).sort(), DELIVERY_KEYS)
        seen.push(...page.data.map((d) => d.id))
        pages.push(page.data.length)
        cursor = page.next_cursor
      } while (cursor !== null && pages.length < 10)
      assert.deepEqual(pages, [2, 2, 1])
      assert.deepEqual(seen, all)
      const filtered = await list(hub, '?limit=4&status=pending')
      assert.equal(filtered.data.length, 4)
      const rest = await list(hub, `?limit=4&status=pending&cursor=${encodeURIComponent(String(filtered.next_cursor))}`)
      assert.deepEqual(rest.data.map((d) => d.id), [all[4]])
      assert.equal(rest.next_cursor, null)
    })

    test('detail: attempts with the request sent (Authorization masked) and the response', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      const sink = await startSink(t, (_req, res) => { res.setHeader('x-receiver', 'sink'); res.end('thanks') })
      const endpoint = await createEndpoint(hub, { url: `${sink.url}/in`, auth: { type: 'bearer', token: 'very-secret-token' }, headers: { 'X-Tenant': 't1' } })
      const event = await publish(hub, 'order.paid', { n: 1 })
      const [{ id }] = await deliveriesOfEvent(hub, event.id)
      const d = await waitFor(hub, id, (x) => x.status === 'succeeded', 'succeeded')
      assert.equal(sink.received.length, 1)
      assert.equal(sink.received[0].headers.authorization, 'Bearer very-secret-token', 'the receiver got the real token')

      const res = await get(hub, `/api/v1/deliveries/${id}`)
      assert.ok(!res.body.includes('very-secret-token'), 'the token never appears in the log')
      assert.deepEqual(Object.keys(d).sort(), [...DELIVERY_KEYS, 'attempts', 'event_type', 'payload'].sort())
      assert.equal(d.event_id, event.id)
      assert.equal(d.event_type, 'order.paid')
      assert.deepEqual(d.payload, { n: 1 }, 'the payload each request carried')
      assert.equal(d.endpoint_id, endpoint.id)
      assert.equal(d.attempt_count, 1)
      assert.equal(d.last_status_code, 200)
      assert.equal(d.next_attempt_at, null)
      assert.equal(d.attempts.length, 1)
      const a = d.attempts[0]
      assert.deepEqual(Object.keys(a).sort(), ['duration_ms', 'error', 'id', 'request', 'response', 'started_at'])
      assert.equal(typeof a.id, 'number')
      assert.match(a.started_at, TIMESTAMP)
      assert.ok(Number.isInteger(a.duration_ms) && a.duration_ms >= 0)
      assert.equal(a.request.method, 'POST')
      assert.equal(a.request.url, `${sink.url}/in`)
      assert.equal(a.request.headers.authorization, HEADER_MASK)
      assert.equal(a.request.headers['X-Tenant'] ?? a.request.headers['x-tenant'], 't1')
      assert.equal(a.request.headers['webhook-id'], sink.received[0].headers['webhook-id'])
      assert.equal(a.request.headers['webhook-signature'], HEADER_MASK)
      assert.equal(a.response?.status, 200)
      assert.equal(a.response?.body, 'thanks')
      assert.equal(a.response?.headers['x-receiver'], 'sink')
      assert.equal(a.error, null)
    })

    test('detail: basic auth and a query token are masked too; a failed try records the error', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: `${sink.url}/basic`, auth: { type: 'basic', username: 'u', password: 'pw-secret' }, filter: { types: ['a.*'] } })
      await createEndpoint(hub, { url: `${sink.url}/query?x=1`, auth: { type: 'query', token: 'q-secret', param: 'key' }, filter: { types: ['a.*'] } })
      const event = await publish(hub, 'a.b')
      const ids = (await deliveriesOfEvent(hub, event.id)).map((d) => d.id)
      assert.equal(ids.length, 2)
      for (const id of ids) {
        await waitFor(hub, id, (x) => x.status === 'succeeded', 'succeeded')
        const res = await get(hub, `/api/v1/deliveries/${id}`)
        for (const secret of ['pw-secret', 'q-secret', Buffer.from('u:pw-secret').toString('base64')]) assert.ok(!res.body.includes(secret), `${secret} leaked: ${res.body}`)
      }
      const basic = sink.received.find((r) => r.url === '/basic')
      const query = sink.received.find((r) => r.url.startsWith('/query'))
      assert.equal(basic?.headers.authorization, `Basic ${Buffer.from('u:pw-secret').toString('base64')}`)
      assert.equal(new URL(`http://x${query?.url}`).searchParams.get('key'), 'q-secret')
      const details = await Promise.all(ids.map((id) => detail(hub, id)))
      const queryAttempt = details.flatMap((d) => d.attempts).find((a) => a.request.url.includes('/query'))
      assert.equal(new URL(String(queryAttempt?.request.url)).searchParams.get('key'), MASK)
      const basicAttempt = details.flatMap((d) => d.attempts).find((a) => a.request.url.includes('/basic'))
      assert.equal(basicAttempt?.request.headers.authorization, HEADER_MASK)

      // A receiver that cannot be reached: each try records an error and no response.
      const closed = await startSink(t)
      const deadUrl = closed.url
      await new Promise<void>((resolve) => { closed.server.closeAllConnections(); closed.server.close(() => resolve()) })
      await createEndpoint(hub, { url: deadUrl, filter: { types: ['dead.*'] } })
      const dead = await publish(hub, 'dead.letter')
      assert.equal(dead.deliveries, 1)
      const [{ id: deadId }] = await deliveriesOfEvent(hub, dead.id)
      const failed = await waitFor(hub, deadId, (x) => x.status === 'failed', 'failed')
      assert.equal(failed.attempt_count, 3)
      assert.equal(failed.last_status_code, null)
      assert.equal(failed.attempts.length, 3)
      for (const a of failed.attempts) {
        assert.equal(a.response, null)
        assert.equal(typeof a.error?.code, 'string')
        assert.equal(typeof a.error?.message, 'string')
      }
    })

    test('retry of a succeeded delivery answers 202 and sends it again', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: sink.url })
      const event = await publish(hub, 'again.please', { n: 1 })
      const [{ id }] = await deliveriesOfEvent(hub, event.id)
      await waitFor(hub, id, (x) => x.status === 'succeeded', 'succeeded')
      const res = await retry(hub, id)
      assert.equal(res.statusCode, 202, res.body)
      const body = res.json() as Delivery
      assert.deepEqual(Object.keys(body).sort(), DELIVERY_KEYS)
      assert.equal(body.id, id)
      assert.equal(body.event_id, event.id)
      assert.ok(['pending', 'delivering', 'succeeded'].includes(body.status), body.status)
      await sink.waitFor(2)
      assert.equal(sink.received[1].body, sink.received[0].body, 'the same body again')
      assert.equal(sink.received[1].headers['webhook-id'], sink.received[0].headers['webhook-id'], 'the same webhook-id, so receivers can dedupe')
      const done = await waitFor(hub, id, (x) => x.status === 'succeeded' && x.attempt_count === 2, 'a second success')
      assert.equal(done.attempts.length, 2)
    })

    test('retry of a failed delivery answers 202 and it can succeed', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      let status = 503
      const sink = await startSink(t, (_req, res) => { res.statusCode = status; res.end() })
      await createEndpoint(hub, { url: sink.url })
      const event = await publish(hub, 'flaky')
      const [{ id }] = await deliveriesOfEvent(hub, event.id)
      const failed = await waitFor(hub, id, (x) => x.status === 'failed', 'failed')
      assert.equal(failed.last_status_code, 503)
      status = 200
      const res = await retry(hub, id)
      assert.equal(res.statusCode, 202, res.body)
      const done = await waitFor(hub, id, (x) => x.status === 'succeeded', 'succeeded after retry')
      assert.equal(done.attempt_count, 4)
      assert.equal(done.last_status_code, 200)
    })

    test('a manual retry behind an open circuit is its probe: sent now, not when the cooldown ends', async (t) => {
      const hub = await startHub(t, engine, { ...SINK_ENV, HOOKHUB_RETRY_SCHEDULE: '0', HOOKHUB_CIRCUIT_COOLDOWN: '1h' })
      let status = 503
      const sink = await startSink(t, (_req, res) => { res.statusCode = status; res.end() })
      const endpoint = await createEndpoint(hub, { url: sink.url })
      const failedIds: string[] = []
      // Five failures in a row open the circuit for an hour.
      for (let i = 0; i < 5; i++) {
        const [{ id }] = await deliveriesOfEvent(hub, (await publish(hub, 'down')).id)
        await waitFor(hub, id, (x) => x.status === 'failed', 'failed', 20_000)
        failedIds.push(id)
      }
      const stats = await get(hub, '/api/v1/stats/endpoints')
      const row = (stats.json() as { data: { endpoint_id: string; circuit: { state: string } }[] }).data.find((e) => e.endpoint_id === endpoint.id)
      assert.equal(row?.circuit.state, 'open', stats.body)

      // What the log shows meanwhile: a delivery the circuit holds says until when, never a time past.
      const [{ id: held }] = await deliveriesOfEvent(hub, (await publish(hub, 'down')).id)
      const waiting = await detail(hub, held)
      assert.equal(waiting.status, 'pending')
      assert.ok(waiting.circuit_open_until !== null && Date.parse(waiting.circuit_open_until) > Date.now() + 5 * 60_000, JSON.stringify(waiting))
      assert.equal(waiting.next_attempt_at, waiting.circuit_open_until)
      const listed = (await list(hub, `?endpoint_id=${endpoint.id}&status=pending`)).data.find((d) => d.id === held)
      assert.equal(listed?.circuit_open_until, waiting.circuit_open_until)

      status = 200
      const updates: { attempt: number; max_attempts: number }[] = []
      const unsubscribe = hub.activity.subscribe((a) => { if (a.kind === 'delivery' && a.delivery.id === failedIds[0]) updates.push(a.delivery) })
      t.after(unsubscribe)
      assert.equal((await retry(hub, failedIds[0])).statusCode, 202)
      const done = await waitFor(hub, failedIds[0], (x) => x.status === 'succeeded', 'the retry sent through the open circuit', 20_000)
      assert.equal(done.attempt_count, 2)
      // One attempt beyond a schedule of one: reported as 2 of 2, never "2/1".
      assert.ok(updates.some((u) => u.attempt === 2 && u.max_attempts === 2), JSON.stringify(updates))
    })

    test('retry of a pending delivery answers 409; unknown ids 404', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      await createEndpoint(hub, {})
      const event = await publish(hub, 'a.b')
      const [{ id }] = await deliveriesOfEvent(hub, event.id)
      const res = await retry(hub, id)
      const error = assertError(res, 409, 'HOOKHUB_CONFLICT')
      assert.match(error.message, /pending/)
      assert.equal((await detail(hub, id)).status, 'pending')
      for (const unknown of ['dlv_00000000000000000000000000', 'nope', '1']) {
        const missing = await retry(hub, unknown)
        assert.equal(missing.statusCode, 404, unknown)
        assert.deepEqual(missing.json(), NOT_FOUND)
        const read = await get(hub, `/api/v1/deliveries/${unknown}`)
        assert.equal(read.statusCode, 404, unknown)
        assert.deepEqual(read.json(), NOT_FOUND)
      }
    })

    test('no credentials: 401; missing permission: 403 naming deliveries.view or deliveries.retry', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      await createEndpoint(hub, {})
      const event = await publish(hub, 'a.b')
      const [{ id }] = await deliveriesOfEvent(hub, event.id)
      const routes: [string, string, string][] = [
        ['GET', '/api/v1/deliveries', 'deliveries.view'],
        ['GET', `/api/v1/deliveries/${id}`, 'deliveries.view'],
        ['POST', `/api/v1/deliveries/${id}/retry`, 'deliveries.retry'],
      ]
      for (const [method, url, permission] of routes) {
        const anonymous = await hub.app.inject({ method: method as 'GET', url })
        assert.equal(anonymous.statusCode, 401, `${method} ${url}`)
        assert.equal((anonymous.json() as { error: { code: string } }).error.code, 'HOOKHUB_UNAUTHENTICATED')
        const others = ['deliveries.view', 'deliveries.retry', 'events.view', 'endpoints.view'].filter((p) => p !== permission)
        const user = await hub.userWith(others)
        const res = await hub.app.inject({ method: method as 'GET', url, headers: { authorization: user.authorization } })
        assert.equal(res.statusCode, 403, `${method} ${url}`)
        assert.deepEqual(res.json(), { error: { code: 'HOOKHUB_FORBIDDEN', message: `Permission ${permission} is required`, details: {} } })
      }
      const viewer = await hub.userWith(['deliveries.view'])
      assert.equal((await get(hub, `/api/v1/deliveries/${id}`, { authorization: viewer.authorization })).statusCode, 200)
      const retrier = await hub.userWith(['deliveries.retry'])
      assert.equal((await retry(hub, id, { authorization: retrier.authorization })).statusCode, 409, 'permitted; refused only because it is pending')
    })

    test('.own: deliveries of other users\' endpoints answer 404', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const own = ['endpoints.create.own', 'endpoints.view.own', 'deliveries.view.own', 'deliveries.retry.own']
      const a = { authorization: (await hub.userWith(own)).authorization }
      const b = { authorization: (await hub.userWith(own)).authorization }
      const ofA = await createEndpoint(hub, { url: 'https://example.com/a' }, a)
      const ofB = await createEndpoint(hub, { url: 'https://example.com/b' }, b)
      const event = await publish(hub, 'x.y')
      const ds = await deliveriesOfEvent(hub, event.id)
      const dA = ds.find((d) => d.endpoint_id === ofA.id) as Delivery
      const dB = ds.find((d) => d.endpoint_id === ofB.id) as Delivery
      assert.deepEqual((await list(hub, `?endpoint_id=${ofA.id}`, a)).data.map((d) => d.id), [dA.id])
      const foreign = await get(hub, `/api/v1/deliveries?endpoint_id=${ofB.id}`, a)
      assert.equal(foreign.statusCode, 404, foreign.body)
      assert.equal((await get(hub, `/api/v1/deliveries/${dA.id}`, a)).statusCode, 200)
      const read = await get(hub, `/api/v1/deliveries/${dB.id}`, a)
      assert.equal(read.statusCode, 404)
      assert.deepEqual(read.json(), NOT_FOUND)
      const again = await retry(hub, dB.id, a)
      assert.equal(again.statusCode, 404)
      assert.deepEqual(again.json(), NOT_FOUND)
      const everything = await get(hub, '/api/v1/deliveries', a)
      assertError(everything, 403, 'HOOKHUB_FORBIDDEN')
      assert.ok(!everything.body.includes(dB.id))
    })
  })
}
