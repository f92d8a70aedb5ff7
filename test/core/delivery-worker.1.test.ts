import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { Webhook as SvixWebhook } from 'svix'
import { createEndpoint, FAST_DELIVERY, publish, settled } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

// Each receiver outcome: attempts, retries, final state and timing.
for (const engine of engines) {
  describe(`[${engine}] delivery outcomes`, () => {
    test('200: delivered once, signed so that standardwebhooks and svix verify it', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const endpoint = await createEndpoint(hub, { url: `${sink.url}/in` })
      const event = await publish(hub, 'task.created', { id: 7, name: 'Ünïcode' })
      assert.equal(event.deliveries, 1)
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'succeeded')
      assert.equal(delivery.attempt_count, 1)
      assert.equal(delivery.last_status_code, 200)
      assert.equal(sink.received.length, 1)
      const { headers, body } = sink.received[0]
      assert.equal(headers['content-type'], 'application/json')
      assert.match(String(headers['user-agent']), /^hookhub\/\d+\.\d+\.\d+$/)
      assert.equal(headers['webhook-id'], event.id)
      const parsed = new StandardWebhook(endpoint.secret).verify(body, headers as Record<string, string>) as Record<string, unknown>
      assert.deepEqual(parsed.data, { id: 7, name: 'Ünïcode' })
      assert.equal(parsed.type, 'task.created')
      assert.ok(new SvixWebhook(endpoint.secret).verify(body, {
        'svix-id': String(headers['webhook-id']),
        'svix-timestamp': String(headers['webhook-timestamp']),
        'svix-signature': String(headers['webhook-signature']),
      }))
    })

    test('a batch of attempts is recorded byte for byte: quotes, backslashes, control and line-separator characters, emoji', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const awkward = (n: number) => `"quoted" \\ back\\slash \t tab \n line \u2028 sep \u0001 ctl 😀 é ${n} ${'x'.repeat(n * 50)}`
      let calls = 0
      const sink = await startSink(t, (_req, res) => {
        res.setHeader('content-type', 'text/plain; charset=utf-8')
        res.end(awkward(calls++ % 5))
      })
      // Several endpoints answering at once: their attempts are written together.
      for (let i = 0; i < 5; i++) await createEndpoint(hub, { url: `${sink.url}/e${i}` })
      const event = await publish(hub, 'a.b', { n: 1 })
      assert.equal(event.deliveries, 5)
      const deliveries = await settled(hub, event.id)
      const bodies = deliveries.map((d) => {
        assert.equal(d.status, 'succeeded')
        assert.equal(d.attempts?.length, 1)
        return (d.attempts?.[0].response as unknown as { body: string }).body
      })
      assert.deepEqual(bodies.sort(), Array.from({ length: 5 }, (_, n) => awkward(n)).sort())
    })

    test('500 then 200: retried on the schedule, both attempts recorded in order', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      let calls = 0
      const sink = await startSink(t, (_req, res) => {
        res.statusCode = ++calls === 1 ? 500 : 200
        res.end(calls === 1 ? 'boom' : 'ok')
      })
      await createEndpoint(hub, { url: sink.url })
      const event = await publish(hub, 'a.b', {})
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'succeeded')
      assert.equal(delivery.attempt_count, 2)
      const [first, second] = delivery.attempts ?? []
      assert.equal(first.response?.status, 500)
      assert.equal(second.response?.status, 200)
      const gap = sink.received[1].at - sink.received[0].at
      assert.ok(gap >= 35, `the retry waited for the schedule (${gap} ms)`)
    })

    test('500 every time: failed after the whole schedule, every attempt on record', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t, (_req, res) => { res.statusCode = 500; res.end('down') })
      await createEndpoint(hub, { url: sink.url })
      const event = await publish(hub, 'a.b', {})
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'failed')
      assert.equal(delivery.attempt_count, 3)
      assert.equal(delivery.attempts?.length, 3)
      assert.deepEqual(delivery.attempts?.map((a) => a.response?.status), [500, 500, 500])
      assert.equal(delivery.next_attempt_at, null)
      assert.equal(sink.received.length, 3)
    })

    test('429 with Retry-After: 1 is honoured', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      let calls = 0
      const sink = await startSink(t, (_req, res) => {
        if (++calls === 1) {
          res.writeHead(429, { 'retry-after': '1' })
          return res.end()
        }
        res.end('ok')
      })
      await createEndpoint(hub, { url: sink.url })
      const event = await publish(hub, 'a.b', {})
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'succeeded')
      const gap = sink.received[1].at - sink.received[0].at
      assert.ok(gap >= 950, `waited ${gap} ms for Retry-After: 1`)
    })

    test('410 Gone: the delivery fails at once and the endpoint is disabled with an endpoint.disabled event', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const gone = await startSink(t, (_req, res) => { res.statusCode = 410; res.end() })
      const watcher = await startSink(t)
      const endpoint = await createEndpoint(hub, { url: gone.url, filter: { types: ['a.*'] } })
      await createEndpoint(hub, { url: watcher.url, filter: { types: ['endpoint.disabled'] } })
      const event = await publish(hub, 'a.b', {})
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'failed')
      assert.equal(delivery.attempt_count, 1)
      const ep = (await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${endpoint.id}`, headers: hub.admin })).json()
      assert.equal(ep.enabled, false)
      assert.match(ep.disabled_reason, /410/)
      await watcher.waitFor(1)
      const notice = JSON.parse(watcher.received[0].body)
      assert.equal(notice.type, 'endpoint.disabled')
      assert.equal(notice.data.endpoint_id, endpoint.id)
      const again = await publish(hub, 'a.c', {})
      assert.equal(again.deliveries, 0, 'a disabled endpoint gets no new deliveries')
    })

    test('a receiver that hangs times out; a reset connection and a redirect are retried, not followed', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const hanging = await startSink(t, () => {})
      const resetting = await startSink(t, (_req, res) => res.socket?.destroy())
      const target = await startSink(t)
      const redirecting = await startSink(t, (_req, res) => { res.writeHead(302, { location: target.url }); res.end() })
      for (const sink of [hanging, resetting, redirecting]) await createEndpoint(hub, { url: sink.url })
      const event = await publish(hub, 'a.b', {})
      const deliveries = await settled(hub, event.id, 15_000)
      const byUrl = (s: { url: string }) => deliveries.find((d) => d.attempts?.[0].request.url.startsWith(s.url))
      const timedOut = byUrl(hanging)
      assert.equal(timedOut?.status, 'failed')
      assert.deepEqual(timedOut?.attempts?.map((a) => a.error?.code), ['TIMEOUT', 'TIMEOUT', 'TIMEOUT'])
      assert.ok((timedOut?.attempts?.[0].duration_ms ?? 0) >= 250)
      const reset = byUrl(resetting)
      assert.equal(reset?.status, 'failed')
      assert.equal(reset?.attempt_count, 3)
      assert.ok(reset?.attempts?.every((a) => a.response === null && a.error !== null))
      const redirected = byUrl(redirecting)
      assert.equal(redirected?.status, 'failed')
      assert.deepEqual(redirected?.attempts?.map((a) => a.response?.status), [302, 302, 302])
      assert.equal(target.received.length, 0, 'redirects are never followed')
    })

    test('payload formats: raw keeps the bytes, kanboard and thulium reshape', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sinks = { raw: await startSink(t), kanboard: await startSink(t), thulium: await startSink(t) }
      for (const [format, sink] of Object.entries(sinks)) await createEndpoint(hub, { url: sink.url, format })
      const res = await hub.app.inject({
        method: 'POST', url: '/api/v1/events', headers: { ...hub.admin, 'content-type': 'application/json' },
        payload: '{"type":"task.move.column","payload":{ "task_id" : 5,  "big": 12345678901234567890 }}',
      })
      assert.equal(res.statusCode, 202)
      await Promise.all(Object.values(sinks).map((s) => s.waitFor(1)))
      assert.equal(sinks.raw.received[0].body, '{ "task_id" : 5,  "big": 12345678901234567890 }')
      assert.equal(sinks.kanboard.received[0].body, '{"event_name":"task.move.column","event_data":{ "task_id" : 5,  "big": 12345678901234567890 }}')
      const thulium = JSON.parse(sinks.thulium.received[0].body)
      assert.equal(thulium.action, 'task.move.column')
      assert.equal(thulium.task_id, 5)
    })

    test('endpoint auth: basic, bearer and query token reach the receiver; attempts mask them', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sinks = { basic: await startSink(t), bearer: await startSink(t), query: await startSink(t) }
      await createEndpoint(hub, { url: sinks.basic.url, auth: { type: 'basic', username: 'u', password: 'p4ss' } })
      await createEndpoint(hub, { url: sinks.bearer.url, auth: { type: 'bearer', token: 'tok-123' } })
      await createEndpoint(hub, { url: `${sinks.query.url}/k?x=1`, auth: { type: 'query', token: 'kb-secret' } })
      const event = await publish(hub, 'a.b', {})
      const deliveries = await settled(hub, event.id)
      assert.equal(sinks.basic.received[0].headers.authorization, `Basic ${Buffer.from('u:p4ss').toString('base64')}`)
      assert.equal(sinks.bearer.received[0].headers.authorization, 'Bearer tok-123')
      assert.equal(sinks.query.received[0].url, '/k?x=1&token=kb-secret')
      const recorded = JSON.stringify(deliveries.map((d) => d.attempts))
      for (const secret of ['p4ss', 'tok-123', 'kb-secret', Buffer.from('u:p4ss').toString('base64')]) {
        assert.ok(!recorded.includes(secret), `${secret} is not in the attempt log`)
      }
    })
  })
}
