// Broker sources: how fast hookhub consumes each broker, as a ratio of a bare consumer in the same
// run (target ≥ 0.6). For each broker, N messages wait in a fresh queue, stream or topic; the bare
// consumer is hookhub's own consumer for that broker (same client library, prefetch and
// acknowledgements) with a store that does nothing; hookhub is `npm start` on a fresh SQLite file
// with a source on a second, equally filled queue, timed from the source's creation until the
// N-th event is in the database. Needs the brokers on 127.0.0.1 and `npm run build:server`.
// Usage: npm run bench:sources [-- --messages 5000]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { TestContext } from 'node:test'
import { availableBrokers, brokerFixture, clearMqttSession, type BrokerFixture } from '../test/helpers/brokers.ts'
import { parseBrokerUrl, type BrokerKind } from '../src/sources/broker-url.ts'
import { openAmqp } from '../src/sources/amqp.ts'
import { openMqtt } from '../src/sources/mqtt.ts'
import { openNats } from '../src/sources/nats.ts'
import { openRedis } from '../src/sources/redis.ts'
import type { OpenConsumer } from '../src/sources/consumer.ts'
import { killAll } from './lib/children.ts'
import { AUTH, startHub } from './lib/hub.ts'
import { sqliteEngine } from './lib/engines.ts'

const OPENERS: Record<BrokerKind, OpenConsumer> = { amqp: openAmqp, nats: openNats, redis: openRedis, mqtt: openMqtt }
const argIndex = process.argv.indexOf('--messages')
const MESSAGES = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 5000
/** Mosquitto keeps at most 1000 messages (max_queued_messages) for a session nobody consumes. */
const MQTT_MESSAGES = Math.min(MESSAGES, 900)
const LIMIT_MS = 300_000

const cleanups: (() => Promise<unknown> | unknown)[] = []
/** The fixtures take a test context only to clean up after themselves. */
const context = { after: (fn: () => unknown) => { cleanups.push(fn) } } as unknown as TestContext
process.on('SIGINT', () => { killAll(); process.exit(130) })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const body = (n: number) => JSON.stringify({ n, order: { id: `ord_${n}`, total: 1999, currency: 'EUR', lines: [{ sku: 'sku-1', qty: 2 }] } })

async function fill (fixture: BrokerFixture, count: number) {
  for (let i = 0; i < count; i += 100) {
    await fixture.publish(Array.from({ length: Math.min(100, count - i) }, (_, k) => ({ id: `b${i + k}`, type: 'bench.message', body: body(i + k) })))
  }
}

/** Messages per second of the bare consumer: hookhub's consumer storing nothing. */
async function bare (kind: BrokerKind, count: number): Promise<number> {
  const fixture = await brokerFixture(context, kind)
  const sourceId = `src_bench_bare_${kind}_${Date.now()}`
  const open = () => OPENERS[kind]({
    sourceId, target: parseBrokerUrl(kind, fixture.url), address: '127.0.0.1', consumerName: 'bench-bare', leaseMs: 30_000,
    store: async () => { received++ },
  })
  let received = 0
  if (kind === 'mqtt') {
    // The session (and its subscription) must exist before the messages are published.
    await (await open()).close()
    cleanups.push(() => clearMqttSession(sourceId))
  }
  await fill(fixture, count)
  received = 0
  const started = performance.now()
  const consumer = await open()
  const deadline = Date.now() + LIMIT_MS
  while (received < count && Date.now() < deadline) await sleep(5)
  const seconds = (performance.now() - started) / 1000
  await consumer.close()
  if (received < count) throw new Error(`bare ${kind} consumer: ${received} of ${count} within ${LIMIT_MS} ms`)
  return count / seconds
}

/** Events per second hookhub stores from a source on a filled queue. */
async function hub (kind: BrokerKind, count: number, dir: string): Promise<number> {
  const fixture = await brokerFixture(context, kind)
  const hubProcess = await startHub(sqliteEngine(dir), `sources-${kind}`, LIMIT_MS + 60_000, { env: { HOOKHUB_WORKERS: '1' } })
  cleanups.push(() => hubProcess.stop())
  const create = async (name: string) => {
    const res = await fetch(`${hubProcess.url}/api/v1/sources`, {
      method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ name, kind, url: fixture.url, type_from: 'type' }),
    })
    if (res.status !== 201) throw new Error(`creating the ${kind} source: ${res.status} ${await res.text()}`)
    return (await res.json() as { id: string }).id
  }
  let sourceId: string
  if (kind === 'mqtt') {
    // The session must exist first: create, let it subscribe, pause, fill, resume (timed).
    sourceId = await create('bench')
    cleanups.push(() => clearMqttSession(sourceId))
    await sleep(2000)
    await fetch(`${hubProcess.url}/api/v1/sources/${sourceId}/pause`, { method: 'POST', headers: AUTH })
    await sleep(2000)
  }
  await fill(fixture, count)
  const file = hubProcess.databaseUrl.slice('sqlite:'.length)
  const started = performance.now()
  if (kind === 'mqtt') await fetch(`${hubProcess.url}/api/v1/sources/${sourceId!}/resume`, { method: 'POST', headers: AUTH })
  else sourceId = await create('bench')
  const db = new Database(file, { readonly: true })
  const countStored = db.prepare('select count(*) as n from events where source = ?')
  const deadline = Date.now() + LIMIT_MS
  let stored = 0
  while (stored < count && Date.now() < deadline) {
    await sleep(20)
    stored = (countStored.get(sourceId!) as { n: number }).n
  }
  const seconds = (performance.now() - started) / 1000
  db.close()
  await hubProcess.stop()
  if (stored < count) throw new Error(`hookhub ${kind} source: ${stored} of ${count} within ${LIMIT_MS} ms`)
  return count / seconds
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookhub-bench-sources-'))
cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }))
const results: Record<string, { messages: number; bare_per_s: number; hookhub_per_s: number; ratio: number }> = {}
try {
  for (const kind of await availableBrokers()) {
    const count = kind === 'mqtt' ? MQTT_MESSAGES : MESSAGES
    const bareRate = await bare(kind, count)
    const hubRate = await hub(kind, count, dir)
    results[kind] = { messages: count, bare_per_s: Math.round(bareRate), hookhub_per_s: Math.round(hubRate), ratio: Number((hubRate / bareRate).toFixed(2)) }
    console.log(`${kind.padEnd(6)} ${String(count).padStart(5)} messages  bare ${Math.round(bareRate)}/s  hookhub ${Math.round(hubRate)}/s  ratio ${(hubRate / bareRate).toFixed(2)} (target ≥ 0.6)`)
  }
  const out = path.join('bench', 'results', `${new Date().toISOString().slice(0, 10)}-broker-sources.json`)
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), engine: 'sqlite', host: { cpus: os.cpus().length, load: os.loadavg() }, results }, null, 2) + '\n')
  console.log(`written ${out}`)
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {})
  killAll()
}
