// Deliveries with a method that carries no body (GET, DELETE): the event travels in the query
// string as `type`, `id` and `payload`, and the Standard Webhooks signature covers that
// `payload` text, so a stock Standard Webhooks library verifies the request as it arrived.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { APEX, createDistributor, createNode } from '../dialects/brokerstr/support.ts'
import { createEndpoint, deliveriesOf, FAST_DELIVERY, settled } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { startSink, type ReceivedRequest } from '../helpers/sink.ts'

reportSkippedPostgres()

/** Sent as text: the stored payload keeps this spacing, the query carries it compacted. */
const SPACED_PAYLOAD = '{ "order_id" : 42,\n  "note": "a b&c=d+é ü",  "big": 12345678901234567890, "items": [ 1, 2 ] }'
const COMPACT_PAYLOAD = '{"order_id":42,"note":"a b&c=d+é ü","big":12345678901234567890,"items":[1,2]}'

async function publishText (hub: TestHub, type: string, payloadText: string, extra = '') {
  const res = await hub.app.inject({
    method: 'POST', url: '/api/v1/events', headers: { ...hub.admin, 'content-type': 'application/json' },
    payload: `{"type": ${JSON.stringify(type)}, "payload": ${payloadText}${extra}}`,
  })
  assert.equal(res.statusCode, 202, res.body)
  return res.json() as { id: string; deliveries: number }
}

/** The query of a received request, parsed as any receiver would. */
function queryOf (got: ReceivedRequest) {
  return new URL(got.url, 'http://receiver').searchParams
}

/** No body, no content type; the headers a Standard Webhooks receiver needs are there. */
function assertBodyless (got: ReceivedRequest, method: string, eventId: string) {
  assert.equal(got.method, method)
  assert.equal(got.body, '')
  assert.equal(got.headers['content-type'], undefined, 'no content type without a body')
  assert.ok(got.headers['content-length'] === undefined || got.headers['content-length'] === '0', String(got.headers['content-length']))
  assert.equal(got.headers['webhook-id'], eventId)
}

/** The attempt records the URL actually requested, with the method and no content type. */
async function assertRecordedUrl (hub: TestHub, eventId: string, sinkUrl: string, got: ReceivedRequest, method: string) {
  const [delivery] = await deliveriesOf(hub, eventId)
  const request = delivery.attempts?.[0].request as { method?: string; url: string; headers: Record<string, string> }
  assert.equal(request.method, method)
  assert.equal(request.url, sinkUrl + got.url)
  assert.equal(request.headers['content-type'], undefined)
}

for (const engine of engines) {
  describe(`[${engine}] deliveries without a body carry the event in the query string`, () => {
    test('a Brokerstr GET distributor (method 1) gets type, id and payload in the query, signed over payload', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const node = await createNode(hub, { name: 'Apex', type: APEX })
      const distributor = await createDistributor(hub, node.id, { meta: { host: sink.url, path: '/poll/me?client=acme', method: 1 } })
      const event = await publishText(hub, 'order.created', SPACED_PAYLOAD, `, "node_id": ${JSON.stringify(node.id)}`)
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'succeeded')
      const got = sink.received[0]
      assertBodyless(got, 'GET', event.id)
      assert.equal(new URL(got.url, 'http://receiver').pathname, '/poll/me')
      const query = queryOf(got)
      assert.deepEqual([...query.keys()], ['client', 'type', 'id', 'payload'], 'the existing query is kept, the event follows')
      assert.equal(query.get('client'), 'acme')
      assert.equal(query.get('type'), 'order.created')
      assert.equal(query.get('id'), event.id)
      const payload = query.get('payload') as string
      assert.match(payload, /^\{"type":"order\.created","timestamp":"[^"]+","data":/)
      assert.equal(payload.slice(payload.indexOf('"data":') + 7, -1), COMPACT_PAYLOAD, 'the payload is compact JSON, numbers and text as sent')

      const row = await hub.database.db.selectFrom('distributors').select('endpoint_id').where('id', '=', distributor.id).executeTakeFirstOrThrow()
      const endpoint = await hub.repositories.endpoints.findById(row.endpoint_id as string)
      assert.ok(endpoint)
      const [secret] = hub.services.endpoints.signingSecrets(endpoint, Date.now())
      const verified = new Webhook(secret).verify(payload, got.headers as Record<string, string>) as Record<string, unknown>
      assert.equal(verified.type, 'order.created')
      assert.deepEqual(Object.keys(verified.data as object), ['order_id', 'note', 'big', 'items'])
      assert.throws(() => new Webhook(secret).verify(payload.replace('"order_id":42', '"order_id":43'), got.headers as Record<string, string>))
      await assertRecordedUrl(hub, event.id, sink.url, got, 'GET')
    })

    test('a native GET endpoint (raw format) and a native DELETE endpoint with a query token verify with standardwebhooks', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const getEndpoint = await createEndpoint(hub, { url: `${sink.url}/get`, method: 'GET', format: 'raw', filter: { types: ['order.*'] } })
      const deleteEndpoint = await createEndpoint(hub, {
        url: `${sink.url}/delete?`, method: 'DELETE', filter: { types: ['order.*'] }, auth: { type: 'query', param: 'key', token: 'tok-123' },
      })
      const event = await publishText(hub, 'order.created', SPACED_PAYLOAD)
      assert.equal(event.deliveries, 2)
      const deliveries = await settled(hub, event.id)
      assert.deepEqual(deliveries.map((d) => d.status), ['succeeded', 'succeeded'])

      const byPath = (path: string) => sink.received.find((r) => r.url.startsWith(path)) as ReceivedRequest
      const viaGet = byPath('/get?')
      assertBodyless(viaGet, 'GET', event.id)
      assert.equal(viaGet.url, `/get?type=order.created&id=${event.id}&payload=${encodeURIComponent(COMPACT_PAYLOAD)}`)
      const verified = new Webhook(getEndpoint.secret).verify(queryOf(viaGet).get('payload') as string, viaGet.headers as Record<string, string>)
      assert.deepEqual(verified, JSON.parse(COMPACT_PAYLOAD))

      const viaDelete = byPath('/delete?')
      assertBodyless(viaDelete, 'DELETE', event.id)
      const query = queryOf(viaDelete)
      assert.deepEqual([...query.keys()], ['type', 'id', 'payload', 'key'])
      assert.equal(query.get('key'), 'tok-123')
      const standard = new Webhook(deleteEndpoint.secret).verify(query.get('payload') as string, viaDelete.headers as Record<string, string>) as Record<string, unknown>
      assert.equal(standard.type, 'order.created')

      // What the attempts record is the URL as requested (the query token masked).
      const records = await deliveriesOf(hub, event.id)
      const recordOf = (endpointId: string) => records.find((d) => (d as unknown as { endpoint_id: string }).endpoint_id === endpointId)?.attempts?.[0].request
      assert.equal(recordOf(getEndpoint.id)?.url, sink.url + viaGet.url)
      assert.equal(recordOf(deleteEndpoint.id)?.url, sink.url + viaDelete.url.replace('key=tok-123', 'key=********'))
      assert.equal(recordOf(deleteEndpoint.id)?.headers['content-type'], undefined)
    })

    test('a POST endpoint still gets the JSON body and no event query', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const endpoint = await createEndpoint(hub, { url: `${sink.url}/post?x=1` })
      const event = await publishText(hub, 'order.created', SPACED_PAYLOAD)
      await settled(hub, event.id)
      const got = sink.received[0]
      assert.equal(got.url, '/post?x=1')
      assert.equal(got.headers['content-type'], 'application/json')
      const verified = new Webhook(endpoint.secret).verify(got.body, got.headers as Record<string, string>) as Record<string, unknown>
      assert.equal(verified.type, 'order.created')
      const [delivery] = await deliveriesOf(hub, event.id)
      assert.equal(delivery.attempts?.[0].request.url, `${sink.url}/post?x=1`)
    })
  })
}
