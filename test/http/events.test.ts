// API contract of the native events routes: POST /api/v1/events, GET /api/v1/events, GET /api/v1/events/{id}.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { assertError, assertFieldNamed } from '../helpers/native-errors.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const EVENT_ID = /^evt_[0-9a-z]{26}$/
const DELIVERY_ID = /^dlv_[0-9a-z]{26}$/
/** No workers: deliveries stay pending and nothing leaves the process. */
const API_ONLY = { HOOKHUB_WORKERS: '0' }
const SINK_ENV = { HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true', HOOKHUB_RETRY_SCHEDULE: '0,50ms,100ms' }

type Auth = { authorization: string }

async function createEndpoint (hub: TestHub, body: Record<string, unknown>, headers: Auth = hub.admin) {
  const res = await hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers, payload: { url: 'https://example.com/hook', ...body } })
  assert.equal(res.statusCode, 201, `creating an endpoint: ${res.body}`)
  return res.json() as { id: string; secret: string }
}

async function publish (hub: TestHub, body: Record<string, unknown>, headers: Record<string, string> = hub.admin) {
  return hub.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: body })
}

async function published (hub: TestHub, body: Record<string, unknown>) {
  const res = await publish(hub, body)
  assert.equal(res.statusCode, 202, res.body)
  return res.json() as { id: string; type: string; deliveries: number }
}

async function listEvents (hub: TestHub, query = '') {
  const res = await hub.app.inject({ method: 'GET', url: `/api/v1/events${query}`, headers: hub.admin })
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as { data: { id: string; type: string; source: string; received_at: string }[]; next_cursor: string | null }
}

async function deliveryCount (hub: TestHub) {
  const res = await hub.app.inject({ method: 'GET', url: '/api/v1/deliveries?limit=500', headers: hub.admin })
  assert.equal(res.statusCode, 200, res.body)
  return (res.json() as { data: unknown[] }).data.length
}



const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

for (const engine of engines) {
  describe(`[${engine}] native events API`, () => {
    test('POST /api/v1/events answers 202 {id, type, deliveries}; GET shows the whole event', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const payload = { task: { id: 7, title: 'Écrire ✓', tags: ['a', 'b'], done: false, due: null }, n: 1.5 }
      const res = await publish(hub, { type: 'task.created', payload })
      assert.equal(res.statusCode, 202, res.body)
      const body = res.json()
      assert.deepEqual(Object.keys(body).sort(), ['deliveries', 'id', 'type'])
      assert.match(body.id, EVENT_ID)
      assert.equal(body.type, 'task.created')
      assert.equal(body.deliveries, 0)

      const got = await hub.app.inject({ method: 'GET', url: `/api/v1/events/${body.id}`, headers: hub.admin })
      assert.equal(got.statusCode, 200, got.body)
      const event = got.json()
      assert.match(event.received_at, TIMESTAMP)
      assert.ok(Math.abs(Date.parse(event.received_at) - Date.now()) < 60_000, 'received_at is now')
      assert.deepEqual(event, {
        id: body.id, type: 'task.created', source: 'api', origin: null, node_id: null, channel: null, content_type: null, payload, received_at: event.received_at, deliveries: [],
      })
    })

    test('node_id and channel are stored with the event', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { id } = await published(hub, { type: 'a.b', payload: {}, node_id: 'node-1', channel: 'ch-1' })
      const event = (await hub.app.inject({ method: 'GET', url: `/api/v1/events/${id}`, headers: hub.admin })).json()
      assert.equal(event.node_id, 'node-1')
      assert.equal(event.channel, 'ch-1')
    })

    test('the payload may be any JSON value and reads back equal', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      for (const payload of [[1, 'two', { three: 3 }], 'text', 42, null, true, { nested: { deeper: { list: [[], {}] } }, 'key with space': '\u0000\n"' }]) {
        const { id } = await published(hub, { type: 'any.value', payload })
        const event = (await hub.app.inject({ method: 'GET', url: `/api/v1/events/${id}`, headers: hub.admin })).json()
        assert.deepEqual(event.payload, payload, JSON.stringify(payload))
      }
    })

    test('deliveries counts the enabled endpoints whose type filter matches, with * wildcards', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const all = await createEndpoint(hub, {})
      const taskAny = await createEndpoint(hub, { filter: { types: ['task.*'] } })
      const taskCreated = await createEndpoint(hub, { filter: { types: ['task.created'] } })
      await createEndpoint(hub, { filter: { types: ['task.*'] }, enabled: false })
      const users = await createEndpoint(hub, { filter: { types: ['user.*', 'other'] } })
      const cases: [string, string[]][] = [
        ['task.created', [all.id, taskAny.id, taskCreated.id]],
        ['task.a.b', [all.id, taskAny.id]],
        ['tasks.created', [all.id]],
        ['task', [all.id]],
        ['user.deleted', [all.id, users.id]],
        ['other', [all.id, users.id]],
      ]
      for (const [type, expected] of cases) {
        const res = await published(hub, { type, payload: { type } })
        assert.equal(res.deliveries, expected.length, type)
        const event = (await hub.app.inject({ method: 'GET', url: `/api/v1/events/${res.id}`, headers: hub.admin })).json()
        assert.deepEqual(event.deliveries.map((d: { endpoint_id: string }) => d.endpoint_id).sort(), [...expected].sort(), type)
      }
    })

    test('GET /api/v1/events/{id} lists its deliveries in the delivery shape', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const endpoint = await createEndpoint(hub, {})
      const { id } = await published(hub, { type: 'x.y', payload: {} })
      const event = (await hub.app.inject({ method: 'GET', url: `/api/v1/events/${id}`, headers: hub.admin })).json()
      assert.equal(event.deliveries.length, 1)
      const d = event.deliveries[0]
      assert.match(d.id, DELIVERY_ID)
      assert.match(d.next_attempt_at, TIMESTAMP)
      assert.match(d.created_at, TIMESTAMP)
      assert.match(d.updated_at, TIMESTAMP)
      assert.deepEqual(d, {
        id: d.id, event_id: id, endpoint_id: endpoint.id, status: 'pending', attempt_count: 0,
        next_attempt_at: d.next_attempt_at, circuit_open_until: null, last_status_code: null, created_at: d.created_at, updated_at: d.updated_at,
      })
    })

    test('node scoping: an event without node_id never reaches a node-scoped endpoint', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const open = await createEndpoint(hub, {})
      const n1 = await createEndpoint(hub, { filter: { node_id: 'n1' } })
      const n2 = await createEndpoint(hub, { filter: { types: ['task.*'], node_id: 'n2' } })
      const cases: [Record<string, unknown>, string[]][] = [
        [{ type: 'task.created', payload: {} }, [open.id]],
        [{ type: 'task.created', payload: {}, node_id: 'n1' }, [open.id, n1.id]],
        [{ type: 'task.created', payload: {}, node_id: 'n2' }, [open.id, n2.id]],
        [{ type: 'user.created', payload: {}, node_id: 'n2' }, [open.id]],
        [{ type: 'task.created', payload: {}, node_id: 'n3' }, [open.id]],
      ]
      for (const [body, expected] of cases) {
        const res = await published(hub, body)
        assert.equal(res.deliveries, expected.length, JSON.stringify(body))
        const event = (await hub.app.inject({ method: 'GET', url: `/api/v1/events/${res.id}`, headers: hub.admin })).json()
        assert.deepEqual(event.deliveries.map((d: { endpoint_id: string }) => d.endpoint_id).sort(), [...expected].sort())
      }
    })

    test('channel scoping: only events of that channel reach a channel-scoped endpoint', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const open = await createEndpoint(hub, {})
      const c1 = await createEndpoint(hub, { filter: { channel: 'c1' } })
      const cases: [Record<string, unknown>, string[]][] = [
        [{ type: 'call.started', payload: {} }, [open.id]],
        [{ type: 'call.started', payload: {}, channel: 'c1' }, [open.id, c1.id]],
        [{ type: 'call.started', payload: {}, channel: 'c2' }, [open.id]],
      ]
      for (const [body, expected] of cases) {
        const res = await published(hub, body)
        assert.equal(res.deliveries, expected.length, JSON.stringify(body))
        const event = (await hub.app.inject({ method: 'GET', url: `/api/v1/events/${res.id}`, headers: hub.admin })).json()
        assert.deepEqual(event.deliveries.map((d: { endpoint_id: string }) => d.endpoint_id).sort(), [...expected].sort())
      }
    })

    test('Idempotency-Key: the same key answers 200 with the first event and adds no deliveries', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      await createEndpoint(hub, {})
      const headers = { ...hub.admin, 'idempotency-key': 'order-42' }
      const first = await publish(hub, { type: 'order.paid', payload: { n: 1 } }, headers)
      assert.equal(first.statusCode, 202, first.body)
      assert.equal(first.json().deliveries, 1)
      const again = await publish(hub, { type: 'order.paid', payload: { n: 1 } }, headers)
      assert.equal(again.statusCode, 200, again.body)
      assert.deepEqual(again.json(), first.json())
      // Even with another body, the key names the first event.
      const changed = await publish(hub, { type: 'order.refunded', payload: { n: 2 } }, headers)
      assert.equal(changed.statusCode, 200, changed.body)
      assert.equal(changed.json().id, first.json().id)
      assert.equal(changed.json().type, 'order.paid')
      assert.equal((await listEvents(hub)).data.length, 1)
      assert.equal(await deliveryCount(hub), 1)
      const stored = (await hub.app.inject({ method: 'GET', url: `/api/v1/events/${first.json().id}`, headers: hub.admin })).json()
      assert.deepEqual(stored.payload, { n: 1 })

      const other = await publish(hub, { type: 'order.paid', payload: { n: 1 } }, { ...hub.admin, 'idempotency-key': 'order-43' })
      assert.equal(other.statusCode, 202)
      assert.notEqual(other.json().id, first.json().id)
      const none = await publish(hub, { type: 'order.paid', payload: { n: 1 } })
      assert.equal(none.statusCode, 202)
      assert.equal((await listEvents(hub)).data.length, 3)
      assert.equal(await deliveryCount(hub), 3)
    })

    test('Idempotency-Key: the same key of two different users names two events', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const a = await hub.userWith(['events.publish'])
      const b = await hub.userWith(['events.publish'])
      const ra = await publish(hub, { type: 'k.v', payload: { who: 'a' } }, { authorization: a.authorization, 'idempotency-key': 'same' })
      const rb = await publish(hub, { type: 'k.v', payload: { who: 'b' } }, { authorization: b.authorization, 'idempotency-key': 'same' })
      assert.equal(ra.statusCode, 202)
      assert.equal(rb.statusCode, 202)
      assert.notEqual(ra.json().id, rb.json().id)
      const again = await publish(hub, { type: 'k.v', payload: {} }, { authorization: b.authorization, 'idempotency-key': 'same' })
      assert.equal(again.statusCode, 200)
      assert.equal(again.json().id, rb.json().id)
      const eb = (await hub.app.inject({ method: 'GET', url: `/api/v1/events/${rb.json().id}`, headers: hub.admin })).json()
      assert.deepEqual(eb.payload, { who: 'b' })
    })

    test('the payload is delivered byte for byte: spacing, key order and big integers survive', async (t) => {
      const hub = await startHub(t, engine, SINK_ENV)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: `${sink.url}/raw`, format: 'raw' })
      await createEndpoint(hub, { url: `${sink.url}/standard`, format: 'standard' })
      const payloadText = '{ "z" : 12345678901234567890,\n  "a": [1.10, 2e3, -0],  "s": "\\u00e9\\n" }'
      const res = await hub.app.inject({
        method: 'POST', url: '/api/v1/events', headers: { ...hub.admin, 'content-type': 'application/json' },
        payload: `{"type":"big.number",  "payload":  ${payloadText} }`,
      })
      assert.equal(res.statusCode, 202, res.body)
      assert.equal(res.json().deliveries, 2)
      await sink.waitFor(2)
      const raw = sink.received.find((r) => r.url === '/raw')
      const standard = sink.received.find((r) => r.url === '/standard')
      assert.ok(raw && standard)
      assert.equal(raw.body, payloadText)
      assert.match(standard.body, /^\{"type":"big\.number","timestamp":"[^"]+","data":/)
      assert.ok(standard.body.endsWith(`"data":${payloadText}}`), standard.body)
      const event = (await hub.app.inject({ method: 'GET', url: `/api/v1/events/${res.json().id}`, headers: hub.admin })).json()
      assert.deepEqual(Object.keys(event.payload), ['z', 'a', 's'])
      assert.equal(event.payload.s, 'é\n')
    })

    test('validation: wrong types, missing fields, unknown fields and bad type names answer 422 naming the field', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const cases: [unknown, string][] = [
        [{ payload: {} }, 'type'],
        [{ type: 'a.b' }, 'payload'],
        [{ type: 5, payload: {} }, 'type'],
        [{ type: '', payload: {} }, 'type'],
        [{ type: 'has space', payload: {} }, 'type'],
        [{ type: 'x'.repeat(256), payload: {} }, 'type'],
        [{ type: 'a.b', payload: {}, node_id: 7 }, 'node_id'],
        [{ type: 'a.b', payload: {}, node_id: '' }, 'node_id'],
        [{ type: 'a.b', payload: {}, channel: ['c'] }, 'channel'],
        [{ type: 'a.b', payload: {}, source: 'me' }, 'source'],
      ]
      for (const [payload, field] of cases) {
        const res = await hub.app.inject({ method: 'POST', url: '/api/v1/events', headers: hub.admin, payload: payload as object })
        assertFieldNamed(res, field, JSON.stringify(payload))
      }
      assert.equal((await listEvents(hub)).data.length, 0, 'nothing was stored')
    })

    test('a body that is not a JSON object answers 422; malformed JSON 400', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      for (const text of ['[]', '"text"', '42']) {
        const res = await hub.app.inject({
          method: 'POST', url: '/api/v1/events', headers: { ...hub.admin, 'content-type': 'application/json' }, payload: text,
        })
        assertError(res, 422, 'HOOKHUB_VALIDATION_FAILED')
      }
      const bad = await hub.app.inject({
        method: 'POST', url: '/api/v1/events', headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{"type":"a.b","payload":',
      })
      assert.equal(bad.statusCode, 400)
      assert.deepEqual(bad.json(), { error: { code: 'HOOKHUB_INVALID_JSON', message: 'Body is not valid JSON', details: {} } })
      assert.equal((await listEvents(hub)).data.length, 0)
    })

    test('no credentials: 401 on every events route', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { id } = await published(hub, { type: 'a.b', payload: {} })
      for (const [method, url] of [['POST', '/api/v1/events'], ['GET', '/api/v1/events'], ['GET', `/api/v1/events/${id}`]] as const) {
        const res = await hub.app.inject({ method, url, payload: method === 'POST' ? { type: 'a.b', payload: {} } : undefined })
        assert.equal(res.statusCode, 401, `${method} ${url}`)
        assert.deepEqual(res.json(), { error: { code: 'HOOKHUB_UNAUTHENTICATED', message: 'Missing or invalid credentials', details: {} } })
      }
      assert.equal((await listEvents(hub)).data.length, 1)
    })

    test('missing permission: 403 naming events.publish or events.view', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const viewer = await hub.userWith(['events.view'])
      const publisher = await hub.userWith(['events.publish'])
      const denied = await publish(hub, { type: 'a.b', payload: {} }, { authorization: viewer.authorization })
      assert.equal(denied.statusCode, 403)
      assert.deepEqual(denied.json(), { error: { code: 'HOOKHUB_FORBIDDEN', message: 'Permission events.publish is required', details: {} } })
      const ok = await publish(hub, { type: 'a.b', payload: {} }, { authorization: publisher.authorization })
      assert.equal(ok.statusCode, 202)
      for (const url of ['/api/v1/events', `/api/v1/events/${ok.json().id}`]) {
        const res = await hub.app.inject({ method: 'GET', url, headers: { authorization: publisher.authorization } })
        assert.equal(res.statusCode, 403, url)
        assert.deepEqual(res.json(), { error: { code: 'HOOKHUB_FORBIDDEN', message: 'Permission events.view is required', details: {} } })
        const seen = await hub.app.inject({ method: 'GET', url, headers: { authorization: viewer.authorization } })
        assert.equal(seen.statusCode, 200, url)
      }
      assert.equal((await listEvents(hub)).data.length, 1, 'the refused publish stored nothing')
    })

    test('unknown event ids answer 404', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      for (const id of ['evt_00000000000000000000000000', 'nope', '1']) {
        const res = await hub.app.inject({ method: 'GET', url: `/api/v1/events/${id}`, headers: hub.admin })
        assert.equal(res.statusCode, 404, id)
        assert.deepEqual(res.json(), { error: { code: 'HOOKHUB_NOT_FOUND', message: 'Event not found', details: {} } })
      }
    })

    test('list: oldest first with order=asc, in the list shape; cursor pagination walks every event once', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const ids: string[] = []
      for (let i = 0; i < 5; i++) ids.push((await published(hub, { type: `t.${i}`, payload: { i } })).id)
      const all = await listEvents(hub, '?order=asc')
      assert.deepEqual(Object.keys(all).sort(), ['data', 'next_cursor'])
      assert.equal(all.next_cursor, null)
      assert.deepEqual(all.data.map((e) => e.id), ids)
      const first = all.data[0] as Record<string, unknown>
      assert.deepEqual(first, {
        id: ids[0], type: 't.0', source: 'api', origin: null, node_id: null, channel: null, content_type: null, payload: { i: 0 }, received_at: first.received_at,
      })
      assert.match(String(first.received_at), TIMESTAMP)

      const seen: string[] = []
      const pages: number[] = []
      let cursor: string | null = null
      do {
        const page = await listEvents(hub, `?order=asc&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        seen.push(...page.data.map((e) => e.id))
        pages.push(page.data.length)
        cursor = page.next_cursor
        if (cursor !== null) assert.equal(typeof cursor, 'string')
      } while (cursor !== null && pages.length < 10)
      assert.deepEqual(pages, [2, 2, 1])
      assert.deepEqual(seen, ids)
      const exact = await listEvents(hub, '?limit=5')
      assert.equal(exact.data.length, 5)
      assert.equal(exact.next_cursor, null, 'no next page when the last page is exactly full')
      assert.equal((await listEvents(hub, '?limit=500')).data.length, 5)
    })

    test('list: 50 events a page unless limit says otherwise', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      for (let i = 0; i < 51; i++) await published(hub, { type: 'bulk.event', payload: { i } })
      const first = await listEvents(hub, '?order=asc')
      assert.equal(first.data.length, 50)
      assert.equal(typeof first.next_cursor, 'string')
      const second = await listEvents(hub, `?order=asc&cursor=${encodeURIComponent(String(first.next_cursor))}`)
      assert.deepEqual(second.data.map((e) => (e as unknown as { payload: { i: number } }).payload.i), [50])
      assert.equal(second.next_cursor, null)
    })

    test('list: limit outside 1..500 answers 422, a cursor the API did not issue 400', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      for (const limit of ['0', '501', '-1', 'abc']) {
        const res = await hub.app.inject({ method: 'GET', url: `/api/v1/events?limit=${limit}`, headers: hub.admin })
        assertFieldNamed(res, 'limit', `limit=${limit}`)
      }
      for (const cursor of ['garbage!', Buffer.from('id:abc').toString('base64url'), Buffer.from('nope').toString('base64url')]) {
        const res = await hub.app.inject({ method: 'GET', url: `/api/v1/events?cursor=${encodeURIComponent(cursor)}`, headers: hub.admin })
        assertError(res, 400, 'HOOKHUB_BAD_REQUEST')
      }
    })

    test('list filters: type, source, since and until', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const e1 = await published(hub, { type: 'task.created', payload: {} })
      await sleep(15)
      const e2 = await published(hub, { type: 'task.updated', payload: {} })
      await sleep(15)
      const e3 = await published(hub, { type: 'task.created', payload: {} })
      const source = (await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: 'in', verify: 'none' } })).json()
      const token = new URL(source.inbound_url).pathname.split('/').pop()
      const hook = await hub.app.inject({ method: 'POST', url: `/hooks/${token}`, headers: { 'content-type': 'application/json' }, payload: '{"type":"task.created"}' })
      assert.equal(hook.statusCode, 200, hook.body)
      const e4 = hook.json().event_id as string

      const ids = async (query: string) => (await listEvents(hub, `${query}&order=asc`)).data.map((e) => e.id)
      assert.deepEqual(await ids('?type=task.created'), [e1.id, e3.id, e4])
      assert.deepEqual(await ids('?type=task.updated'), [e2.id])
      assert.deepEqual(await ids('?type=task.*'), [], 'type is an exact match')
      assert.deepEqual(await ids('?source=api'), [e1.id, e2.id, e3.id])
      assert.deepEqual(await ids(`?source=${source.id}`), [e4])
      assert.deepEqual(await ids(`?source=${source.id}&type=task.updated`), [])

      const all = (await listEvents(hub)).data
      const at2 = all.find((e) => e.id === e2.id)?.received_at as string
      const at1 = all.find((e) => e.id === e1.id)?.received_at as string
      assert.ok(Date.parse(at2) > Date.parse(at1))
      assert.deepEqual(await ids(`?since=${encodeURIComponent(at2)}`), [e2.id, e3.id, e4], 'since is inclusive')
      assert.deepEqual(await ids(`?until=${encodeURIComponent(at2)}`), [e1.id], 'until is exclusive')
      assert.deepEqual(await ids(`?since=${encodeURIComponent(at1)}&until=${encodeURIComponent(at2)}`), [e1.id])
      assert.deepEqual(await ids('?since=1h'), [e1.id, e2.id, e3.id, e4])
      assert.deepEqual(await ids(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`), [])
      assert.deepEqual(await ids('?until=1h'), [])
      assert.deepEqual(await ids(`?until=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`), [e1.id, e2.id, e3.id, e4])

      for (const [name, value] of [['since', 'yesterday'], ['until', 'soon']]) {
        const res = await hub.app.inject({ method: 'GET', url: `/api/v1/events?${name}=${value}`, headers: hub.admin })
        assertFieldNamed(res, name, `${name}=${value}`)
      }
    })
  })
}
