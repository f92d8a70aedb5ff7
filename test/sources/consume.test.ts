// Broker sources against the real brokers (RabbitMQ, NATS JetStream, Redis, Mosquitto), in a hub
// in this process: every message is stored once as an event (the body byte for byte, the type
// from type_from), a message the broker delivers again with the same id is not stored twice,
// pause stops consuming until resume, and delete stops it for good.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { availableBrokers, brokerFixture, clearMqttSession, type BrokerFixture } from '../helpers/brokers.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'

reportSkippedPostgres()

const ENV = { HOOKHUB_WORKERS: '1', HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true', HOOKHUB_LEASE_SECONDS: '3' }
const WAIT_MS = 60_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor (what: string, probe: () => Promise<boolean> | boolean) {
  const deadline = Date.now() + WAIT_MS
  while (!await probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const eventsOf = (hub: TestHub, sourceId: string) =>
  hub.database.db.selectFrom('events').select(['type', 'payload', 'content_type']).where('source', '=', sourceId).execute()

async function createSource (hub: TestHub, fixture: BrokerFixture, extra: Record<string, unknown> = {}) {
  const res = await hub.app.inject({
    method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: fixture.kind, kind: fixture.kind, url: fixture.url, ...extra },
  })
  assert.equal(res.statusCode, 201, res.body)
  return (res.json() as { id: string }).id
}

/** Publishes one probe (always the same id) until it is stored: the consumer is then subscribed and consuming. */
async function untilConsuming (hub: TestHub, fixture: BrokerFixture, sourceId: string) {
  await waitFor(`${fixture.kind} source consuming`, async () => {
    await fixture.publish([{ id: 'probe', type: 'probe', body: '{"type":"probe"}' }])
    const deadline = Date.now() + 1000
    while (Date.now() < deadline) {
      if ((await eventsOf(hub, sourceId)).some((e) => e.type === 'probe')) return true
      await sleep(50)
    }
    return false
  })
}

const kinds = await availableBrokers()

for (const engine of engines) {
  describe(`[${engine}] broker sources consume`, () => {
    for (const kind of kinds) {
      test(`[${kind}] every message once, body byte for byte, type from type_from; the same id again is not stored twice`, { timeout: 180_000 }, async (t) => {
        const hub = await startHub(t, engine, ENV, process.env.DBG ? { logger: (await import('../../src/logger.ts')).createLogger('debug') } : {})
        const fixture = await brokerFixture(t, kind)
        const sourceId = await createSource(hub, fixture, { type_from: 'type', event_type: 'fallback.type' })
        if (kind === 'mqtt') t.after(() => clearMqttSession(sourceId))
        await untilConsuming(hub, fixture, sourceId)
        const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13])
        const messages = [
          ...Array.from({ length: 100 }, (_, n) => ({ id: `m${n}`, type: 'order.created', body: JSON.stringify({ n, note: 'ü  spaced' }), contentType: 'application/json' })),
          { id: 'bin', type: 'blob.uploaded', body: binary, contentType: 'application/octet-stream' },
          { id: 'text', body: 'plain words', contentType: 'text/plain' },
        ]
        await fixture.publish(messages)
        // The same ids again, as a broker redelivers after a crash before the acknowledgement.
        await fixture.publish(messages.slice(0, 10))
        const expected = 1 + messages.length
        await waitFor('every message stored', async () => (await eventsOf(hub, sourceId)).length >= expected)
        await sleep(1500)
        const stored = await eventsOf(hub, sourceId)
        if (kind === 'redis') {
          // Redis de-duplicates on the entry id: a second XADD of the same content is a new entry.
          assert.equal(stored.length, expected + 10)
        } else {
          assert.equal(stored.length, expected, 'each id stored once')
        }
        const json = stored.filter((e) => e.type === 'order.created')
        assert.deepEqual(new Set(json.map((e) => e.payload)), new Set(messages.slice(0, 100).map((m) => m.body as string)), 'JSON bodies kept as they came')
        assert.ok(json.every((e) => e.content_type === null))
        const blob = stored.find((e) => e.type === 'blob.uploaded')
        assert.ok(blob)
        assert.equal(blob.content_type, 'application/octet-stream')
        assert.deepEqual(Buffer.from((JSON.parse(blob.payload) as { body_base64: string }).body_base64, 'base64'), binary)
        const text = stored.find((e) => e.type === 'fallback.type')
        assert.deepEqual(text && JSON.parse(text.payload), { content_type: 'text/plain', body: 'plain words' }, 'no type header: the source\'s event_type')
        const source = (await hub.app.inject({ method: 'GET', url: `/api/v1/sources/${sourceId}`, headers: hub.admin })).json() as { last_received_at: string | null }
        assert.ok(source.last_received_at !== null)
      })

      test(`[${kind}] pause stops consuming until resume; delete stops it`, { timeout: 180_000 }, async (t) => {
        const hub = await startHub(t, engine, ENV, process.env.DBG ? { logger: (await import('../../src/logger.ts')).createLogger('debug') } : {})
        const fixture = await brokerFixture(t, kind)
        const sourceId = await createSource(hub, fixture)
        if (kind === 'mqtt') t.after(() => clearMqttSession(sourceId))
        await untilConsuming(hub, fixture, sourceId)
        const post = (action: string) => hub.app.inject({ method: 'POST', url: `/api/v1/sources/${sourceId}/${action}`, headers: hub.admin })
        assert.equal((await post('pause')).statusCode, 200)
        await waitFor('the consumer stopped', () => !hub.consumingSources().includes(sourceId))
        await fixture.publish(Array.from({ length: 10 }, (_, n) => ({ id: `p${n}`, body: JSON.stringify({ n }) })))
        await sleep(2000)
        assert.equal((await eventsOf(hub, sourceId)).length, 1, 'nothing consumed while paused')
        assert.equal((await post('resume')).statusCode, 200)
        await waitFor('what waited in the broker', async () => (await eventsOf(hub, sourceId)).length === 11)
        const deleted = await hub.app.inject({ method: 'DELETE', url: `/api/v1/sources/${sourceId}`, headers: hub.admin })
        assert.equal(deleted.statusCode, 204)
        await waitFor('the consumer stopped', () => !hub.consumingSources().includes(sourceId))
        await fixture.publish(Array.from({ length: 5 }, (_, n) => ({ id: `d${n}`, body: JSON.stringify({ n }) })))
        await sleep(2000)
        assert.equal((await eventsOf(hub, sourceId)).length, 11, 'nothing consumed after delete')
      })
    }
  })
}
