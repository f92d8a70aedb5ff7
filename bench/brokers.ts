// Broker destinations: deliveries/s from hookhub to each broker (AMQP, NATS JetStream, Redis
// streams, MQTT) divided by a bare client publishing the same messages to the same broker, with
// the same guarantees (confirms, PubAck, entry id, PUBACK) and as many in flight as hookhub allows
// one endpoint by default, in the same run. Target: ≥ 0.6. Needs the brokers on 127.0.0.1.
// An HTTP row (hookhub delivering to SINK ÷ undici posting to it) shows, in the same run,
// what the delivery core itself allows one endpoint: a broker row near it is capped by the core.
// Usage: node --import tsx bench/brokers.ts [--quick]   (about 1 min quick, 3 min full)
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import amqp from 'amqplib'
import { connect as natsConnect, headers as natsHeaders } from '@nats-io/transport-node'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import mqtt from 'mqtt'
import { createClient } from 'redis'
import { Agent, request } from 'undici'
import { ensureServerBuilt } from '../scripts/ensure-build.js'
import { killAll, ROOT, startChild } from './lib/children.ts'
import { sinkStats } from './lib/sink.ts'
import { sqliteEngine } from './lib/engines.ts'
import { AUTH, startHub, type Hub } from './lib/hub.ts'

const QUICK = process.argv.includes('--quick')
const MESSAGES = QUICK ? 2_000 : 10_000
/** What hookhub keeps in flight to one endpoint by default (delivery-worker defaultPerEndpoint). */
const IN_FLIGHT = 16
const RUN = `bench_${Date.now().toString(36)}`
const PAYLOAD = { text: 'x'.repeat(900), n: 0 }
const HEADERS = { 'webhook-id': 'evt_bench', 'webhook-timestamp': '1767323045', 'webhook-signature': `v1,${'A'.repeat(44)}`, 'webhook-event-type': 'bench.broker' }

/** A broker kind in the benchmark: its target, a bare publisher and a way to count arrivals. */
interface Kind {
  name: string
  url: string
  setUp (): Promise<void>
  /** Messages on the target now. */
  count (): Promise<number>
  /** Empties the target. */
  clear (): Promise<void>
  /** A bare client; `publish(i)` resolves when the broker acknowledged message i. */
  bare (): Promise<{ publish (i: number): Promise<unknown>; close (): Promise<unknown> }>
  tearDown (): Promise<void>
}

const body = (i: number) => Buffer.from(JSON.stringify({ type: 'bench.broker', timestamp: new Date().toISOString(), data: { ...PAYLOAD, n: i } }))

async function amqpKind (): Promise<Kind> {
  const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672')
  const channel = await connection.createChannel()
  const exchange = `${RUN}_ex`
  const queue = `${RUN}_q`
  return {
    name: 'amqp',
    url: `amqp://guest:guest@127.0.0.1:5672/?exchange=${exchange}&routing_key=bench`,
    async setUp () {
      await channel.assertExchange(exchange, 'direct', { durable: false })
      await channel.assertQueue(queue, { durable: false })
      await channel.bindQueue(queue, exchange, 'bench')
    },
    count: async () => (await channel.checkQueue(queue)).messageCount,
    clear: async () => { await channel.purgeQueue(queue) },
    async bare () {
      const c = await amqp.connect('amqp://guest:guest@127.0.0.1:5672')
      const confirm = await c.createConfirmChannel()
      return {
        publish: (i) => new Promise<void>((resolve, reject) => confirm.publish(exchange, 'bench', body(i), {
          persistent: true, mandatory: true, messageId: `dlv_${i}`, type: 'bench.broker', contentType: 'application/json', headers: HEADERS,
        }, (err) => (err ? reject(err) : resolve()))),
        close: () => c.close(),
      }
    },
    async tearDown () {
      await channel.deleteQueue(queue)
      await channel.deleteExchange(exchange)
      await connection.close()
    },
  }
}

async function natsKind (): Promise<Kind> {
  const nc = await natsConnect({ servers: '127.0.0.1:4222' })
  const jsm = await jetstreamManager(nc)
  const stream = RUN.toUpperCase()
  const subject = `bench.${RUN}`
  return {
    name: 'nats',
    url: `nats://127.0.0.1:4222?subject=${subject}`,
    setUp: async () => { await jsm.streams.add({ name: stream, subjects: [subject] }) },
    count: async () => (await jsm.streams.info(stream)).state.messages,
    clear: async () => { await jsm.streams.purge(stream) },
    async bare () {
      const c = await natsConnect({ servers: '127.0.0.1:4222' })
      const js = jetstream(c)
      return {
        publish (i) {
          const h = natsHeaders()
          for (const [k, v] of Object.entries(HEADERS)) h.set(k, v)
          return js.publish(subject, body(i), { msgID: `${RUN}_bare_${i}_${Math.random()}`, headers: h })
        },
        close: () => c.close(),
      }
    },
    async tearDown () {
      await jsm.streams.delete(stream)
      await nc.close()
    },
  }
}

async function redisKind (): Promise<Kind> {
  const client = createClient({ url: 'redis://127.0.0.1:6379/0' })
  await client.connect()
  const stream = `${RUN}_stream`
  return {
    name: 'redis',
    url: `redis://127.0.0.1:6379/0?stream=${stream}`,
    setUp: async () => {},
    count: async () => client.xLen(stream),
    clear: async () => { await client.del(stream) },
    async bare () {
      const c = createClient({ url: 'redis://127.0.0.1:6379/0' })
      await c.connect()
      return {
        publish: (i) => c.xAdd(stream, '*', { id: `dlv_${i}`, type: 'bench.broker', payload: body(i).toString(), headers: JSON.stringify(HEADERS) }),
        close: async () => c.destroy(),
      }
    },
    async tearDown () {
      await client.del(stream)
      client.destroy()
    },
  }
}

async function mqttKind (): Promise<Kind> {
  const topic = `bench/${RUN}`
  const subscriber = await mqtt.connectAsync({ host: '127.0.0.1', port: 1883, protocolVersion: 5 })
  let received = 0
  subscriber.on('message', () => { received++ })
  return {
    name: 'mqtt',
    url: `mqtt://127.0.0.1:1883?topic=${encodeURIComponent(topic)}&qos=1`,
    setUp: async () => { await subscriber.subscribeAsync(topic, { qos: 1 }) },
    count: async () => received,
    clear: async () => { received = 0 },
    async bare () {
      const c = await mqtt.connectAsync({ host: '127.0.0.1', port: 1883, protocolVersion: 5 })
      return {
        publish: (i) => c.publishAsync(topic, body(i), { qos: 1, properties: { userProperties: HEADERS, contentType: 'application/json' } }),
        close: () => c.endAsync(),
      }
    },
    tearDown: () => subscriber.endAsync(),
  }
}

async function httpKind (): Promise<Kind> {
  const sink = await startChild('SINK', ['--import', 'tsx', 'bench/servers/sink.ts'], {}, 30 * 60_000)
  const url = `${sink.url}/hooks`
  return {
    name: 'http',
    url,
    setUp: async () => {},
    count: async () => (await sinkStats(sink)).count,
    clear: async () => { await sinkStats(sink, true) },
    async bare () {
      const agent = new Agent({ connections: IN_FLIGHT })
      return {
        async publish (i) {
          const res = await request(url, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', ...HEADERS }, body: body(i) })
          await res.body.dump()
        },
        close: () => agent.close(),
      }
    },
    tearDown: () => sink.stop(),
  }
}

/** Runs `task(0…n-1)` with `width` in flight. */
async function pool (n: number, width: number, task: (i: number) => Promise<unknown>) {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => { while (next < n) await task(next++) }))
}

async function waitFor (kind: Kind, n: number, limitMs = 300_000) {
  const deadline = Date.now() + limitMs
  while (await kind.count() < n) {
    if (Date.now() > deadline) throw new Error(`${kind.name}: only ${await kind.count()} of ${n} messages arrived`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function api (hub: Hub, method: string, urlPath: string, payload?: unknown) {
  const res = await fetch(hub.url + urlPath, { method, headers: { ...AUTH, 'content-type': 'application/json' }, body: payload === undefined ? undefined : JSON.stringify(payload) })
  if (res.status >= 300) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`)
  return res.json() as Promise<{ id: string }>
}

async function measure (hub: Hub, kind: Kind) {
  await kind.setUp()
  const bare = await kind.bare()
  await pool(50, IN_FLIGHT, (i) => bare.publish(i)) // warm-up
  await waitFor(kind, 50)
  await kind.clear()
  let started = performance.now()
  await pool(MESSAGES, IN_FLIGHT, (i) => bare.publish(i))
  const bareRate = MESSAGES / ((performance.now() - started) / 1000)
  await waitFor(kind, MESSAGES)
  await bare.close()
  await kind.clear()

  // The events are stored while the endpoint is paused, so only delivering is timed.
  const type = `bench.${kind.name}`
  const endpoint = await api(hub, 'POST', '/api/v1/endpoints', { url: kind.url, filter: { types: [type] }, paused: true })
  await pool(MESSAGES, 32, (i) => api(hub, 'POST', '/api/v1/events', { type, payload: { ...PAYLOAD, n: i } }))
  started = performance.now()
  await api(hub, 'POST', `/api/v1/endpoints/${endpoint.id}/resume`)
  await waitFor(kind, MESSAGES)
  const hubRate = MESSAGES / ((performance.now() - started) / 1000)
  await api(hub, 'POST', `/api/v1/endpoints/${endpoint.id}/pause`)
  await kind.tearDown()
  return { kind: kind.name, messages: MESSAGES, in_flight: IN_FLIGHT, bare_per_s: Math.round(bareRate), hookhub_per_s: Math.round(hubRate), ratio: Number((hubRate / bareRate).toFixed(2)) }
}

async function main () {
  ensureServerBuilt()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookhub-bench-brokers-'))
  const hub = await startHub(sqliteEngine(dir), 'brokers', 30 * 60_000)
  const results = []
  try {
    for (const make of [httpKind, amqpKind, natsKind, redisKind, mqttKind]) {
      const result = await measure(hub, await make())
      console.log(`${result.kind.padEnd(6)} bare ${String(result.bare_per_s).padStart(6)}/s  hookhub ${String(result.hookhub_per_s).padStart(6)}/s  ratio ${result.ratio.toFixed(2)} (target ≥ 0.60)`)
      results.push(result)
    }
  } finally {
    await hub.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
  const file = path.join(ROOT, 'bench', 'results', `${new Date().toISOString().slice(0, 10)}-brokers${QUICK ? '-quick' : ''}.json`)
  fs.writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, results }, null, 2)}\n`)
  console.log(`written to ${path.relative(ROOT, file)}`)
}

main().catch((err) => {
  console.error(err)
  killAll()
  process.exit(1)
})
