// Shared by the CLI tests: a served hub on either engine and assertions on command results.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import type { TestContext } from 'node:test'
import type { Engine } from '../../src/storage/database.ts'
import { childEnv, linesOf, runHookhub, startServe, tempDir, WAIT_MS, type RunResult, type Served } from '../helpers/child.ts'
import { scratchPostgresDatabase } from '../helpers/engines.ts'

export const ADMIN_TOKEN = 'hh_cli_test_admin_token_0123456789'

export const show = (r: RunResult) => `exit ${r.code} signal ${r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`

export function assertOk (r: RunResult) {
  assert.equal(r.code, 0, show(r))
  assert.equal(r.listened, false, show(r))
  assert.equal(r.timedOut, false, show(r))
}

/** Exit `code`, nothing on stdout unless allowed, and exactly one line on stderr matching `says`. */
export function assertFails (r: RunResult, code: number, says: RegExp, { oneLine = true } = {}) {
  assert.equal(r.listened, false, `must not start a server:\n${show(r)}`)
  assert.equal(r.timedOut, false, show(r))
  assert.equal(r.code, code, `exit code ${code}:\n${show(r)}`)
  assert.doesNotMatch(r.stderr, /^\s+at |node:internal/m, `no stack trace:\n${show(r)}`)
  if (oneLine) assert.equal(linesOf(r.stderr).length, 1, `one line on stderr:\n${show(r)}`)
  assert.match(r.stderr.trim(), says, `stderr names the problem:\n${show(r)}`)
}


/**
 * A fresh, empty database for child processes: a file in a temporary folder, or a new
 * PostgreSQL database (children cannot be given a schema) dropped when the test ends.
 */
export async function freshDatabaseUrl (t: TestContext, engine: Engine): Promise<{ url: string; env: Record<string, string> }> {
  if (engine === 'sqlite') return { url: `sqlite:${path.join(tempDir(t, 'hookhub-cli-'), 'hub.db')}`, env: {} }
  return { url: await scratchPostgresDatabase(t, 'hh_cli'), env: { HOOKHUB_SECRET_KEY: randomBytes(32).toString('base64') } }
}

export interface CliHub extends Served {
  /** The environment of a CLI call against this hub (HOOKHUB_URL, HOOKHUB_TOKEN as admin). */
  cliEnv: NodeJS.ProcessEnv
  databaseUrl: string
  /** Runs `hookhub <args>` against this hub; `extra` adds or removes (undefined) variables. */
  run (args: string[], extra?: Record<string, string | undefined>): Promise<RunResult>
  /** Runs a command that must succeed and prints JSON; returns it parsed. */
  json<T> (args: string[]): Promise<T>
}

/** `hookhub serve` on a fresh database of `engine`, delivering quickly to local receivers. */
export async function serveHub (t: TestContext, engine: Engine, env: Record<string, string> = {}): Promise<CliHub> {
  const database = await freshDatabaseUrl(t, engine)
  const served = await startServe(t, childEnv({
    HOOKHUB_DATABASE_URL: database.url,
    HOOKHUB_ADMIN_TOKEN: ADMIN_TOKEN,
    HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true',
    HOOKHUB_LOG_LEVEL: 'warn',
    ...database.env,
    ...env,
  }), { timeoutMs: WAIT_MS })
  const cliEnv = childEnv({ HOOKHUB_URL: served.url, HOOKHUB_TOKEN: ADMIN_TOKEN, ...database.env })
  const run = (args: string[], extra: Record<string, string | undefined> = {}) => {
    const merged: NodeJS.ProcessEnv = { ...cliEnv }
    for (const [name, value] of Object.entries(extra)) {
      if (value === undefined) delete merged[name]
      else merged[name] = value
    }
    return runHookhub(t, args, merged, { timeoutMs: WAIT_MS })
  }
  return {
    ...served,
    cliEnv,
    databaseUrl: database.url,
    run,
    async json<T> (args: string[]) {
      const r = await run([...args, '--json'])
      assertOk(r)
      assert.equal(linesOf(r.stdout).length, 1, `--json prints one line:\n${show(r)}`)
      return JSON.parse(r.stdout) as T
    },
  }
}
