import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { FAST_DELIVERY } from '../../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import { startSink } from '../../helpers/sink.ts'
import { BASE } from './support.ts'

reportSkippedPostgres()

async function point (hub: TestHub, body: Record<string, unknown>) {
  const res = await hub.app.inject({ method: 'POST', url: BASE, headers: hub.admin, payload: body })
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as { id: string; token_local: string }
}

async function deliveries (hub: TestHub) {
  const list = (await hub.app.inject({ method: 'GET', url: '/api/v1/deliveries', headers: hub.admin })).json().data as { id: string }[]
  return Promise.all(list.map(async (d) => (await hub.app.inject({ method: 'GET', url: `/api/v1/deliveries/${d.id}`, headers: hub.admin })).json()))
}

// opts.issync: the inbound call is relayed at once and the receiver's answer passed back.
for (const engine of engines) {
  describe(`[${engine}] integration points: synchronous relay`, () => {
    test("the receiver's status, content type and body come back; the message and the attempt are on record", async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t, (req, res) => {
        res.writeHead(201, { 'content-type': 'text/plain; charset=utf-8' })
        res.end(`echo ${req.body}`)
      })
      const p = await point(hub, { code: 'SYNC', type: 'public', url: sink.url, opts: { issync: true, recv_timeout: 2000 } })
      const res = await hub.app.inject({ method: 'POST', url: `/hooks/${p.token_local}`, headers: { 'content-type': 'application/json' }, payload: '{"q":"ping"}' })
      assert.equal(res.statusCode, 201)
      assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
      assert.equal(res.body, 'echo {"q":"ping"}')
      assert.equal(sink.received.length, 1, 'relayed once, not again by a worker')
      await new Promise((resolve) => setTimeout(resolve, 200))
      assert.equal(sink.received.length, 1)
      const [delivery] = await deliveries(hub)
      assert.equal(delivery.status, 'succeeded')
      assert.equal(delivery.attempts.length, 1)
      assert.equal(delivery.attempts[0].response.status, 201)
      const events = (await hub.app.inject({ method: 'GET', url: '/api/v1/events', headers: hub.admin })).json().data
      assert.deepEqual(events.map((e: { type: string; channel: string }) => [e.type, e.channel]), [['integration_point.message', 'SYNC']])
    })

    test('a form body is relayed as it came, with its own content type', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t, (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.end(`${req.headers['content-type']} ${req.body}`)
      })
      const p = await point(hub, { code: 'FORM', type: 'public', url: sink.url, opts: { issync: true } })
      const form = 'chat_id=77&text=hello+world'
      const res = await hub.app.inject({ method: 'POST', url: `/hooks/${p.token_local}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form })
      assert.equal(res.statusCode, 200)
      assert.equal(res.body, `application/x-www-form-urlencoded ${form}`)
    })

    test('a receiver slower than recv_timeout gives 504 in the dialect shape; the attempt is recorded and retried', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      let calls = 0
      const sink = await startSink(t, (_req, res) => {
        if (++calls === 1) return // the first call hangs
        res.end('late but fine')
      })
      const p = await point(hub, { code: 'SLOW', type: 'public', url: sink.url, opts: { issync: true, recv_timeout: 200 } })
      const started = Date.now()
      const res = await hub.app.inject({ method: 'POST', url: `/hooks/${p.token_local}`, payload: { q: 1 } })
      assert.equal(res.statusCode, 504)
      assert.deepEqual(res.json(), {
        error_code: 1504,
        error_message: 'The receiver did not answer within 200 ms; the message is stored and will be retried',
      })
      assert.ok(Date.now() - started < 2000)
      const deadline = Date.now() + 5000
      let delivery
      do {
        [delivery] = await deliveries(hub)
        if (delivery.status === 'succeeded') break
        await new Promise((resolve) => setTimeout(resolve, 50))
      } while (Date.now() < deadline)
      assert.equal(delivery.status, 'succeeded', 'the worker retried the timed-out relay')
      assert.equal(delivery.attempts[0].error.code, 'TIMEOUT')
      assert.equal(delivery.attempts.length, 2)
    })

    test('an unreachable receiver gives 502; a wrong token_remote gives 401 and relays nothing', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const down = await point(hub, { code: 'DOWN', type: 'public', url: 'http://127.0.0.1:1/', opts: { issync: true } })
      const res = await hub.app.inject({ method: 'POST', url: `/hooks/${down.token_local}`, payload: {} })
      assert.equal(res.statusCode, 502)
      assert.equal(res.json().error_code, 1502)
      const guarded = await point(hub, { code: 'GUARD', type: 'public', url: sink.url, token_remote: 'r3mote', opts: { issync: true } })
      const refused = await hub.app.inject({ method: 'POST', url: `/hooks/${guarded.token_local}?token=nope`, payload: {} })
      assert.equal(refused.statusCode, 401)
      assert.equal(refused.json().error_code, 1401)
      assert.equal(sink.received.length, 0)
      const ok = await hub.app.inject({ method: 'POST', url: `/hooks/${guarded.token_local}`, headers: { 'x-token': 'r3mote' }, payload: {} })
      assert.equal(ok.statusCode, 200)
      assert.equal(sink.received.length, 1)
    })
  })
}
