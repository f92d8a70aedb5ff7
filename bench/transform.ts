// The transform scenario of `npm run bench` alone (bench/lib/scenarios/transform.ts): a burst
// delivered without a transform, then through a small one, on SQLite; prints both rates and
// their ratio (issue 18's target: at least 0.5). About a minute with --quick.
// Usage: node --import tsx bench/transform.ts [--quick]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ensureServerBuilt } from '../scripts/ensure-build.js'
import { killAll, startChild } from './lib/children.ts'
import { sqliteEngine } from './lib/engines.ts'
import { Budget, planFor, type Bench } from './lib/plan.ts'
import { transformScenario } from './lib/scenarios/transform.ts'

const QUICK = process.argv.includes('--quick')
ensureServerBuilt()
const plan = planFor(QUICK, 'sqlite')
const engine = sqliteEngine(fs.mkdtempSync(path.join(os.tmpdir(), 'hookhub-bench-')))
const lifetimeMs = 2 * (plan.transformMaxS + 60) * 1000
try {
  const sink = await startChild('SINK', ['--import', 'tsx', 'bench/servers/sink.ts'], {}, lifetimeMs)
  const bench: Bench = { plan, budget: new Budget(2 * (plan.transformMaxS + 30)), engine, sink, lifetimeMs, connections: 50 }
  const result = await transformScenario(bench)
  await sink.stop()
  console.log(JSON.stringify(result, null, 2))
  console.log(`\ntransform/plain deliveries ${result.ratio ?? 'n/a'} (target >= 0.5)${result.complete ? '' : ' INCOMPLETE'}; ` +
    `${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
} finally {
  killAll()
  await engine.close()
}
