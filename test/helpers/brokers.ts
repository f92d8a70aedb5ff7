// The four brokers of the test machine (RabbitMQ 5672, NATS JetStream 4222, Redis 6379,
// Mosquitto 1883 on 127.0.0.1): a skip with a clear message when one is not running (a failure
// instead when HOOKHUB_REQUIRE_BROKERS=1, as in CI), a TCP relay to cut one off, and for source
// tests a fresh queue, stream or topic per test with a publisher.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { test, type TestContext } from 'node:test'
import amqp from 'amqplib'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect as natsConnect, headers as natsHeaders } from '@nats-io/transport-node'
import mqtt from 'mqtt'
import { createClient } from 'redis'
import type { BrokerKind } from '../../src/sources/broker-url.ts'

/** The shared broker services on 127.0.0.1 (see the brief): never stopped by a test. */
export const BROKER_PORTS = { amqp: 5672, nats: 4222, redis: 6379, mqtt: 1883 } as const
export type Kind = keyof typeof BROKER_PORTS

function reachable (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.setTimeout(2000)
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => { socket.destroy(); resolve(false) })
  })
}

/**
 * Registers `body` as a test when the broker answers; otherwise a visible skip, or a failure
 * under HOOKHUB_REQUIRE_BROKERS=1 (CI starts every broker, so none may be missing there).
 */
export async function brokerTest (kind: Kind, name: string, body: (t: TestContext) => Promise<void>, timeout = 90_000) {
  if (await reachable(BROKER_PORTS[kind])) {
    test(name, { timeout }, body)
  } else if (process.env.HOOKHUB_REQUIRE_BROKERS === '1') {
    test(name, () => assert.fail(`${kind} is not answering on 127.0.0.1:${BROKER_PORTS[kind]}; HOOKHUB_REQUIRE_BROKERS=1 requires it`))
  } else {
    test.skip(`[broker] ${kind} test skipped: nothing answers on 127.0.0.1:${BROKER_PORTS[kind]}`)
  }
}

/**
 * A TCP relay between the hub and a broker, so a test can cut the broker off (stop) and bring it
 * back (start, on the same port) without touching the shared service.
 */
export async function startProxy (targetPort: number) {
  const sockets = new Set<net.Socket>()
  let server: net.Server | null = null
  let port = 0
  const start = () => new Promise<void>((resolve, reject) => {
    server = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port: targetPort })
      for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}) }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      port = (server!.address() as net.AddressInfo).port
      resolve()
    })
  })
  await start()
  return {
    get port () { return port },
    /** Refuses new connections and drops those open, like a broker going down. */
    async stop () {
      const s = server
      server = null
      for (const socket of sockets) socket.destroy()
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
    },
    start,
  }
}

/** Waits for `check` to return a value (not undefined); fails after `ms`. */
export async function eventually<T> (what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) { last = err }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms${last ? `: ${String(last)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** A port nothing listens on: bound, then released. */
export async function closedPort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export const BROKER_KINDS: BrokerKind[] = ['amqp', 'nats', 'redis', 'mqtt']

/** A message to publish: the body as given, the id and type where each broker carries them. */
export interface TestMessage {
  id?: string
  type?: string
  body: Buffer | string
  contentType?: string
}

export interface BrokerFixture {
  kind: BrokerKind
  /** The source URL consuming what `publish` sends. */
  url: string
  publish (messages: TestMessage[]): Promise<void>
  close (): Promise<void>
}

/** The kinds whose broker answers; the others are reported as a skipped test (or fail under HOOKHUB_REQUIRE_BROKERS=1). */
export async function availableBrokers (kinds: BrokerKind[] = BROKER_KINDS): Promise<BrokerKind[]> {
  const available: BrokerKind[] = []
  for (const kind of kinds) {
    if (await reachable(BROKER_PORTS[kind])) available.push(kind)
    else if (process.env.HOOKHUB_REQUIRE_BROKERS === '1') {
      test(`[${kind}] broker on 127.0.0.1:${BROKER_PORTS[kind]}`, () => { throw new Error(`the ${kind} broker is not running on 127.0.0.1:${BROKER_PORTS[kind]} and HOOKHUB_REQUIRE_BROKERS=1`) })
    } else test.skip(`[broker] ${kind} source tests skipped: nothing listens on 127.0.0.1:${BROKER_PORTS[kind]} (HOOKHUB_REQUIRE_BROKERS=1 makes this a failure)`)
  }
  return available
}

const unique = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`
const bytes = (body: Buffer | string) => (typeof body === 'string' ? Buffer.from(body) : body)

async function amqpFixture (): Promise<BrokerFixture> {
  const queue = unique('hh_test_q')
  const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672')
  const channel = await connection.createConfirmChannel()
  await channel.assertQueue(queue, { durable: true })
  return {
    kind: 'amqp',
    url: `amqp://guest:guest@127.0.0.1:5672/?queue=${queue}`,
    async publish (messages) {
      for (const m of messages) {
        channel.sendToQueue(queue, bytes(m.body), {
          persistent: true,
          ...(m.id !== undefined && { messageId: m.id }),
          ...(m.type !== undefined && { type: m.type }),
          ...(m.contentType !== undefined && { contentType: m.contentType }),
        })
      }
      await channel.waitForConfirms()
    },
    async close () {
      await channel.deleteQueue(queue).catch(() => {})
      await connection.close().catch(() => {})
    },
  }
}

async function natsFixture (): Promise<BrokerFixture> {
  const stream = unique('HH_TEST')
  const connection = await natsConnect({ servers: '127.0.0.1:4222' })
  const manager = await jetstreamManager(connection)
  await manager.streams.add({ name: stream, subjects: [`${stream}.>`] })
  const js = jetstream(connection)
  return {
    kind: 'nats',
    url: `nats://127.0.0.1:4222?stream=${stream}&consumer=hookhub`,
    async publish (messages) {
      await Promise.all(messages.map((m) => {
        const h = natsHeaders()
        if (m.type !== undefined) h.set('type', m.type)
        if (m.contentType !== undefined) h.set('Content-Type', m.contentType)
        return js.publish(`${stream}.in`, bytes(m.body), { headers: h, ...(m.id !== undefined && { msgID: m.id }) })
      }))
    },
    async close () {
      await manager.streams.delete(stream).catch(() => {})
      await connection.close()
    },
  }
}

async function redisFixture (): Promise<BrokerFixture> {
  const stream = unique('hh_test_stream')
  const client = createClient({ url: 'redis://127.0.0.1:6379/0' })
  await client.connect()
  return {
    kind: 'redis',
    url: `redis://127.0.0.1:6379/0?stream=${stream}&group=hookhub`,
    async publish (messages) {
      const batch = client.multi()
      for (const m of messages) {
        batch.xAdd(stream, '*', {
          body: bytes(m.body) as unknown as string,
          ...(m.type !== undefined && { type: m.type }),
          ...(m.contentType !== undefined && { 'content-type': m.contentType }),
        })
      }
      await batch.exec()
    },
    async close () {
      await client.del(stream).catch(() => {})
      await client.close()
    },
  }
}

async function mqttFixture (): Promise<BrokerFixture> {
  const topic = unique('hh/test')
  const client = await mqtt.connectAsync({ host: '127.0.0.1', port: 1883, protocolVersion: 5 })
  return {
    kind: 'mqtt',
    url: `mqtt://127.0.0.1:1883?topic=${encodeURIComponent(topic)}`,
    async publish (messages) {
      await Promise.all(messages.map((m) => client.publishAsync(topic, bytes(m.body), {
        qos: 1,
        properties: {
          ...(m.contentType !== undefined && { contentType: m.contentType }),
          userProperties: { ...(m.id !== undefined && { 'message-id': m.id }), ...(m.type !== undefined && { type: m.type }) },
        },
      })))
    },
    async close () {
      await client.endAsync()
    },
  }
}

const FIXTURES: Record<BrokerKind, () => Promise<BrokerFixture>> = { amqp: amqpFixture, nats: natsFixture, redis: redisFixture, mqtt: mqttFixture }

/** A fresh queue, stream or topic of `kind` with a publisher, removed when the test ends. */
export async function brokerFixture (t: TestContext, kind: BrokerKind): Promise<BrokerFixture> {
  const fixture = await FIXTURES[kind]()
  t.after(() => fixture.close())
  return fixture
}

/** Ends the persistent MQTT session hookhub kept for a source (client id hookhub-<source id>). */
export async function clearMqttSession (sourceId: string) {
  const client = await mqtt.connectAsync({ host: '127.0.0.1', port: 1883, protocolVersion: 5, clientId: `hookhub-${sourceId}`, clean: true })
  await client.endAsync()
}

