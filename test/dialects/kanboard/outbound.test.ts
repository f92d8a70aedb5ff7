import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createEndpoint, FAST_DELIVERY, publish, settled } from '../../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import { startSink } from '../../helpers/sink.ts'
import { COMMENT_CREATE, SEED_BODIES, TASK_MOVE_COLUMN } from './seed-bodies.ts'
import { kanboardIntegration, kanboardSource, postAsKanboard } from './support.ts'

reportSkippedPostgres()

/** Publishes through the native API with the payload's exact text, as a client would send it. */
async function publishText (hub: TestHub, type: string, payloadText: string) {
  const res = await hub.app.inject({
    method: 'POST', url: '/api/v1/events', headers: { ...hub.admin, 'content-type': 'application/json' },
    payload: `{"type":${JSON.stringify(type)},"payload":${payloadText}}`,
  })
  assert.equal(res.statusCode, 202, res.body)
  return res.json() as { id: string; deliveries: number }
}

// Issue 5, Kanboard "Out": any receiver written for Kanboard's webhooks works with hookhub.
for (const engine of engines) {
  describe(`[${engine}] Kanboard-format endpoints`, () => {
    test('an event is delivered as {"event_name", "event_data"} to <url>?token=<token>', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: `${sink.url}/kanboard/webhook`, format: 'kanboard', auth: { type: 'query', token: 'abc' } })
      const payload = '{"task_id":5,"task":{"id":"5","title":"My new task","date_completed":null},"changes":{"color_id":"purple"}}'
      const event = await publishText(hub, 'task.update', payload)
      assert.equal(event.deliveries, 1)
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'succeeded')
      assert.equal(sink.received.length, 1)
      const [req] = sink.received
      assert.equal(req.method, 'POST')
      assert.equal(req.url, '/kanboard/webhook?token=abc')
      assert.equal(req.headers['content-type'], 'application/json')
      assert.equal(req.headers.authorization, undefined, 'the token travels in the query string only')
      assert.equal(req.body, `{"event_name":"task.update","event_data":${payload}}`)
      assert.deepEqual(JSON.parse(req.body), { event_name: 'task.update', event_data: JSON.parse(payload) })
    })

    test('a Kanboard-format delivery says User-Agent: Kanboard Webhook, as the seed shows; others say hookhub', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const kanboard = await startSink(t)
      const standard = await startSink(t)
      await createEndpoint(hub, { url: `${kanboard.url}/?token=WEBHOOK_TOKEN_HERE`, format: 'kanboard' })
      await createEndpoint(hub, { url: standard.url })
      const event = await publish(hub, 'task.move.column', { task_id: '4' })
      assert.deepEqual((await settled(hub, event.id)).map((d) => d.status), ['succeeded', 'succeeded'])
      assert.equal(kanboard.received[0].headers['user-agent'], 'Kanboard Webhook')
      assert.match(String(standard.received[0].headers['user-agent']), /^hookhub\//)
    })

    test('an endpoint may set its own User-Agent in headers, whatever its format, and it is sent as given', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const kanboard = await startSink(t)
      const standard = await startSink(t)
      await createEndpoint(hub, { url: kanboard.url, format: 'kanboard', headers: { 'User-Agent': 'Kanboard/1.2.35 (+relay)' } })
      await createEndpoint(hub, { url: standard.url, headers: { 'user-agent': 'Acme-Hooks/2.0' } })
      const event = await publish(hub, 'task.create', { task_id: 5 })
      const deliveries = await settled(hub, event.id)
      assert.deepEqual(deliveries.map((d) => d.status), ['succeeded', 'succeeded'])
      assert.equal(kanboard.received[0].headers['user-agent'], 'Kanboard/1.2.35 (+relay)')
      assert.equal(standard.received[0].headers['user-agent'], 'Acme-Hooks/2.0')
      for (const d of deliveries) {
        const names = Object.keys(d.attempts![0].request.headers).filter((name) => /^user-agent$/i.test(name))
        assert.equal(names.length, 1, `one User-Agent header is sent: ${names.join(', ')}`)
      }
    })

    test('a URL that already has a query gets &token=', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: `${sink.url}/jsonrpc.php?x=1`, format: 'kanboard', auth: { type: 'query', token: 'abc' } })
      const event = await publish(hub, 'task.create', { task_id: 5 })
      assert.equal((await settled(hub, event.id))[0].status, 'succeeded')
      assert.equal(sink.received.length, 1)
      assert.equal(sink.received[0].url, '/jsonrpc.php?x=1&token=abc')
      assert.equal(sink.received[0].body, '{"event_name":"task.create","event_data":{"task_id":5}}')
    })

    test('appending &token= leaves the rest of the query exactly as written', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: `${sink.url}/hook.php?next=/board/1&ids=1,2&q=a%20b&flag`, format: 'kanboard', auth: { type: 'query', token: 'abc' } })
      const event = await publish(hub, 'task.close', { task_id: 5 })
      assert.equal((await settled(hub, event.id))[0].status, 'succeeded')
      assert.equal(sink.received[0].url, '/hook.php?next=/board/1&ids=1,2&q=a%20b&flag&token=abc')
    })

    test('a token with reserved characters arrives intact', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const token = 'a b&c=d/é+%'
      await createEndpoint(hub, { url: `${sink.url}/in?x=1`, format: 'kanboard', auth: { type: 'query', token } })
      const event = await publish(hub, 'task.open', { task_id: 5 })
      assert.equal((await settled(hub, event.id))[0].status, 'succeeded')
      const query = new URL(sink.received[0].url, 'http://sink').searchParams
      assert.deepEqual([...query.entries()], [['x', '1'], ['token', token]])
    })

    test('an event that came in from Kanboard is relayed as it came, not wrapped twice', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const kanboardOut = await startSink(t)
      const rawOut = await startSink(t)
      await createEndpoint(hub, { url: `${kanboardOut.url}/relay`, format: 'kanboard', auth: { type: 'query', token: 'abc' } })
      await createEndpoint(hub, { url: rawOut.url, format: 'raw' })
      const source = await kanboardSource(hub)
      const integration = await kanboardIntegration(hub, 'integration-token')
      const bodies = Object.values(SEED_BODIES)
      for (const body of bodies) assert.equal((await postAsKanboard(hub, source.path, body)).statusCode, 200)
      assert.equal((await postAsKanboard(hub, integration.path, COMMENT_CREATE, 'integration-token')).statusCode, 200)
      const expected = [...bodies, COMMENT_CREATE].sort()

      await kanboardOut.waitFor(expected.length)
      await rawOut.waitFor(expected.length)
      assert.deepEqual(kanboardOut.received.map((r) => r.body).sort(), expected, 'each body exactly as Kanboard sent it')
      assert.deepEqual(rawOut.received.map((r) => r.body).sort(), expected)
      for (const req of kanboardOut.received) assert.equal(req.url, '/relay?token=abc')
    })

    test('a published payload that already is the envelope of its own type is relayed as is; any other payload is wrapped', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: sink.url, format: 'kanboard', auth: { type: 'query', token: 'abc' } })
      const envelope = TASK_MOVE_COLUMN
      const cases: [string, string, string][] = [
        ['task.move.column', envelope, envelope],
        // event_name names another type: this is data of a task.close event, wrapped once.
        ['task.close', envelope, `{"event_name":"task.close","event_data":${envelope}}`],
        // A third key: not Kanboard's envelope.
        ['task.open', '{"event_name":"task.open","event_data":{"task_id":"5"},"x":1}', '{"event_name":"task.open","event_data":{"event_name":"task.open","event_data":{"task_id":"5"},"x":1}}'],
        // Only event_name: no envelope either.
        ['task.open', '{"event_name":"task.open"}', '{"event_name":"task.open","event_data":{"event_name":"task.open"}}'],
        ['comment.delete', '[1,2]', '{"event_name":"comment.delete","event_data":[1,2]}'],
        ['comment.update', '"text"', '{"event_name":"comment.update","event_data":"text"}'],
        ['comment.update', 'null', '{"event_name":"comment.update","event_data":null}'],
      ]
      for (const [type, payload, body] of cases) {
        const event = await publishText(hub, type, payload)
        const [delivery] = await settled(hub, event.id)
        assert.equal(delivery.status, 'succeeded', `${type} ${payload}`)
        const last = sink.received[sink.received.length - 1]
        assert.equal(last.body, body, `${type} with ${payload.slice(0, 40)}`)
      }
      assert.equal(sink.received.length, cases.length)
    })

    test('a kanboard endpoint with a type filter receives only the events it asks for', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: sink.url, format: 'kanboard', auth: { type: 'query', token: 'abc' }, filter: { types: ['task.move.*', 'comment.create'] } })
      const source = await kanboardSource(hub)
      for (const body of Object.values(SEED_BODIES)) assert.equal((await postAsKanboard(hub, source.path, body)).statusCode, 200)
      await sink.waitFor(2)
      await new Promise((resolve) => setTimeout(resolve, 200))
      assert.deepEqual(sink.received.map((r) => r.body).sort(), [TASK_MOVE_COLUMN, COMMENT_CREATE].sort())
    })
  })
}
