// Broker endpoints through the native API: URL validation, what makes no sense for a broker,
// and the URL's password sealed at rest and read back as ****. No broker is needed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { assertFieldNamed } from '../helpers/native-errors.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { createDestinations } from '../../src/destinations/index.ts'
import { parseBrokerUrl as parseDestination } from '../../src/destinations/broker-url.ts'
import { parseBrokerUrl as parseSource } from '../../src/sources/broker-url.ts'

reportSkippedPostgres()

const API_ONLY = { HOOKHUB_WORKERS: '0', HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true' }
const PASSWORD = 's3cr3t/p@ss'
const URL_WITH_PASSWORD = `amqp://hub:${encodeURIComponent(PASSWORD)}@127.0.0.1:5672/orders?exchange=events&routing_key=created`
const MASKED = 'amqp://hub:****@127.0.0.1:5672/orders?exchange=events&routing_key=created'

test('a broker URL without a port means its scheme\'s standard one, TLS schemes included, for destinations and sources alike', () => {
  const cases: [string, number, boolean][] = [
    ['amqp://h/?exchange=x&queue=q', 5672, false], ['amqps://h/?exchange=x&queue=q', 5671, true],
    ['nats://h?subject=s&stream=s&consumer=c', 4222, false],
    ['redis://h/0?stream=s&group=g', 6379, false], ['rediss://h/0?stream=s&group=g', 6379, true],
    ['mqtt://h?topic=t', 1883, false], ['mqtts://h?topic=t', 8883, true],
  ]
  for (const [url, port, tls] of cases) {
    const kind = parseDestination(url)!.kind
    assert.deepEqual([parseDestination(url)!.port, parseDestination(url)!.tls], [port, tls], url)
    assert.deepEqual([parseSource(kind, url).port, parseSource(kind, url).tls], [port, tls], url)
  }
})

const create = (hub: TestHub, body: Record<string, unknown>) => hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers: hub.admin, payload: body })
const patch = (hub: TestHub, id: string, body: Record<string, unknown>) => hub.app.inject({ method: 'PATCH', url: `/api/v1/endpoints/${id}`, headers: hub.admin, payload: body })
const get = (hub: TestHub, url: string) => hub.app.inject({ method: 'GET', url, headers: hub.admin })

for (const engine of engines) {
  test(`[${engine}] a broker URL's password is sealed at rest and reads back as ****`, async (t) => {
    const hub = await startHub(t, engine, API_ONLY)
    const res = await create(hub, { url: URL_WITH_PASSWORD })
    assert.equal(res.statusCode, 201, res.body)
    const { id, url } = res.json() as { id: string; url: string }
    assert.equal(url, MASKED)
    assert.equal((await get(hub, `/api/v1/endpoints/${id}`)).json().url, MASKED)
    const listed = (await get(hub, '/api/v1/endpoints?limit=100')).json() as { data: { id: string; url: string }[] }
    assert.equal(listed.data.find((e) => e.id === id)?.url, MASKED)
    const row = await hub.repositories.endpoints.findById(id)
    assert.ok(row)
    assert.equal(row.url, MASKED)
    assert.match(row.url_password ?? '', /^v1:/)
    assert.ok(!JSON.stringify(row).includes(PASSWORD) && !JSON.stringify(row).includes(encodeURIComponent(PASSWORD)), 'no column holds the password')
    assert.equal(hub.services.endpoints.targetUrl(row), URL_WITH_PASSWORD, 'the worker connects with the password')

    // The mask sent back keeps the stored password; a new one replaces it; none removes it.
    assert.equal((await patch(hub, id, { url: MASKED.replace('created', 'updated') })).statusCode, 200)
    assert.equal(hub.services.endpoints.targetUrl((await hub.repositories.endpoints.findById(id))!), URL_WITH_PASSWORD.replace('created', 'updated'))
    assert.equal((await patch(hub, id, { url: 'amqp://hub:other@127.0.0.1:5672/orders?exchange=events' })).json().url, 'amqp://hub:****@127.0.0.1:5672/orders?exchange=events')
    assert.equal(hub.services.endpoints.targetUrl((await hub.repositories.endpoints.findById(id))!), 'amqp://hub:other@127.0.0.1:5672/orders?exchange=events')
    assert.equal((await patch(hub, id, { url: 'amqp://127.0.0.1/?exchange=events' })).statusCode, 200)
    assert.equal((await hub.repositories.endpoints.findById(id))!.url_password, null)
    // With nothing stored, the mask is no password.
    assertFieldNamed(await patch(hub, id, { url: MASKED }), 'url', 'a mask with no stored password')
    assertFieldNamed(await create(hub, { url: MASKED }), 'url', 'a new endpoint with a masked password')
  })
}

test('[sqlite] broker URLs are validated at create and update; what makes no sense for a broker is 422', async (t) => {
  const hub = await startHub(t, 'sqlite', API_ONLY)
  for (const url of [
    'kafka://127.0.0.1:9092?topic=x',
    'amqp://127.0.0.1:5672/',
    'amqp://127.0.0.1:5672/?routing_key=only',
    'nats://127.0.0.1:4222',
    'nats://127.0.0.1:4222?subject=orders.*',
    'redis://127.0.0.1:6379/0',
    'redis://127.0.0.1:6379/zero?stream=s',
    'redis://127.0.0.1:6379/0?stream=s&maxlen=-1',
    'mqtt://127.0.0.1:1883',
    'mqtt://127.0.0.1:1883?topic=a/%2B/b',
    'mqtt://127.0.0.1:1883?topic=t&qos=0',
  ]) assertFieldNamed(await create(hub, { url }), 'url', url)
  for (const url of ['amqp://127.0.0.1:5672/?exchange=x', 'amqps://127.0.0.1/?exchange=x', 'nats://127.0.0.1?subject=a.b', 'redis://127.0.0.1/3?stream=s&maxlen=10', 'rediss://127.0.0.1?stream=s', 'mqtt://127.0.0.1?topic=a/b&qos=2', 'mqtts://127.0.0.1?topic=a']) {
    assert.equal((await create(hub, { url })).statusCode, 201, url)
  }
  const broker = 'redis://127.0.0.1:6379/0?stream=orders'
  assertFieldNamed(await create(hub, { url: broker, method: 'GET' }), 'method', 'GET to a broker')
  assertFieldNamed(await create(hub, { url: broker, method: 'PUT' }), 'method', 'PUT to a broker')
  assertFieldNamed(await create(hub, { url: broker, auth: { type: 'bearer', token: 'x' } }), 'auth', 'bearer auth to a broker')
  assert.equal((await create(hub, { url: broker, method: 'POST', auth: { type: 'none' } })).statusCode, 201)
  // An HTTP endpoint that polls with GET, or sends basic auth, cannot become a broker endpoint as it is.
  const polling = (await create(hub, { url: 'http://127.0.0.1:9/poll', method: 'GET' })).json() as { id: string }
  assertFieldNamed(await patch(hub, polling.id, { url: broker }), 'method', 'a GET endpoint moved to a broker')
  assert.equal((await patch(hub, polling.id, { url: broker, method: 'POST' })).statusCode, 200)
  assertFieldNamed(await patch(hub, polling.id, { method: 'DELETE' }), 'method', 'a broker endpoint changed to DELETE')
  const basic = (await create(hub, { url: 'http://127.0.0.1:9/hook', auth: { type: 'basic', username: 'u', password: 'p' } })).json() as { id: string }
  assertFieldNamed(await patch(hub, basic.id, { url: broker }), 'auth', 'a basic-auth endpoint moved to a broker')
})

test('[sqlite] the SSRF guard covers broker hosts', async (t) => {
  const hub = await startHub(t, 'sqlite', { HOOKHUB_WORKERS: '0' })
  for (const url of ['amqp://127.0.0.1/?exchange=x', 'nats://10.0.0.1?subject=s', 'redis://[::1]:6379?stream=s', 'mqtt://localhost?topic=t']) {
    assertFieldNamed(await create(hub, { url }), 'url', url)
  }
  // At delivery time the resolved address is checked: a name for loopback never connects.
  const destinations = createDestinations({ allowPrivateNetworks: false })
  t.after(() => destinations.close())
  for (const url of ['redis://localhost:6379/0?stream=s', 'nats://127.0.0.1:4222?subject=s']) {
    await assert.rejects(destinations.send({ url, method: 'POST', headers: {}, body: '{}', deliveryId: 'dlv_1', eventType: 't' }), { code: 'HOOKHUB_SSRF_BLOCKED' }, url)
  }
})
