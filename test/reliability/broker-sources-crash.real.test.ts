// Reliability of broker sources (issue 19): a burst of 2,000 messages on each broker, and the
// hub (a real `bin/hookhub.js serve`) killed with SIGKILL in the middle of it, then started
// again. Every message must be stored exactly once: nothing lost (unacknowledged messages come
// back from the broker), nothing twice (the broker's message id de-duplicates what was stored
// but not yet acknowledged). On PostgreSQL two hub processes consume the same source (competing
// consumers; for MQTT one lease holder, and the holder is the one killed).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import Sqlite from 'better-sqlite3'
import pg from 'pg'
import { availableBrokers, brokerFixture, clearMqttSession, type BrokerFixture } from '../helpers/brokers.ts'
import { childEnv, fetchWithin, startServe, tempDir, type Served } from '../helpers/child.ts'
import { postgresUrl, scratchPostgresDatabase } from '../helpers/engines.ts'
import type { BrokerKind } from '../../src/sources/broker-url.ts'
import { reportFigures, sleep, waitUntil } from './support.ts'

const MESSAGES = 2_000
/** Starting a hub while other suites load the machine (load 16 on 2 cores seen) can take long. */
const START = { timeoutMs: 90_000 }
const TOKEN = 'hh_broker_crash_admin_token_0123456789'
const LEASE_SECONDS = 3
/**
 * Publishing rate. MQTT is slower: while no hub consumes (a restart on a loaded machine, then the
 * killed holder's lease running out: about 10 s here), Mosquitto queues a persistent session's
 * messages only up to max_queued_messages (1000 by default) and drops the rest.
 */
const RATE_PER_S: Record<BrokerKind, number> = { amqp: 400, nats: 400, redis: 400, mqtt: 40 }
/** The kill comes once this many messages are stored: well inside the burst. */
const KILL_AFTER = 300

type Counts = { total: number; distinct: number }
const PROBES = "select count(*) as n from events where source = $1 and type = 'probe'"

/** Counts the events of a source straight from the database the hubs write. */
async function eventCounter (t: TestContext, engine: 'sqlite' | 'postgres', databaseUrl: string) {
  // The probe is left out: on Redis each probe sent is an entry of its own, so an event of its own.
  const query = "select count(*) as total, count(distinct payload) as distinct_payloads from events where source = $1 and type = 'burst.message'"
  if (engine === 'postgres') {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    client.on('error', () => {})
    t.after(() => client.end())
    return {
      count: async (sourceId: string): Promise<Counts> => {
        const { rows } = await client.query<{ total: string; distinct_payloads: string }>(query, [sourceId])
        return { total: Number(rows[0].total), distinct: Number(rows[0].distinct_payloads) }
      },
      leaseHolder: async (sourceId: string) =>
        (await client.query<{ holder: string }>('select holder from source_leases where source_id = $1', [sourceId])).rows[0]?.holder,
      probes: async (sourceId: string) =>
        Number((await client.query<{ n: string }>(PROBES, [sourceId])).rows[0].n),
    }
  }
  let db: Sqlite.Database | null = null
  t.after(() => db?.close())
  return {
    count: async (sourceId: string): Promise<Counts> => {
      db ??= new Sqlite(databaseUrl.slice('sqlite:'.length), { readonly: true, fileMustExist: true })
      const row = db.prepare(query.replace('$1', '?')).get(sourceId) as { total: number; distinct_payloads: number }
      return { total: row.total, distinct: row.distinct_payloads }
    },
    leaseHolder: async () => undefined,
    probes: async (sourceId: string) => {
      db ??= new Sqlite(databaseUrl.slice('sqlite:'.length), { readonly: true, fileMustExist: true })
      return (db.prepare(PROBES.replace('$1', '?')).get(sourceId) as { n: number }).n
    },
  }
}

async function publishBurst (fixture: BrokerFixture, ratePerS: number, signal: AbortSignal) {
  const chunk = 20
  const started = Date.now()
  for (let i = 0; i < MESSAGES && !signal.aborted; i += chunk) {
    const due = started + (i * 1000) / ratePerS
    if (due > Date.now()) await sleep(due - Date.now())
    await fixture.publish(Array.from({ length: Math.min(chunk, MESSAGES - i) }, (_, k) => ({
      id: `c${i + k}`, type: 'burst.message', body: JSON.stringify({ n: i + k }),
    })))
  }
}

const kinds = await availableBrokers()
const setups: { engine: 'sqlite' | 'postgres'; hubs: number }[] = [
  { engine: 'sqlite', hubs: 1 },
  ...(postgresUrl ? [{ engine: 'postgres' as const, hubs: 2 }] : []),
]
if (!postgresUrl) test.skip('[postgres] broker source crash tests skipped: HOOKHUB_TEST_DATABASE_URL is not set')

for (const { engine, hubs: hubCount } of setups) {
  describe(`[${engine}] broker sources survive SIGKILL of the hub mid-burst (${hubCount} hub process${hubCount > 1 ? 'es' : ''})`, () => {
    for (const kind of kinds) {
      test(`[${kind}] ${MESSAGES} messages, the hub killed after ${KILL_AFTER} are stored: each stored exactly once`, { timeout: 300_000 }, async (t) => {
        const databaseUrl = engine === 'postgres'
          ? await scratchPostgresDatabase(t, 'hh_src_crash')
          : `sqlite:${path.join(tempDir(t), 'hub.db')}`
        const env = childEnv({
          HOOKHUB_DATABASE_URL: databaseUrl,
          HOOKHUB_SECRET_KEY: randomBytes(32).toString('base64'),
          HOOKHUB_ADMIN_TOKEN: TOKEN,
          HOOKHUB_LOG_LEVEL: 'warn',
          HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true',
          HOOKHUB_WORKERS: '1',
          HOOKHUB_LEASE_SECONDS: String(LEASE_SECONDS),
        })
        const hubs: Served[] = []
        for (let i = 0; i < hubCount; i++) hubs.push(await startServe(t, env, START))
        const fixture = await brokerFixture(t, kind)
        const counter = await eventCounter(t, engine, databaseUrl)
        const res = await fetchWithin(`${hubs[0].url}/api/v1/sources`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `crash ${kind}`, kind, url: fixture.url, type_from: 'type' }),
        })
        assert.equal(res.status, 201, await res.clone().text())
        const sourceId = (await res.json() as { id: string }).id
        if (kind === 'mqtt') {
          t.after(async () => {
            // The hubs go first, so that none takes the session back.
            for (const hub of hubs) await hub.stop('SIGKILL')
            await clearMqttSession(sourceId)
          })
        }
        // Consuming before the burst: a probe (always the same id) until it is stored.
        await waitUntil('the source consuming', async () => {
          await fixture.publish([{ id: 'probe', type: 'probe', body: '{"probe":true}' }])
          await sleep(500)
          return (await counter.probes(sourceId)) > 0 || undefined
        }, 60_000)

        const stopPublishing = new AbortController()
        t.after(() => stopPublishing.abort())
        const started = Date.now()
        const publishing = publishBurst(fixture, RATE_PER_S[kind], stopPublishing.signal)
        await waitUntil(`${KILL_AFTER} messages stored`, async () => (await counter.count(sourceId)).total > KILL_AFTER || undefined, 120_000, 20)
        const holder = await counter.leaseHolder(sourceId)
        const victim = Math.max(0, hubs.findIndex((hub) => holder?.includes(`-${hub.pid}-`)))
        const storedAtKill = (await counter.count(sourceId)).total
        await hubs[victim].stop('SIGKILL')
        hubs[victim] = await startServe(t, env, START)
        await publishing
        const publishedAt = Date.now()
        const final = await waitUntil(`all ${MESSAGES} messages stored`, async () => {
          const counts = await counter.count(sourceId)
          return counts.distinct >= MESSAGES ? counts : undefined
        }, 180_000, 100)
        // Anything still to come would be a duplicate: give it time to show.
        await sleep(LEASE_SECONDS * 1000 * 2)
        const settled = await counter.count(sourceId)
        assert.equal(final.distinct, MESSAGES, 'every message stored')
        assert.equal(settled.total, settled.distinct, `no message stored twice (${settled.total - settled.distinct} duplicates)`)
        assert.equal(settled.distinct, MESSAGES)
        reportFigures(t, `broker-source-crash-${kind}-${engine}`, {
          messages: MESSAGES, hubs: hubCount, stored_at_kill: storedAtKill, duplicates: settled.total - settled.distinct,
          publish_s: (publishedAt - started) / 1000, drained_s: (Date.now() - started) / 1000,
        })
      })
    }
  })
}
