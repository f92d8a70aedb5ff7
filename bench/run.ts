// `npm run bench [-- --quick]`: measures hookhub (SQLite) against its physical ceilings on this
// machine in the same run — SINK, RELAY and INGEST (see bench/servers/) — and reports ratios,
// because absolute figures on a shared machine are noise. See issue 9 for the full plan.
import { execSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT, killAll, startChild, type Child } from './lib/children.ts'
import { closedLoop, fixedRate, now, percentile, type LoadFigures } from './lib/load.ts'

const QUICK = process.argv.includes('--quick')
// Every phase is bounded so that a slow hub cannot push a run past its budget (quick < 90 s,
// full < 10 min): a burst that is not all published or delivered in time is reported as such.
const PLAN = QUICK
  ? { loadSeconds: 3, e2eEvents: 5_000, burstMaxS: 20, drainMaxS: 20, latencyRate: 300, latencySeconds: 3, latencyDrainMaxS: 10, lifetimeS: 120 }
  : { loadSeconds: 10, e2eEvents: 50_000, burstMaxS: 150, drainMaxS: 180, latencyRate: 1_000, latencySeconds: 10, latencyDrainMaxS: 30, lifetimeS: 600 }
const CONNECTIONS = 50
const ADMIN_TOKEN = 'hh_bench_admin_token_not_secret'
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` }

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hookhub-bench-'))
const lifetimeMs = PLAN.lifetimeS * 1000
process.on('SIGINT', () => {
  killAll()
  process.exit(130)
})

/** Progress on stderr, so a full run of several minutes shows where it is. */
function step (what: string) {
  process.stderr.write(`[bench] ${what}\n`)
}

type Row = LoadFigures & { peak_rss_mb: number }

interface SinkStats { count: number, first_at: number, last_at: number, latencies_ms: number[] }

async function sinkStats (sink: Child, reset = false): Promise<SinkStats> {
  const res = await fetch(`${sink.url}/stats${reset ? '?reset=1' : ''}`)
  return await res.json() as SinkStats
}

/** Polls SINK until `done(stats)`, for at most `timeoutS`. */
async function waitForSink (sink: Child, done: (stats: SinkStats) => boolean, timeoutS: number): Promise<SinkStats> {
  const deadline = Date.now() + timeoutS * 1000
  for (;;) {
    const stats = await sinkStats(sink)
    if (done(stats) || Date.now() > deadline) return stats
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** hookhub started as `npm start` does, on a fresh SQLite file, with one endpoint at SINK. */
async function startHub (name: string, sink: Child): Promise<Child> {
  const env: Record<string, string> = {}
  // Nothing from the developer's shell (HOOKHUB_*) may change the hub under test.
  for (const key of Object.keys(process.env)) if (key.startsWith('HOOKHUB_')) env[key] = ''
  const hub = await startChild(name, ['bin/hookhub.js', 'serve'], {
    ...env,
    HOOKHUB_DATABASE_URL: `sqlite:${path.join(tmp, `${name}.db`)}`,
    HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true',
    HOOKHUB_LOG_LEVEL: 'warn',
    HOOKHUB_ADMIN_TOKEN: ADMIN_TOKEN,
  }, lifetimeMs)
  const res = await fetch(`${hub.url}/api/v1/endpoints`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${sink.url}/hooks`, filter: { types: ['bench.*'] } }),
  })
  if (res.status !== 201) throw new Error(`creating the endpoint answered ${res.status}: ${await res.text()}`)
  return hub
}

/** Closed-loop load on one server for the plan's duration, with its peak RSS. */
async function load (server: Child, urlPath: string, headers?: Record<string, string>): Promise<Row> {
  const figures = await closedLoop({ url: server.url + urlPath, headers, connections: CONNECTIONS, duration: PLAN.loadSeconds })
  return { ...figures, peak_rss_mb: server.peakRssMb() }
}

async function main () {
  const startedAt = new Date()
  const sink = await startChild('SINK', ['--import', 'tsx', 'bench/servers/sink.ts'], {}, lifetimeMs)

  // 1. baseline: RELAY and INGEST start fresh, so their VmHWM is this scenario's peak; SINK's
  // is read right after its own load, before it serves as the receiver of later scenarios.
  const baseline: Record<string, Row> = {}
  step(`baseline: SINK, RELAY, INGEST, ${PLAN.loadSeconds} s each`)
  baseline.sink = await load(sink, '/baseline')
  await sinkStats(sink, true)
  const relay = await startChild('RELAY', ['--import', 'tsx', 'bench/servers/relay.ts'], { SINK_URL: sink.url, RELAY_CONNECTIONS: String(CONNECTIONS) }, lifetimeMs)
  baseline.relay = await load(relay, '/relay')
  await relay.stop()
  const ingest = await startChild('INGEST', ['--import', 'tsx', 'bench/servers/ingest.ts'], { INGEST_DB_FILE: path.join(tmp, 'ingest.db') }, lifetimeMs)
  baseline.ingest = await load(ingest, '/events')
  await ingest.stop()
  await sinkStats(sink, true)

  // 2. ingest: acknowledged events/s. The hub's worker delivers to SINK meanwhile, as in production.
  step(`ingest: hookhub POST /api/v1/events, ${PLAN.loadSeconds} s`)
  const ingestHub = await startHub('hookhub-ingest', sink)
  const hubIngest = await load(ingestHub, '/api/v1/events', AUTH)
  await ingestHub.stop()
  await sinkStats(sink, true)

  // 3. end-to-end, on a fresh hub: a burst published as fast as accepted, then drained to SINK …
  step(`end-to-end: ${PLAN.e2eEvents} events, then ${PLAN.latencyRate}/s for ${PLAN.latencySeconds} s`)
  const e2eHub = await startHub('hookhub-e2e', sink)
  const burstStart = now()
  const publish = await closedLoop({ url: `${e2eHub.url}/api/v1/events`, headers: AUTH, connections: CONNECTIONS, amount: PLAN.e2eEvents, maxSeconds: PLAN.burstMaxS })
  const drained = await waitForSink(sink, (stats) => stats.count >= publish.requests, PLAN.drainMaxS)
  const drainSeconds = (drained.last_at - burstStart) / 1000
  const burst = {
    events: PLAN.e2eEvents,
    accepted: publish.requests,
    delivered: drained.count,
    published_all: publish.requests >= PLAN.e2eEvents,
    delivered_all: drained.count >= publish.requests,
    publish,
    deliveries_per_s: Math.round(drained.count / drainSeconds),
    seconds_to_last_delivery: Math.round(drainSeconds * 100) / 100,
  }
  await sinkStats(sink, true)
  // … then publish → SINK receipt latency at a fixed rate. Only the paced events carry a send
  // time, so a backlog left by the burst delays them but is not counted as theirs.
  const paced = await fixedRate({ url: `${e2eHub.url}/api/v1/events`, headers: AUTH, rate: PLAN.latencyRate, seconds: PLAN.latencySeconds })
  const received = await waitForSink(sink, (stats) => stats.latencies_ms.length >= paced.accepted, PLAN.latencyDrainMaxS)
  const latency = {
    rate_per_s: PLAN.latencyRate,
    seconds: PLAN.latencySeconds,
    ...paced,
    delivered: received.latencies_ms.length,
    behind_burst_backlog: !burst.delivered_all,
    // Events not received within the wait count as slower than any received one (null: beyond
    // the wait), so a hub that falls behind cannot look fast by what it did deliver.
    p50_ms: latencyPercentile(received.latencies_ms, paced.accepted, 50),
    p90_ms: latencyPercentile(received.latencies_ms, paced.accepted, 90),
    p99_ms: latencyPercentile(received.latencies_ms, paced.accepted, 99),
    max_ms: latencyPercentile(received.latencies_ms, paced.accepted, 100),
  }
  const e2ePeakRss = e2eHub.peakRssMb()
  await e2eHub.stop()
  await sink.stop()

  const ratios = {
    'INGEST/SINK': ratio(baseline.ingest.per_s, baseline.sink.per_s),
    'RELAY/SINK': ratio(baseline.relay.per_s, baseline.sink.per_s),
    'ingest/INGEST': ratio(hubIngest.per_s, baseline.ingest.per_s),
    'ingest/SINK': ratio(hubIngest.per_s, baseline.sink.per_s),
    'e2e/RELAY': ratio(burst.deliveries_per_s, baseline.relay.per_s),
    'e2e/SINK': ratio(burst.deliveries_per_s, baseline.sink.per_s),
  }
  const peakRss = Math.max(hubIngest.peak_rss_mb, e2ePeakRss)
  // Issue 9's targets, for reading the figures; a quick run's latency rate is below the target's 1,000/s.
  const targets = {
    'ingest/INGEST >= 0.80': ratios['ingest/INGEST'] >= 0.8,
    'ingest p99 <= 20 ms': hubIngest.p99_ms <= 20,
    'e2e/RELAY >= 0.70': ratios['e2e/RELAY'] >= 0.7,
    'publish→delivery p50 <= 5 ms': latency.p50_ms !== null && latency.p50_ms <= 5,
    'publish→delivery p99 <= 50 ms': latency.p99_ms !== null && latency.p99_ms <= 50,
    'hookhub peak RSS <= 200 MB': peakRss <= 200,
  }

  const results = {
    engine: 'sqlite',
    mode: QUICK ? 'quick' : 'full',
    command: `npm run bench${QUICK ? ' -- --quick' : ''}`,
    started_at: startedAt.toISOString(),
    seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model,
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    commit: gitCommit(),
    plan: { ...PLAN, connections: CONNECTIONS },
    baseline,
    ingest: hubIngest,
    e2e: { burst, latency, peak_rss_mb: e2ePeakRss },
    ratios,
    targets,
  }

  printTable(results.baseline, hubIngest, burst, latency, e2ePeakRss, ratios, targets)
  const file = path.join(ROOT, 'bench', 'results', `${startedAt.toISOString().slice(0, 10)}-sqlite${QUICK ? '-quick' : ''}.json`)
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
  console.log(`\n${results.mode} run, ${results.seconds} s, ${results.machine.cpus} CPUs, Node ${process.version}; written to ${path.relative(ROOT, file)}`)
}

function round (value: number, digits = 2) {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

function latencyPercentile (received: number[], accepted: number, p: number): number | null {
  const missing = Math.max(0, accepted - received.length)
  const value = percentile([...received, ...Array<number>(missing).fill(Infinity)], p)
  return Number.isFinite(value) ? round(value) : null
}

function ratio (a: number, b: number) {
  return round(a / b, 3)
}

function gitCommit (): string | undefined {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    return undefined
  }
}

function printTable (
  baseline: Record<string, Row>, ingest: Row,
  burst: { events: number, deliveries_per_s: number, accepted: number, delivered: number, delivered_all: boolean, publish: LoadFigures },
  latency: { rate_per_s: number, accepted: number, delivered: number, p50_ms: number | null, p90_ms: number | null, p99_ms: number | null },
  e2ePeakRss: number, ratios: Record<string, number>, targets: Record<string, boolean>,
) {
  const rows: string[][] = [['scenario', 'rate', 'p50 ms', 'p90 ms', 'p99 ms', 'peak RSS MB', 'non-2xx/errors']]
  const add = (name: string, row: LoadFigures, unit: string, rss: number | string) =>
    rows.push([name, `${row.per_s} ${unit}`, fmt(row.p50_ms), fmt(row.p90_ms), fmt(row.p99_ms), String(rss), `${row.non_2xx}/${row.errors}`])
  add('baseline SINK', baseline.sink, 'req/s', baseline.sink.peak_rss_mb)
  add('baseline RELAY', baseline.relay, 'req/s', baseline.relay.peak_rss_mb)
  add('baseline INGEST', baseline.ingest, 'req/s', baseline.ingest.peak_rss_mb)
  add('ingest POST /api/v1/events', ingest, 'ev/s', ingest.peak_rss_mb)
  add(`e2e publish burst (${burst.accepted}/${burst.events})`, burst.publish, 'ev/s', '')
  rows.push([`e2e deliveries (${burst.delivered}/${burst.accepted}${burst.delivered_all ? '' : ' INCOMPLETE'})`, `${burst.deliveries_per_s} dlv/s`, '', '', '', String(e2ePeakRss), ''])
  rows.push([`e2e publish→receipt @${latency.rate_per_s}/s (${latency.delivered}/${latency.accepted})`, '', fmt(latency.p50_ms), fmt(latency.p90_ms), fmt(latency.p99_ms), '', ''])
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, j) => j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j])).join('  '))
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  }
  console.log('\nratios: ' + Object.entries(ratios).map(([k, v]) => `${k} ${v}`).join(', '))
  console.log('targets (issue 9): ' + Object.entries(targets).map(([k, v]) => `${k} ${v ? 'met' : 'NOT met'}`).join('; '))
}

/** Milliseconds for the table; null is a latency beyond the bounded wait. */
function fmt (ms: number | null) {
  return ms === null ? 'not recv' : String(round(ms, 1))
}

try {
  await main()
} finally {
  killAll()
  fs.rmSync(tmp, { recursive: true, force: true })
}
