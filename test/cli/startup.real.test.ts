// The CLI runs compiled JavaScript, so it answers at once: `hookhub --version` costs at most
// 0.2 s more than starting Node itself. Both run in the same test, interleaved, and what counts
// is the CPU time each process used (the fewest of several tries): on a machine busy with other
// tests, waiting for a core stretches the wall time of both without being work of either.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { BIN, ROOT } from '../helpers/child.ts'
import { VERSION } from '../../src/version.ts'

const TRIES = 7

// Printed by the child as it exits: the CPU time (user + system) it used, in microseconds.
const REPORT_CPU = 'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write(`cpu=${u.user+u.system}\\n`)})'

function timed (args: string[]): { ms: number; stdout: string; status: number | null } {
  const result = spawnSync(process.execPath, ['--import', REPORT_CPU, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 })
  const cpu = /cpu=(\d+)/.exec(result.stderr)
  assert.ok(cpu, `no CPU report from node ${args.join(' ')}: ${result.stderr}`)
  return { ms: Number(cpu[1]) / 1000, stdout: result.stdout, status: result.status }
}

test('hookhub --version answers within 0.2 s of a bare node start', () => {
  let node = Infinity
  let cli = Infinity
  for (let i = 0; i < TRIES; i++) {
    node = Math.min(node, timed(['-e', '0']).ms)
    const run = timed([BIN, '--version'])
    assert.equal(run.status, 0)
    assert.equal(run.stdout.trim(), VERSION)
    cli = Math.min(cli, run.ms)
  }
  assert.ok(cli - node < 200, `hookhub --version used ${cli.toFixed(0)} ms of CPU, node -e 0 ${node.toFixed(0)} ms`)
})

test('hookhub --help piped into a reader that stops after one line exits quietly', () => {
  const result = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" --help | head -1`], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 })
  assert.equal(result.status, 0)
  assert.match(result.stdout, /^Usage: hookhub/)
  assert.equal(result.stderr, '')
})
