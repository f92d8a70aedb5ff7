import assert from 'node:assert/strict'
import http from 'node:http'
import { describe, test, type TestContext } from 'node:test'
import { createEndpoint, FAST_DELIVERY, publish } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { assertError } from '../helpers/native-errors.ts'
import { startSink } from '../helpers/sink.ts'
import { openStream } from '../helpers/sse.ts'

reportSkippedPostgres()

async function listening (hub: TestHub) {
  await hub.app.listen({ port: 0, host: '127.0.0.1' })
  const address = hub.app.server.address() as { port: number }
  return `http://127.0.0.1:${address.port}/api/v1/stream`
}

/** Opens a stream; `ended` resolves with the moment (Date.now()) the server ends it. */
async function streamEnd (t: TestContext, url: string, authorization: string): Promise<{ ended: Promise<number> }> {
  const abort = new AbortController()
  t.after(() => abort.abort())
  const res = await fetch(url, { headers: { authorization }, signal: abort.signal })
  assert.equal(res.status, 200)
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  await reader.read()
  const ended = (async () => {
    try {
      for (;;) if ((await reader.read()).done) break
    } catch { /* ended by a reset */ }
    return Date.now()
  })()
  return { ended }
}

/** Resolves with the end time, or with Infinity once `ms` have passed without an end. */
const within = (ended: Promise<number>, ms: number) =>
  Promise.race([ended, new Promise<number>((resolve) => setTimeout(resolve, ms, Infinity).unref())])

/** Opens a stream and answers its status, its error code when refused, and a way to close it. */
async function tryStream (t: TestContext, url: string, authorization: string) {
  const abort = new AbortController()
  t.after(() => abort.abort())
  const res = await fetch(url, { headers: { authorization }, signal: abort.signal })
  const code = res.ok ? undefined : ((await res.json()) as { error: { code: string } }).error.code
  return { status: res.status, code, close: () => abort.abort() }
}

/** Retries opening a stream until the hub accepts it (bounded): places free up once the hub saw a stream end. */
async function acceptedWithin (t: TestContext, url: string, authorization: string, ms = 10_000, between?: () => void) {
  const deadline = Date.now() + ms
  for (;;) {
    const attempt = await tryStream(t, url, authorization)
    if (attempt.status === 200) return attempt
    assert.equal(attempt.code, 'HOOKHUB_TOO_MANY_STREAMS')
    if (Date.now() > deadline) assert.fail(`no stream accepted within ${ms} ms`)
    between?.()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

for (const engine of engines) {
  describe(`[${engine}] GET /api/v1/stream`, () => {
    test('streams the stored event, then each attempt of its delivery until it succeeds', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      let calls = 0
      const sink = await startSink(t, (_req, res) => { res.statusCode = ++calls === 1 ? 500 : 200; res.end('x') })
      const endpoint = await createEndpoint(hub, { url: sink.url })
      const stream = await openStream(t, await listening(hub), hub.admin)
      assert.equal(stream.status, 200)
      assert.match(stream.contentType ?? '', /^text\/event-stream/)

      const event = await publish(hub, 'task.created', { n: 1 })
      const [stored] = await stream.waitFor((m) => m.event === 'event')
      assert.deepEqual(Object.keys(stored.data).sort(), ['channel', 'created_at', 'deliveries', 'id', 'node_id', 'source', 'type'])
      assert.equal(stored.data.id, event.id)
      assert.equal(stored.data.type, 'task.created')
      assert.equal(stored.data.source, 'api')
      assert.equal(stored.data.deliveries, 1)
      assert.match(String(stored.data.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

      const updates = await stream.waitFor((m) => m.event === 'delivery', 2)
      assert.deepEqual(Object.keys(updates[0].data).sort(), ['at', 'attempt', 'circuit_open_until', 'duration_ms', 'endpoint_id', 'error',
        'event_id', 'event_type', 'id', 'max_attempts', 'next_attempt_at', 'status', 'status_code'])
      assert.deepEqual(updates.map((m) => [m.data.status, m.data.attempt, m.data.status_code]), [['pending', 1, 500], ['succeeded', 2, 200]])
      for (const m of updates) {
        assert.equal(m.data.event_id, event.id)
        assert.equal(m.data.endpoint_id, endpoint.id)
        assert.equal(m.data.max_attempts, 3)
      }
      assert.match(String(updates[0].data.next_attempt_at), /Z$/)
      assert.equal(updates[1].data.next_attempt_at, null)
      // Ids grow so that a client can tell where it is.
      assert.deepEqual(stream.messages.map((m) => Number(m.id)), stream.messages.map((_m, i) => i + 1))
    })

    test('a retry by hand shows as pending with attempt 0, then the new attempt', async (t) => {
      const hub = await startHub(t, engine, { ...FAST_DELIVERY, HOOKHUB_RETRY_SCHEDULE: '0' })
      let healthy = false
      const sink = await startSink(t, (_req, res) => { res.statusCode = healthy ? 200 : 500; res.end() })
      await createEndpoint(hub, { url: sink.url })
      const stream = await openStream(t, await listening(hub), hub.admin)
      await publish(hub, 'task.created', {})
      const [failed] = await stream.waitFor((m) => m.data.status === 'failed')
      healthy = true
      const res = await hub.app.inject({ method: 'POST', url: `/api/v1/deliveries/${String(failed.data.id)}/retry`, headers: hub.admin })
      assert.equal(res.statusCode, 202)
      const [queued] = await stream.waitFor((m) => m.event === 'delivery' && m.data.attempt === 0)
      assert.equal(queued.data.status, 'pending')
      assert.equal(queued.data.event_type, 'task.created')
      await stream.waitFor((m) => m.data.status === 'succeeded' && m.data.attempt === 2)
    })

    test('filters: endpoint_id keeps one endpoint and drops events; type matches with wildcards', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const a = await createEndpoint(hub, { url: sink.url })
      await createEndpoint(hub, { url: sink.url })
      const url = await listening(hub)
      const byEndpoint = await openStream(t, `${url}?endpoint_id=${a.id}`, hub.admin)
      const byType = await openStream(t, `${url}?type=order.*`, hub.admin)
      await publish(hub, 'task.created', {})
      await publish(hub, 'order.paid', {})
      await byEndpoint.waitFor((m) => m.data.status === 'succeeded', 2)
      await byType.waitFor((m) => m.data.status === 'succeeded', 2)
      await sink.waitFor(4)
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.ok(byEndpoint.messages.every((m) => m.event === 'delivery' && m.data.endpoint_id === a.id))
      assert.equal(byEndpoint.messages.length, 2)
      assert.ok(byType.messages.every((m) => (m.data.type ?? m.data.event_type) === 'order.paid'))
      assert.deepEqual(byType.messages.map((m) => m.event).sort(), ['delivery', 'delivery', 'event'])
    })

    test('deliveries.view.own sees only its own endpoints, and no events without events.view', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const owner = await hub.userWith(['deliveries.view.own', 'endpoints.create.own'])
      const created = await hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: { authorization: owner.authorization }, payload: { url: sink.url } })
      assert.equal(created.statusCode, 201)
      const own = (created.json() as { id: string }).id
      await createEndpoint(hub, { url: sink.url })
      const stream = await openStream(t, await listening(hub), { authorization: owner.authorization })
      await publish(hub, 'task.created', {})
      await sink.waitFor(2)
      await stream.waitFor((m) => m.data.status === 'succeeded')
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.deepEqual(stream.messages.map((m) => [m.event, m.data.endpoint_id]), [['delivery', own]])
    })

    test('401 without a token, 403 without deliveries.view, in the native error shape', async (t) => {
      const hub = await startHub(t, engine)
      const anonymous = await hub.app.inject({ method: 'GET', url: '/api/v1/stream' })
      assertError(anonymous, 401, 'HOOKHUB_UNAUTHENTICATED')
      const user = await hub.userWith(['events.view'])
      const denied = await hub.app.inject({ method: 'GET', url: '/api/v1/stream', headers: { authorization: user.authorization } })
      assertError(denied, 403, 'HOOKHUB_FORBIDDEN')
    })

    test('a stream ends within 5 s of its token being revoked, its user deleted, or its token removed by another process', async (t) => {
      const hub = await startHub(t, engine)
      const url = await listening(hub)
      const tokenOf = async (userId: number) => {
        const res = await hub.app.inject({ method: 'POST', url: `/api/v1/users/${userId}/tokens`, headers: hub.admin })
        return res.json() as { id: number; token: string }
      }
      const revoked = await hub.userWith(['deliveries.view'])
      const revokedToken = await tokenOf(revoked.id)
      const deleted = await hub.userWith(['deliveries.view'])
      const elsewhere = await hub.userWith(['deliveries.view'])
      const elsewhereToken = await tokenOf(elsewhere.id)
      const ends = {
        revoked: await streamEnd(t, url, `Bearer ${revokedToken.token}`),
        kept: await streamEnd(t, url, revoked.authorization),
        deleted: await streamEnd(t, url, deleted.authorization),
        elsewhere: await streamEnd(t, url, `Bearer ${elsewhereToken.token}`),
      }
      const actions: [keyof typeof ends, () => Promise<unknown>][] = [
        ['revoked', () => hub.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${revokedToken.id}`, headers: hub.admin })],
        ['deleted', () => hub.app.inject({ method: 'DELETE', url: `/api/v1/users/${deleted.id}`, headers: hub.admin })],
        // Another process of a deployment revokes in the database; this process hears nothing of it.
        ['elsewhere', () => hub.database.db.deleteFrom('api_tokens').where('id', '=', elsewhereToken.id).execute()],
      ]
      for (const [name, act] of actions) {
        await act()
        const from = Date.now()
        const end = await within(ends[name].ended, 8_000)
        assert.ok(end - from <= 5_000, `the ${name} stream ended ${end - from} ms after`)
      }
      assert.equal(await within(ends.kept.ended, 100), Infinity, 'the stream of a token still valid stays open')
    })

    test('a token holds at most 5 streams (HOOKHUB_MAX_STREAMS_PER_TOKEN): the 6th answers 429 HOOKHUB_TOO_MANY_STREAMS until one closes', async (t) => {
      const hub = await startHub(t, engine)
      const url = await listening(hub)
      const user = await hub.userWith(['deliveries.view'])
      const open = []
      for (let i = 0; i < 5; i++) open.push(await tryStream(t, url, user.authorization))
      assert.deepEqual(open.map((s) => s.status), [200, 200, 200, 200, 200])
      const sixth = await fetch(url, { headers: { authorization: user.authorization } })
      assert.equal(sixth.status, 429)
      assert.deepEqual(await sixth.json(), {
        error: { code: 'HOOKHUB_TOO_MANY_STREAMS', message: 'Too many open streams: at most 5 per token', details: {} },
      })
      // Another token is counted apart.
      assert.equal((await tryStream(t, url, hub.admin.authorization)).status, 200)
      open[0].close()
      await acceptedWithin(t, url, user.authorization)
    })

    test('HOOKHUB_MAX_STREAMS bounds the streams of the process, whatever the token', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_MAX_STREAMS: '2' })
      const url = await listening(hub)
      const a = await hub.userWith(['deliveries.view'])
      const b = await hub.userWith(['deliveries.view'])
      assert.equal((await tryStream(t, url, a.authorization)).status, 200)
      const second = await tryStream(t, url, b.authorization)
      assert.equal(second.status, 200)
      const third = await fetch(url, { headers: hub.admin })
      assert.equal(third.status, 429)
      assert.deepEqual(await third.json(), {
        error: { code: 'HOOKHUB_TOO_MANY_STREAMS', message: 'Too many open streams: at most 2 per process', details: {} },
      })
      second.close()
      await acceptedWithin(t, url, hub.admin.authorization)
    })

    test('a client that does not read is cut off once its backlog passes 1 MiB, freeing its place', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_MAX_STREAMS_PER_TOKEN: '1' })
      const url = await listening(hub)
      // A client that reads the headers, then nothing more.
      const stalled = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.get(url, { headers: hub.admin, agent: false }, (res) => { res.pause(); resolve(res) })
        req.on('error', reject)
        t.after(() => req.destroy())
      })
      assert.equal(stalled.statusCode, 200)
      assert.equal((await tryStream(t, url, hub.admin.authorization)).code, 'HOOKHUB_TOO_MANY_STREAMS')
      // Large activities (100 kB each) fill the socket buffers, then the hub's backlog for this client.
      const big = 'x'.repeat(100_000)
      let sent = 0
      const flood = () => {
        for (let i = 0; i < 10; i++) {
          hub.activity.record({ kind: 'event', event: { id: `evt_${++sent}`, type: 'slow.reader', source: 'api', node_id: null, channel: big, deliveries: 0, created_at: Date.now() } })
        }
      }
      await acceptedWithin(t, url, hub.admin.authorization, 30_000, flood)
      assert.ok(sent * big.length < 200_000_000, `cut off after ${sent} activities`)
    })

    test('closing the hub ends open streams', async (t) => {
      const hub = await startHub(t, engine)
      const url = await listening(hub)
      const res = await fetch(url, { headers: hub.admin })
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      assert.match(new TextDecoder().decode((await reader.read()).value), /retry: 2000/)
      await hub.app.close()
      for (;;) if ((await reader.read()).done) break
    })
  })
}
