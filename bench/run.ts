// `npm run bench [-- --quick] [-- --pg postgres://…/db]`: measures hookhub against its physical
// ceilings on this machine in the same run — SINK, RELAY, INGEST and INGEST_FASTIFY (see bench/servers/) — and
// reports ratios, because absolute figures on a shared machine are noise. Scenarios (issue 9)
// are in bench/lib/scenarios/; the engine (SQLite file, or PostgreSQL with separate workers) in
// bench/lib/engines.ts, so both engines run the same scenarios.
import { execSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ensureServerBuilt } from '../scripts/ensure-build.js'
import { ROOT, killAll, startChild } from './lib/children.ts'
import { postgresEngine, sqliteEngine, type Engine } from './lib/engines.ts'
import { Budget, planFor, type Bench } from './lib/plan.ts'
import { ingestThenRelay, printTable, ratios, targets, type Figures } from './lib/report.ts'
import { baseline } from './lib/scenarios/baseline.ts'
import { endToEnd } from './lib/scenarios/e2e.ts'
import { fanout } from './lib/scenarios/fanout.ts'
import { filters } from './lib/scenarios/filters.ts'
import { footprint } from './lib/scenarios/footprint.ts'
import { ingest } from './lib/scenarios/ingest.ts'
import { noisyNeighbour } from './lib/scenarios/noisy.ts'
import { transformScenario } from './lib/scenarios/transform.ts'

const QUICK = process.argv.includes('--quick')
// The hubs run compiled code, exactly as npm start does.
ensureServerBuilt()
const PG_URL = pgUrl(process.argv.slice(2))
const PLAN = planFor(QUICK, PG_URL ? 'postgres' : 'sqlite')
const CONNECTIONS = 50

const engine = PG_URL ? await postgresEngine(PG_URL) : sqliteEngine(fs.mkdtempSync(path.join(os.tmpdir(), 'hookhub-bench-')))
process.on('SIGINT', () => {
  killAll()
  // Bounded: a database server that does not answer must not keep Ctrl-C from working.
  setTimeout(() => process.exit(130), 5_000).unref()
  void engine.close().finally(() => process.exit(130))
})

/** `--pg <url>` or `--pg=<url>`; undefined for SQLite. A bare `--pg` is a usage error. */
function pgUrl (args: string[]): string | undefined {
  const i = args.findIndex((a) => a === '--pg' || a.startsWith('--pg='))
  if (i < 0) return undefined
  const url = args[i].startsWith('--pg=') ? args[i].slice('--pg='.length) : args[i + 1]
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    console.error('usage: npm run bench -- [--quick] [--pg postgres://user@127.0.0.1:5432/db]')
    process.exit(2)
  }
  return url
}

async function main (engine: Engine) {
  const startedAt = new Date()
  const budget = new Budget(PLAN.budgetS)
  const lifetimeMs = PLAN.lifetimeS * 1000
  const sink = await startChild('SINK', ['--import', 'tsx', 'bench/servers/sink.ts'], {}, lifetimeMs)
  const bench: Bench = { plan: PLAN, budget, engine, sink, lifetimeMs, connections: CONNECTIONS }

  // In this order: end-to-end comes before noisy neighbour, whose p99 is compared with it, and
  // footprint, the longest, last, so that a slow hub cuts it short rather than the others.
  const figures: Figures = {
    engine: engine.name,
    baseline: await baseline(bench),
    ingest: await ingest(bench),
    e2e: await endToEnd(bench),
    fanout: await fanout(bench),
    filters: await filters(bench),
    noisy: await noisyNeighbour(bench),
    transform: await transformScenario(bench),
    footprint: await footprint(bench),
  }
  await sink.stop()

  const r = ratios(figures)
  const t = targets(figures, r)
  const { engine: engineName, ...scenarios } = figures
  const results = {
    engine: engineName,
    topology: engine.topology,
    mode: QUICK ? 'quick' : 'full',
    command: `npm run bench${QUICK || PG_URL ? ' --' : ''}${QUICK ? ' --quick' : ''}${PG_URL ? ` --pg ${PG_URL}` : ''}`,
    started_at: startedAt.toISOString(),
    seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model,
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      load_average: os.loadavg().map((l) => Math.round(l * 100) / 100),
    },
    commit: gitCommit(),
    plan: { ...PLAN, connections: CONNECTIONS },
    ...scenarios,
    summary: {
      ingest_then_relay_per_s: ingestThenRelay(figures.baseline),
      fanout_deliveries_per_s: figures.fanout.deliveries_per_s,
      filtered_publish_ratio: r['payload filters/type-only filters'],
      e2e_p99_ms: figures.e2e.latency.p99_ms,
      noisy_p99_ms: figures.noisy.p99_ms,
      noisy_control_p99_ms: figures.noisy.without_neighbour.p99_ms,
      footprint_rss_mb: figures.footprint.rss_mb,
      footprint_rss_growth: figures.footprint.rss_growth,
      bytes_per_event: figures.footprint.bytes_per_event,
      transform_deliveries_ratio: figures.transform.ratio,
    },
    ratios: r,
    targets: t,
  }

  printTable(figures, r, t)
  const file = path.join(ROOT, 'bench', 'results', `${startedAt.toISOString().slice(0, 10)}-${engine.name}${QUICK ? '-quick' : ''}.json`)
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
  console.log(`\n${results.mode} run on ${engine.name}, ${results.seconds} s, ${results.machine.cpus} CPUs, load ${results.machine.load_average.join(' ')}, Node ${process.version}; written to ${path.relative(ROOT, file)}`)
}

function gitCommit (): string | undefined {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {
    return undefined
  }
}

try {
  await main(engine)
} finally {
  killAll()
  // The databases (PostgreSQL) or files (SQLite) this run created.
  await engine.close()
}
