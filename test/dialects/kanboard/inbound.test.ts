import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createEndpoint, FAST_DELIVERY } from '../../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub } from '../../helpers/hub.ts'
import { startSink } from '../../helpers/sink.ts'
import { COMMENT_CREATE, SEED_BODIES, SEED_EVENT_NAMES, TASK_MOVE_COLUMN, TASK_UPDATE } from './seed-bodies.ts'
import { KANBOARD_TOKEN, kanboardIntegration, kanboardSource, postAsKanboard, storedEvents } from './support.ts'

reportSkippedPostgres()

const eventNameOf = (body: string) => (JSON.parse(body) as { event_name: string }).event_name

const SIGNATURE_INVALID = { error: { code: 'HOOKHUB_SIGNATURE_INVALID', message: 'The request signature does not verify', details: {} } }

// Issue 5, Kanboard "In", and Tests: "A Kanboard webhook body taken from the seed, posted to the
// inbound URL with the right token, comes out at a raw endpoint byte-identical; with a wrong
// token → 401 and nothing stored."
for (const engine of engines) {
  describe(`[${engine}] Kanboard webhooks in`, () => {
    test("native source: the seed's bodies verbatim are stored with event_name as type and reach a raw endpoint byte-identical", async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: `${sink.url}/raw`, format: 'raw' })
      const source = await kanboardSource(hub)
      const bodies = Object.values(SEED_BODIES)
      assert.equal(bodies.length, 7)

      for (const body of bodies) {
        const res = await postAsKanboard(hub, source.path, body)
        assert.equal(res.statusCode, 200, `${eventNameOf(body)}: ${res.body}`)
        const answer = res.json() as { received: boolean; event_id: string; type: string }
        assert.deepEqual(answer, { received: true, event_id: answer.event_id, type: eventNameOf(body) })
        assert.equal(typeof answer.event_id, 'string')
      }

      // Stored durably before the answer: every event is there right away.
      const events = await storedEvents(hub)
      assert.deepEqual(events.map((e) => e.type), bodies.map(eventNameOf))
      for (const [i, event] of events.entries()) {
        assert.equal(event.source, source.id)
        assert.equal(event.node_id, null)
        assert.deepEqual(event.payload, JSON.parse(bodies[i]), 'the payload is the whole body')
      }

      await sink.waitFor(bodies.length)
      assert.equal(sink.received.length, bodies.length)
      const received = [...sink.received].sort((a, b) => eventNameOf(a.body).localeCompare(eventNameOf(b.body)))
      const sent = [...bodies].sort((a, b) => eventNameOf(a).localeCompare(eventNameOf(b)))
      for (const [i, req] of received.entries()) {
        assert.equal(req.url, '/raw')
        assert.equal(req.headers['content-type'], 'application/json')
        assert.equal(req.body, sent[i], `${eventNameOf(sent[i])} arrives byte for byte: whitespace, key order, nulls`)
      }
    })

    test('a compact body and one with unusual whitespace, unicode and big numbers are relayed byte for byte', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: sink.url, format: 'raw' })
      const source = await kanboardSource(hub)
      const compact = JSON.stringify(JSON.parse(TASK_MOVE_COLUMN))
      const odd = '{\r\n\t"event_data" : {"task_id":"5","title":"Zażółć \\u0067ęślą jaźń ✓","big":12345678901234567890,"f":1.50,"e":1E3},\r\n\t"event_name":"task.update"\r\n}\r\n'
      for (const body of [compact, odd]) {
        const res = await postAsKanboard(hub, source.path, body)
        assert.equal(res.statusCode, 200, res.body)
      }
      assert.deepEqual((await storedEvents(hub)).map((e) => e.type), ['task.move.column', 'task.update'])
      await sink.waitFor(2)
      const bodies = sink.received.map((r) => r.body).sort((a, b) => a.length - b.length)
      assert.deepEqual(bodies, [odd, compact].sort((a, b) => a.length - b.length))
    })

    test('CyberCert integration with provider kanboard: the seed bodies posted to its inbound_url with ?token= are stored and relayed as they came', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: sink.url, format: 'raw' })
      const integration = await kanboardIntegration(hub)
      for (const body of [TASK_MOVE_COLUMN, COMMENT_CREATE, TASK_UPDATE]) {
        const res = await postAsKanboard(hub, integration.path, body)
        assert.equal(res.statusCode, 200, res.body)
        assert.equal(res.json().received, true)
        assert.equal(res.json().type, eventNameOf(body))
      }
      const events = await storedEvents(hub)
      assert.deepEqual(events.map((e) => e.type), ['task.move.column', 'comment.create', 'task.update'])
      assert.deepEqual(events.map((e) => e.payload), [TASK_MOVE_COLUMN, COMMENT_CREATE, TASK_UPDATE].map((b) => JSON.parse(b)))
      await sink.waitFor(3)
      assert.deepEqual(sink.received.map((r) => r.body).sort(), [TASK_MOVE_COLUMN, COMMENT_CREATE, TASK_UPDATE].sort())
    })

    test('native source: a wrong, missing or misplaced token answers 401 and stores and delivers nothing', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: sink.url, format: 'raw' })
      const source = await kanboardSource(hub)
      const attempts: [string, Record<string, string>][] = [
        [`${source.path}?token=wrong`, {}],
        [`${source.path}?token=${KANBOARD_TOKEN.toUpperCase()}`, {}],
        [`${source.path}?token=${KANBOARD_TOKEN.slice(0, -1)}`, {}],
        [`${source.path}?token=${KANBOARD_TOKEN}x`, {}],
        [`${source.path}?token=`, {}],
        [source.path, {}],
        [`${source.path}?Token=${KANBOARD_TOKEN}`, {}],
        [`${source.path}?webhook_token=${KANBOARD_TOKEN}`, {}],
        // Kanboard sends the token in the query string only.
        [source.path, { 'x-webhook-token': KANBOARD_TOKEN }],
        [source.path, { authorization: `Bearer ${KANBOARD_TOKEN}` }],
      ]
      for (const [url, extra] of attempts) {
        const res = await hub.app.inject({ method: 'POST', url, headers: { 'user-agent': 'Kanboard Webhook', 'content-type': 'application/json', ...extra }, payload: TASK_MOVE_COLUMN })
        assert.equal(res.statusCode, 401, `${url} ${JSON.stringify(extra)}: ${res.body}`)
        assert.deepEqual(res.json(), SIGNATURE_INVALID, url)
      }
      assert.deepEqual(await storedEvents(hub), [], 'nothing stored')
      const deliveries = await hub.app.inject({ method: 'GET', url: '/api/v1/deliveries', headers: hub.admin })
      assert.deepEqual(deliveries.json().data, [], 'nothing queued')
      // The right token still works afterwards, and only its event is delivered.
      const ok = await postAsKanboard(hub, source.path, COMMENT_CREATE)
      assert.equal(ok.statusCode, 200, ok.body)
      await sink.waitFor(1)
      await new Promise((resolve) => setTimeout(resolve, 150))
      assert.deepEqual(sink.received.map((r) => r.body), [COMMENT_CREATE])
      assert.deepEqual((await storedEvents(hub)).map((e) => e.type), ['comment.create'])
    })

    test('CyberCert integration: a wrong token answers 401 in the Laravel shape and stores nothing', async (t) => {
      const hub = await startHub(t, engine)
      const integration = await kanboardIntegration(hub)
      for (const token of ['wrong', '', null]) {
        const res = await postAsKanboard(hub, integration.path, TASK_MOVE_COLUMN, token)
        assert.equal(res.statusCode, 401, `token ${String(token)}: ${res.body}`)
        assert.deepEqual(res.json(), { message: 'The request signature does not verify' })
      }
      assert.deepEqual(await storedEvents(hub), [])
    })

    test('another source\'s token does not open this source, and an unknown inbound path answers 404', async (t) => {
      const hub = await startHub(t, engine)
      const one = await kanboardSource(hub, 'token-one')
      const two = await kanboardSource(hub, 'token-two')
      const crossed = await postAsKanboard(hub, one.path, TASK_MOVE_COLUMN, 'token-two')
      assert.equal(crossed.statusCode, 401)
      const unknown = await postAsKanboard(hub, '/hooks/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', TASK_MOVE_COLUMN)
      assert.equal(unknown.statusCode, 404)
      assert.deepEqual(await storedEvents(hub), [])
      const right = await postAsKanboard(hub, two.path, TASK_MOVE_COLUMN, 'token-two')
      assert.equal(right.statusCode, 200)
      const events = await storedEvents(hub)
      assert.deepEqual(events.map((e) => [e.type, e.source]), [['task.move.column', two.id]])
    })

    test('all 18 events of the seed, and task.file.create of its upload example, are accepted with event_name as type', async (t) => {
      const hub = await startHub(t, engine)
      const source = await kanboardSource(hub)
      const integration = await kanboardIntegration(hub, 'integration-token')
      assert.equal(SEED_EVENT_NAMES.length, 18)
      const names = [...SEED_EVENT_NAMES, 'task.file.create']
      for (const name of names) {
        const body = `{"event_name":"${name}","event_data":{"task_id":"5","project_id":"1"}}`
        const res = await postAsKanboard(hub, source.path, body)
        assert.equal(res.statusCode, 200, `${name}: ${res.body}`)
        assert.equal(res.json().received, true, name)
        assert.equal(res.json().type, name)
        const viaIntegration = await postAsKanboard(hub, integration.path, body, 'integration-token')
        assert.equal(viaIntegration.statusCode, 200, `${name} via integration: ${viaIntegration.body}`)
        assert.equal(viaIntegration.json().received, true, `${name} via integration`)
        assert.equal(viaIntegration.json().type, name)
      }
      const events = await storedEvents(hub)
      assert.deepEqual(events.filter((e) => e.source === source.id).map((e) => e.type), names)
      assert.deepEqual(events.filter((e) => e.source !== source.id).map((e) => e.type), names)
      for (const event of events) assert.deepEqual(event.payload, { event_name: event.type, event_data: { task_id: '5', project_id: '1' } })
    })
  })
}
