import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { deliveriesOf, FAST_DELIVERY, publish, settled } from '../../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import { startSink, type ReceivedRequest } from '../../helpers/sink.ts'
import {
  assertIncoplaxError, BASE, createPoint, patchPoint, SEED_CREATE, SEED_SECOND, type Entity,
} from './support.ts'

reportSkippedPostgres()

const MESSAGE = 'integration_point.message'

interface StoredEvent {
  id: string; type: string; source: string; origin: { dialect: string; id: string } | null; node_id: string | null; channel: string | null
  content_type: string | null; payload: unknown; received_at: string
}

/** Every event of type integration_point.message, oldest first. */
async function messages (hub: TestHub): Promise<StoredEvent[]> {
  const res = await hub.app.inject({ method: 'GET', url: `/api/v1/events?order=asc&type=${MESSAGE}&limit=500`, headers: hub.admin })
  assert.equal(res.statusCode, 200, res.body)
  return (res.json() as { data: StoredEvent[] }).data
}

/** Posts into the point's inbound URL as an outside system would (no hub credentials). */
function postIn (hub: TestHub, point: Pick<Entity, 'token_local'>, payload: string, contentType = 'application/json', extra: { query?: string; headers?: Record<string, string> } = {}) {
  return hub.app.inject({
    method: 'POST', url: `/hooks/${point.token_local}${extra.query ?? ''}`, headers: { 'content-type': contentType, ...extra.headers }, payload,
  })
}

/** Posts a message, asserts the 200 `{}` acknowledgement and returns the stored event. */
async function sendMessage (hub: TestHub, point: Pick<Entity, 'token_local'>, payload: string, contentType = 'application/json', extra: Parameters<typeof postIn>[4] = {}) {
  const before = (await messages(hub)).length
  const res = await postIn(hub, point, payload, contentType, extra)
  assert.equal(res.statusCode, 200, res.body)
  assert.deepEqual(res.json(), {}, 'an asynchronous point answers {} once the message is stored')
  const after = await messages(hub)
  assert.equal(after.length, before + 1, 'stored before the answer')
  return after[after.length - 1]
}

/** Polls (bounded) until the sink holds `count` requests; then waits a little for strays. */
async function receivedExactly (sink: { received: ReceivedRequest[] }, count: number, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  while (sink.received.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  await new Promise((resolve) => setTimeout(resolve, 150))
  assert.equal(sink.received.length, count, `sink got ${sink.received.length} requests, expected ${count}: ${sink.received.map((r) => r.body).join(' | ')}`)
}

function assertSigned (req: ReceivedRequest) {
  assert.equal(req.method, 'POST')
  assert.equal(req.headers['content-type'], 'application/json')
  assert.match(String(req.headers['webhook-id']), /\S/, 'webhook-id')
  assert.match(String(req.headers['webhook-timestamp']), /^\d+$/, 'webhook-timestamp')
  assert.match(String(req.headers['webhook-signature']), /^v1,[A-Za-z0-9+/=]+/, 'Standard Webhooks signature')
}

// Issue 6 "Channels" (asynchronous points; opts.issync relays are tested with the relay):
// in at /hooks/<token_local>, out to `url`, routed by channel = code.
for (const engine of engines) {
  describe(`[${engine}] Incoplax integration points as channels`, () => {
    test('a JSON message posted in answers 200 {}, is stored as integration_point.message on the point\'s channel and arrives at url as sent', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const point = await createPoint(hub, { ...SEED_CREATE, url: `${sink.url}/trapper?x=1` })
      const body = '{"chat_id": 77, "text": "Здравствуйте", "nested": {"n": 12345678901234567890}}'
      const event = await sendMessage(hub, point, body)
      assert.equal(event.type, MESSAGE)
      assert.equal(event.channel, 'ABCDE')
      assert.equal(event.node_id, null)
      assert.deepEqual(event.payload, JSON.parse(body))
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'succeeded')
      await receivedExactly(sink, 1)
      const [req] = sink.received
      assert.equal(req.url, '/trapper?x=1')
      assert.equal(req.body, body, 'the message reaches url byte for byte')
      assertSigned(req)
    })

    test('Authorization: Bearer <token_local> on POST /hooks works too', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const point = await createPoint(hub, { ...SEED_CREATE, url: sink.url })
      const res = await hub.app.inject({
        method: 'POST', url: '/hooks', headers: { authorization: `Bearer ${point.token_local}`, 'content-type': 'application/json' }, payload: '{"via":"bearer"}',
      })
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json(), {})
      const [event] = await messages(hub)
      assert.equal(event.channel, 'ABCDE')
      await settled(hub, event.id)
      await receivedExactly(sink, 1)
      assert.equal(sink.received[0].body, '{"via":"bearer"}')
    })

    test('text and form bodies are kept as {"content_type", "body"} and reach url exactly as they came, signed', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const point = await createPoint(hub, { ...SEED_CREATE, url: sink.url })
      const cases: [string, string][] = [
        ['text/plain', 'Привет, это сообщение'],
        ['text/plain; charset=utf-8', 'line 1\nline 2'],
        ['application/x-www-form-urlencoded', 'chat_id=77&text=hello+world&x=%D0%AF'],
        ['application/xml', '<msg><text>hi</text></msg>'],
      ]
      for (const [contentType, body] of cases) {
        const event = await sendMessage(hub, point, body, contentType)
        assert.equal(event.type, MESSAGE)
        assert.equal(event.channel, 'ABCDE')
        assert.deepEqual(event.payload, { content_type: contentType, body }, contentType)
        assert.equal(event.content_type, contentType)
        assert.equal((await settled(hub, event.id))[0].status, 'succeeded')
      }
      await receivedExactly(sink, cases.length)
      for (const [contentType, body] of cases) {
        const got = sink.received.find((r) => r.headers['content-type'] === contentType)
        assert.ok(got, `${contentType} delivered with its own content type`)
        assert.equal(got.body, body)
        assert.match(String(got.headers['webhook-signature']), /^v1,/, 'signed like any delivery')
      }
    })

    test('a message event names its point: origin is the point, channel its code; JSON messages have no content_type', async (t) => {
      const hub = await startHub(t, engine)
      const point = await createPoint(hub, SEED_CREATE)
      const event = await sendMessage(hub, point, '{"text":"hi"}')
      assert.deepEqual(event.origin, { dialect: 'incoplax', id: point.id })
      assert.equal(event.channel, point.code)
      assert.equal(event.content_type, null)
      assert.deepEqual(event.payload, { text: 'hi' })
      const published = await publish(hub, 'order.created', { order: 1 }, { channel: point.code })
      const [stored] = (await hub.app.inject({ method: 'GET', url: `/api/v1/events?type=order.created`, headers: hub.admin })).json().data as StoredEvent[]
      assert.equal(stored.id, published.id)
      assert.equal(stored.origin, null, 'published through the API, not through a point')
    })

    test('an event published with channel: <code> reaches the point\'s url; other channels and no channel do not', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const otherSink = await startSink(t)
      await createPoint(hub, { ...SEED_CREATE, url: `${sink.url}/abcde` })
      await createPoint(hub, { ...SEED_SECOND, url: `${otherSink.url}/902` })
      const mine = await publish(hub, 'order.created', { order: 1 }, { channel: 'ABCDE' })
      assert.equal(mine.deliveries, 1)
      assert.equal((await publish(hub, 'order.created', { order: 2 }, { channel: 'FGHIJ' })).deliveries, 0)
      assert.equal((await publish(hub, 'order.created', { order: 3 }, { channel: 'abcde' })).deliveries, 0, 'channels are exact')
      assert.equal((await publish(hub, 'order.created', { order: 4 })).deliveries, 0, 'no channel: not a point\'s event')
      const theirs = await publish(hub, 'order.created', { order: 5 }, { channel: '902' })
      assert.equal(theirs.deliveries, 1)
      assert.equal((await settled(hub, mine.id))[0].status, 'succeeded')
      assert.equal((await settled(hub, theirs.id))[0].status, 'succeeded')
      await receivedExactly(sink, 1)
      await receivedExactly(otherSink, 1)
      assert.equal(sink.received[0].url, '/abcde')
      assert.deepEqual(JSON.parse(sink.received[0].body), { order: 1 })
      assertSigned(sink.received[0])
      assert.deepEqual(JSON.parse(otherSink.received[0].body), { order: 5 })
    })

    test('a message into one point does not reach another point\'s url', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const a = await startSink(t)
      const b = await startSink(t)
      const pa = await createPoint(hub, { ...SEED_CREATE, url: a.url })
      const pb = await createPoint(hub, { ...SEED_SECOND, url: b.url })
      const ea = await sendMessage(hub, pa, '{"to":"a"}')
      const eb = await sendMessage(hub, pb, '{"to":"b"}')
      assert.deepEqual([ea.channel, eb.channel], ['ABCDE', '902'])
      assert.equal((await settled(hub, ea.id)).length, 1)
      assert.equal((await settled(hub, eb.id)).length, 1)
      await receivedExactly(a, 1)
      await receivedExactly(b, 1)
      assert.equal(a.received[0].body, '{"to":"a"}')
      assert.equal(b.received[0].body, '{"to":"b"}')
    })

    test('with token_remote set, a missing or wrong ?token= / X-Token answers 401 in the dialect\'s shape and stores nothing', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const point = await createPoint(hub, { ...SEED_CREATE, url: sink.url, token_remote: '00ea293c29f9dc30' })
      const refused: Parameters<typeof postIn>[4][] = [
        {},
        { query: '?token=' },
        { query: '?token=wrong' },
        { query: '?token=00ea293c29f9dc3' },
        { query: '?token=********' },
        { headers: { 'x-token': 'wrong' } },
        { headers: { 'x-token': '' } },
        { query: `?token=${point.token_local}` },
        { headers: { authorization: 'Bearer 00ea293c29f9dc30' } },
      ]
      for (const extra of refused) {
        assertIncoplaxError(await postIn(hub, point, '{"m":"forged"}', 'application/json', extra), 401, [], JSON.stringify(extra))
        assertIncoplaxError(await postIn(hub, point, 'forged', 'text/plain', extra), 401, [], `text ${JSON.stringify(extra)}`)
      }
      assert.deepEqual(await messages(hub), [], 'nothing stored')

      const viaQuery = await sendMessage(hub, point, '{"m":"query"}', 'application/json', { query: '?token=00ea293c29f9dc30' })
      const viaHeader = await sendMessage(hub, point, '{"m":"header"}', 'application/json', { headers: { 'x-token': '00ea293c29f9dc30' } })
      await settled(hub, viaQuery.id)
      await settled(hub, viaHeader.id)
      await receivedExactly(sink, 2)
      assert.deepEqual(sink.received.map((r) => JSON.parse(r.body).m).sort(), ['header', 'query'], 'only the two proven messages arrive')
      assert.equal((await messages(hub)).length, 2)

      // A new token_remote replaces the old one at once.
      assert.equal((await patchPoint(hub, point.id, { token_remote: 'new-remote' })).statusCode, 200)
      assertIncoplaxError(await postIn(hub, point, '{"m":"old"}', 'application/json', { query: '?token=00ea293c29f9dc30' }), 401, [], 'the old token')
      await sendMessage(hub, point, '{"m":"new"}', 'application/json', { headers: { 'x-token': 'new-remote' } })
    })

    test('deliveries to url are retried until the receiver takes them', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      let calls = 0
      const sink = await startSink(t, (_req, res) => {
        calls++
        res.statusCode = calls === 1 ? 503 : 200
        res.end(calls === 1 ? 'busy' : 'ok')
      })
      const point = await createPoint(hub, { ...SEED_CREATE, url: sink.url })
      const event = await sendMessage(hub, point, '{"retry":"me"}')
      const [delivery] = await settled(hub, event.id, 8000, (ds) => ds.every((d) => d.status === 'succeeded' || d.status === 'failed'))
      assert.equal(delivery.status, 'succeeded')
      assert.equal(delivery.attempt_count, 2)
      assert.deepEqual(delivery.attempts?.map((a) => a.response?.status), [503, 200])
      await receivedExactly(sink, 2)
      assert.deepEqual(sink.received.map((r) => r.body), ['{"retry":"me"}', '{"retry":"me"}'])
      assert.equal(sink.received[0].headers['webhook-id'], sink.received[1].headers['webhook-id'], 'one message, one webhook-id across tries')
    })

    test('a point without url stores messages and delivers nothing; setting url later delivers what comes next', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const point = await createPoint(hub, { code: 'no-url', type: 'public' })
      const quiet = await sendMessage(hub, point, '{"n":1}')
      assert.equal(quiet.channel, 'no-url')
      assert.deepEqual(await deliveriesOf(hub, quiet.id), [])
      assert.equal((await publish(hub, 'x', {}, { channel: 'no-url' })).deliveries, 0)

      const set = await patchPoint(hub, point.id, { url: `${sink.url}/later` })
      assert.equal(set.statusCode, 200, set.body)
      const loud = await sendMessage(hub, point, '{"n":2}')
      assert.equal((await settled(hub, loud.id))[0].status, 'succeeded')
      await receivedExactly(sink, 1)
      assert.equal(sink.received[0].url, '/later')
      assert.equal(sink.received[0].body, '{"n":2}')
    })

    test('PATCH url moves delivery to the new url; PATCH url "" stops it; a new url resumes it', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const first = await startSink(t)
      const second = await startSink(t)
      const point = await createPoint(hub, { ...SEED_CREATE, url: `${first.url}/one` })
      const e1 = await sendMessage(hub, point, '{"n":1}')
      await settled(hub, e1.id)
      await receivedExactly(first, 1)

      const moved = await patchPoint(hub, point.id, { url: `${second.url}/two` })
      assert.equal(moved.statusCode, 200, moved.body)
      assert.equal(moved.json().url, `${second.url}/two`)
      const e2 = await sendMessage(hub, point, '{"n":2}')
      const p2 = await publish(hub, 'order.created', { n: 3 }, { channel: 'ABCDE' })
      assert.equal(p2.deliveries, 1)
      await settled(hub, e2.id)
      await settled(hub, p2.id)
      await receivedExactly(second, 2)
      assert.deepEqual(second.received.map((r) => [r.url, JSON.parse(r.body).n]).sort(), [['/two', 2], ['/two', 3]])
      assert.equal(first.received.length, 1, 'the old url gets nothing more')

      const stopped = await patchPoint(hub, point.id, { url: '' })
      assert.equal(stopped.statusCode, 200, stopped.body)
      assert.equal(stopped.json().url, '')
      const e4 = await sendMessage(hub, point, '{"n":4}')
      assert.deepEqual(await deliveriesOf(hub, e4.id), [], 'no url: the message is stored, nothing is delivered')
      assert.equal((await publish(hub, 'order.created', { n: 5 }, { channel: 'ABCDE' })).deliveries, 0)

      const resumed = await patchPoint(hub, point.id, { url: `${first.url}/again` })
      assert.equal(resumed.statusCode, 200, resumed.body)
      const e6 = await sendMessage(hub, point, '{"n":6}')
      await settled(hub, e6.id)
      await receivedExactly(first, 2)
      assert.equal(first.received[1].url, '/again')
      assert.equal(first.received[1].body, '{"n":6}')
      await receivedExactly(second, 2)
    })

    test('PATCH code moves the channel: messages carry the new code, events of the old code no longer arrive', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const point = await createPoint(hub, { ...SEED_CREATE, url: sink.url })
      assert.equal((await patchPoint(hub, point.id, { code: 'FGHIJ' })).statusCode, 200)
      const event = await sendMessage(hub, point, '{"n":1}')
      assert.equal(event.channel, 'FGHIJ')
      assert.equal((await publish(hub, 'order.created', { n: 2 }, { channel: 'ABCDE' })).deliveries, 0)
      const current = await publish(hub, 'order.created', { n: 3 }, { channel: 'FGHIJ' })
      assert.equal(current.deliveries, 1)
      await settled(hub, event.id)
      await settled(hub, current.id)
      await receivedExactly(sink, 2)
      assert.deepEqual(sink.received.map((r) => JSON.parse(r.body).n).sort(), [1, 3])
    })

    test('a PATCH refused with 409 (code taken) leaves url and channel as they were', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const elsewhere = await startSink(t)
      const point = await createPoint(hub, { ...SEED_CREATE, url: `${sink.url}/kept` })
      await createPoint(hub, { code: 'TAKEN', type: 'public' })
      const refused = await patchPoint(hub, point.id, { code: 'TAKEN', url: `${elsewhere.url}/moved` })
      assertIncoplaxError(refused, 409)
      const read = await hub.app.inject({ method: 'GET', url: `${BASE}/${point.id}`, headers: hub.admin })
      assert.equal(read.json().code, 'ABCDE')
      assert.equal(read.json().url, `${sink.url}/kept`)
      const mine = await publish(hub, 'order.created', { n: 1 }, { channel: 'ABCDE' })
      assert.equal(mine.deliveries, 1, 'the point still delivers its own channel')
      assert.equal((await publish(hub, 'order.created', { n: 2 }, { channel: 'TAKEN' })).deliveries, 0, 'and not the other point\'s')
      const message = await sendMessage(hub, point, '{"n":3}')
      assert.equal(message.channel, 'ABCDE')
      await settled(hub, mine.id)
      await settled(hub, message.id)
      await receivedExactly(sink, 2)
      assert.ok(sink.received.every((r) => r.url === '/kept'))
      assert.equal(elsewhere.received.length, 0)
    })

    test('a PATCH setting url on a point without one, refused with 409, leaves nothing delivering', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const stray = await startSink(t)
      const point = await createPoint(hub, { code: 'quiet', type: 'public' })
      await createPoint(hub, { code: 'TAKEN', type: 'public' })
      assertIncoplaxError(await patchPoint(hub, point.id, { code: 'TAKEN', url: `${stray.url}/stray` }), 409)
      assert.equal((await publish(hub, 'order.created', { n: 1 }, { channel: 'TAKEN' })).deliveries, 0, 'TAKEN has no url')
      assert.equal((await publish(hub, 'order.created', { n: 2 }, { channel: 'quiet' })).deliveries, 0, 'quiet has no url')
      const message = await sendMessage(hub, point, '{"n":3}')
      assert.deepEqual(await deliveriesOf(hub, message.id), [])
      // The refused url is not kept anywhere: deleting the point leaves no endpoint behind either.
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `${BASE}/${point.id}`, headers: hub.admin })).statusCode, 204)
      assert.equal((await publish(hub, 'order.created', { n: 4 }, { channel: 'TAKEN' })).deliveries, 0)
      assert.equal(stray.received.length, 0)
    })

    test('a POST refused with 409 (code taken) leaves nothing delivering to its url', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const stray = await startSink(t)
      await createPoint(hub, { code: 'TAKEN', type: 'public' })
      const res = await hub.app.inject({
        method: 'POST', url: BASE, headers: { ...hub.admin, 'content-type': 'application/json' },
        payload: JSON.stringify({ code: 'TAKEN', type: 'public', url: `${stray.url}/stray` }),
      })
      assertIncoplaxError(res, 409)
      assert.equal((await publish(hub, 'order.created', { n: 1 }, { channel: 'TAKEN' })).deliveries, 0)
      assert.equal(stray.received.length, 0)
    })

    test('DELETE closes the channel: /hooks/<token_local> answers 404 and the code routes nowhere', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const point = await createPoint(hub, { ...SEED_CREATE, url: sink.url })
      const before = await sendMessage(hub, point, '{"before":"delete"}')
      assert.equal((await settled(hub, before.id))[0].status, 'succeeded')
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `${BASE}/${point.id}`, headers: hub.admin })).statusCode, 204)
      const gone = await postIn(hub, point, '{"after":"delete"}')
      assert.equal(gone.statusCode, 404, gone.body)
      const bearer = await hub.app.inject({ method: 'POST', url: '/hooks', headers: { authorization: `Bearer ${point.token_local}`, 'content-type': 'application/json' }, payload: '{}' })
      assert.equal(bearer.statusCode, 404, bearer.body)
      assert.equal((await messages(hub)).length, 1, 'nothing stored after the delete')
      assert.equal((await publish(hub, 'order.created', { n: 1 }, { channel: 'ABCDE' })).deliveries, 0)
      await receivedExactly(sink, 1)
      assert.equal(sink.received[0].body, '{"before":"delete"}')
    })

    test('a message over 1 MiB answers 413 and is not stored', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const point = await createPoint(hub, SEED_CREATE)
      const res = await postIn(hub, point, 'x'.repeat(1024 * 1024 + 1), 'text/plain')
      assert.equal(res.statusCode, 413, res.body)
      assert.deepEqual(await messages(hub), [])
      await sendMessage(hub, point, 'y'.repeat(1000 * 1000), 'text/plain')
    })
  })
}
