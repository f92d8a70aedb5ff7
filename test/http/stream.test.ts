import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
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
      assert.deepEqual(Object.keys(updates[0].data).sort(), ['at', 'attempt', 'duration_ms', 'endpoint_id', 'error',
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
