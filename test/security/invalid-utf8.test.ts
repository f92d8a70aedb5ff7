// Issue 15 (15): a JSON body that is not valid UTF-8 was stored with U+FFFD in place of the bad
// bytes. JSON bodies must be UTF-8: else 400 in the route's own malformed-JSON shape, nothing
// stored. Bodies that are not JSON (an integration point keeps text, form and XML bodies) keep
// their bytes exactly, to the raw delivery.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { FAST_DELIVERY, settled } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'
import { createPoint, SEED_CREATE } from '../dialects/incoplax/support.ts'

reportSkippedPostgres()

/** Valid JSON around one byte that is not UTF-8 (0xFF never is). */
const jsonWithBadByte = (before: string, after: string) => Buffer.concat([Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)])
const json = { 'content-type': 'application/json' }
const NOT_UTF8 = { code: 'HOOKHUB_INVALID_JSON', message: 'Body is not valid JSON', details: { reason: 'the body is not valid UTF-8' } }

async function storedEvents (hub: TestHub) {
  const res = await hub.app.inject({ method: 'GET', url: '/api/v1/events?limit=500', headers: hub.admin })
  return (res.json() as { data: { id: string; payload: unknown; content_type: string | null }[] }).data
}

for (const engine of engines) {
  describe(`[${engine}] bodies that are not UTF-8`, () => {
    test('a JSON body with invalid UTF-8 answers 400 in each API\'s malformed-JSON shape and stores nothing', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_WORKERS: '0' })
      const source = (await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: 'in', verify: 'none' } })).json() as { inbound_url: string }
      const point = await createPoint(hub, SEED_CREATE)
      const cases: [string, Record<string, string>, Buffer, unknown][] = [
        ['/api/v1/events', hub.admin, jsonWithBadByte('{"type":"x","payload":{"s":"', '"}}'), { error: NOT_UTF8 }],
        ['/api/webhooks', hub.admin, jsonWithBadByte('{"actions":["CHAT_CONVERSATION_CREATED"],"subscription_url":"https://e.example/', '"}'), { error: NOT_UTF8 }],
        ['/api/v1/integrations', hub.admin, jsonWithBadByte('{"name":"', '","type":"api"}'), { message: 'Body is not valid JSON' }],
        ['/api/v1/integration/nodes', hub.admin, jsonWithBadByte('{"name":"', '","type":"Apex"}'), { error: { ...NOT_UTF8, code: 'INVALID_JSON' } }],
        ['/rest/v1/service/integration_points', hub.admin, jsonWithBadByte('{"code":"', '","type":"public"}'), { error_code: 1400, error_message: 'Body is not valid JSON' }],
        [`/hooks/${source.inbound_url.split('/hooks/')[1]}`, {}, jsonWithBadByte('{"type":"ping","s":"', '"}'), { error: NOT_UTF8 }],
        // An integration point keeps bodies that are not JSON, but not a JSON body that is broken.
        [`/hooks/${point.token_local}`, {}, jsonWithBadByte('{"text":"', '"}'), { error_code: 1400, error_message: 'Body is not valid JSON' }],
      ]
      for (const [url, headers, payload, body] of cases) {
        const res = await hub.app.inject({ method: 'POST', url, headers: { ...headers, ...json }, payload })
        assert.equal(res.statusCode, 400, `${url}: ${res.body}`)
        assert.deepEqual(res.json(), body, url)
      }
      assert.deepEqual(await storedEvents(hub), [])
    })

    test('a body that is not JSON keeps its bytes exactly, invalid UTF-8 included, up to the raw delivery', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const point = await createPoint(hub, { ...SEED_CREATE, url: sink.url })
      // Latin-1 text as an old system sends it: "café" with é as the single byte 0xE9.
      const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0xff, 0xfe, 0x00, 0x80])
      const res = await hub.app.inject({ method: 'POST', url: `/hooks/${point.token_local}`, headers: { 'content-type': 'text/plain; charset=iso-8859-1' }, payload: bytes })
      assert.equal(res.statusCode, 200, res.body)
      const [event] = await storedEvents(hub)
      assert.equal(event.content_type, 'text/plain; charset=iso-8859-1')
      assert.deepEqual(event.payload, { content_type: 'text/plain; charset=iso-8859-1', body_base64: bytes.toString('base64') })
      assert.equal((await settled(hub, event.id))[0].status, 'succeeded')
      await sink.waitFor(1)
      assert.equal(sink.received[0].headers['content-type'], 'text/plain; charset=iso-8859-1')
      assert.deepEqual(sink.received[0].bytes, bytes, 'delivered byte for byte')
    })
  })
}
