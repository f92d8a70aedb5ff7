// Runs every test file under test/ with node:test (Node 20's --test does not expand globs).
// Usage: npm test [-- <path filter>...]
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureServerBuilt } from '../scripts/ensure-build.js'

const root = path.dirname(fileURLToPath(import.meta.url))

function findTests (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return name === 'helpers' ? [] : findTests(full)
    return name.endsWith('.test.ts') ? [full] : []
  })
}

const filters = process.argv.slice(2)
const files = findTests(root)
  .map((f) => path.relative(process.cwd(), f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()

// The real-tier tests run the compiled bin/hookhub.js, as users do: compile what changed first.
ensureServerBuilt()

if (!process.env.HOOKHUB_TEST_DATABASE_URL) {
  console.log('PostgreSQL tier skipped: set HOOKHUB_TEST_DATABASE_URL=postgres://… to run it')
}

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files], { stdio: 'inherit' })
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
