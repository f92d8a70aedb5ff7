// Real tier: configuration mistakes stop the executable with exit 1 and ONE line on stderr that
// says what to fix — never a stack trace, never a half-started server.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { childEnv, linesOf, runHookhub, tempDir, type RunResult } from '../helpers/child.ts'

const key = () => randomBytes(32).toString('base64')

interface Case {
  name: string
  /** Returns the environment of the failing start; may prepare files in `dir` first. */
  setup (t: TestContext, dir: string): Promise<Record<string, string>> | Record<string, string>
  /** What the single stderr line must say. */
  says: (dir: string) => RegExp[]
  /** Text that must not appear anywhere in the output. */
  hides?: string[]
  /** Also checked with `migrate` (the key-file cases share serve's code path and are checked once). */
  migrate?: boolean
}

const sqliteIn = (dir: string) => `sqlite:${path.join(dir, 'hub.db')}`
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

const cases: Case[] = [
  {
    name: 'an unsupported database URL (mysql://)',
    migrate: true,
    setup: () => ({ HOOKHUB_DATABASE_URL: 'mysql://x' }),
    says: () => [/HOOKHUB_DATABASE_URL/, /mysql:\/\/x/, /sqlite:/, /postgres:\/\//],
  },
  {
    name: 'an unreachable PostgreSQL server',
    migrate: true,
    setup: () => ({ HOOKHUB_DATABASE_URL: 'postgres://postgres:hunter2secret@127.0.0.1:1/none', HOOKHUB_SECRET_KEY: key() }),
    says: () => [/HOOKHUB_DATABASE_URL/, /127\.0\.0\.1:1/, /cannot (open|connect|reach)|unreachable|ECONNREFUSED/i],
    hides: ['hunter2secret'],
  },
  {
    name: 'a HOOKHUB_SECRET_KEY that is too short',
    migrate: true,
    setup: (_t, dir) => ({ HOOKHUB_DATABASE_URL: sqliteIn(dir), HOOKHUB_SECRET_KEY: 'tooshort' }),
    says: () => [/HOOKHUB_SECRET_KEY/, /32-byte/, /openssl rand/],
    hides: ['tooshort'],
  },
  {
    name: 'PostgreSQL without HOOKHUB_SECRET_KEY',
    migrate: true,
    setup: () => ({ HOOKHUB_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }),
    says: () => [/HOOKHUB_SECRET_KEY/, /required/, /PostgreSQL/],
  },
  {
    name: 'a malformed key file',
    setup: (_t, dir) => {
      fs.writeFileSync(path.join(dir, 'secret.key'), 'this is not a key\n', { mode: 0o600 })
      return { HOOKHUB_DATABASE_URL: sqliteIn(dir) }
    },
    says: (dir) => [new RegExp(escape(path.join(dir, 'secret.key'))), /32-byte|key/],
  },
  {
    name: 'an unreadable key file (a directory: EISDIR)',
    setup: (_t, dir) => {
      fs.mkdirSync(path.join(dir, 'secret.key'))
      return { HOOKHUB_DATABASE_URL: sqliteIn(dir) }
    },
    says: (dir) => [new RegExp(escape(path.join(dir, 'secret.key'))), /EISDIR|cannot read/],
  },
  {
    name: 'a database created with another HOOKHUB_SECRET_KEY',
    migrate: true,
    setup: async (t, dir) => {
      const created = await runHookhub(t, ['migrate'], childEnv({ HOOKHUB_DATABASE_URL: sqliteIn(dir), HOOKHUB_SECRET_KEY: key() }))
      assert.equal(created.code, 0, `setup: ${created.stderr}`)
      return { HOOKHUB_DATABASE_URL: sqliteIn(dir), HOOKHUB_SECRET_KEY: key() }
    },
    says: () => [/HOOKHUB_SECRET_KEY/, /does not match/],
  },
  {
    name: 'a database whose generated key file was replaced by another key',
    setup: async (t, dir) => {
      const created = await runHookhub(t, ['migrate'], childEnv({ HOOKHUB_DATABASE_URL: sqliteIn(dir) }))
      assert.equal(created.code, 0, `setup: ${created.stderr}`)
      fs.writeFileSync(path.join(dir, 'secret.key'), key() + '\n', { mode: 0o600 })
      return { HOOKHUB_DATABASE_URL: sqliteIn(dir) }
    },
    says: () => [/does not match/],
  },
  {
    name: 'a database whose generated key file is missing',
    setup: async (t, dir) => {
      const created = await runHookhub(t, ['migrate'], childEnv({ HOOKHUB_DATABASE_URL: sqliteIn(dir) }))
      assert.equal(created.code, 0, `setup: ${created.stderr}`)
      fs.rmSync(path.join(dir, 'secret.key'))
      return { HOOKHUB_DATABASE_URL: sqliteIn(dir) }
    },
    says: (dir) => [new RegExp(escape(path.join(dir, 'secret.key'))), /missing/, /HOOKHUB_SECRET_KEY/],
  },
  {
    name: 'PORT=abc',
    setup: (_t, dir) => ({ HOOKHUB_DATABASE_URL: sqliteIn(dir), PORT: 'abc' }),
    says: () => [/PORT/, /"abc"/, /0 to 65535|port number/],
  },
]

function assertOneLineFailure (result: RunResult, says: RegExp[], hides: string[] = []) {
  const context = `exit ${result.code} signal ${result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`
  assert.equal(result.listened, false, `the hub must not start:\n${context}`)
  assert.equal(result.timedOut, false, `the command must stop by itself:\n${context}`)
  assert.equal(result.code, 1, `exit code 1:\n${context}`)
  const lines = linesOf(result.stderr)
  assert.equal(lines.length, 1, `exactly one line on stderr:\n${context}`)
  assert.doesNotMatch(result.stderr, /^\s+at |Error:|node:internal/m, `no stack trace:\n${context}`)
  for (const pattern of says) assert.match(lines[0], pattern, `the message says what to fix:\n${context}`)
  for (const secret of hides) {
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), `"${secret}" must not be printed:\n${context}`)
  }
}

for (const command of ['serve', 'migrate']) {
  describe(`hookhub ${command} refuses a bad configuration`, { concurrency: 2 }, () => {
    for (const c of cases.filter((c) => command === 'serve' || c.migrate)) {
      test(c.name, async (t) => {
        const dir = tempDir(t)
        const env = await c.setup(t, dir)
        const result = await runHookhub(t, [command], childEnv(env))
        assertOneLineFailure(result, c.says(dir), c.hides)
      })
    }
  })
}

test('a refused start leaves no key file behind for a database it could not use', async (t) => {
  const dir = tempDir(t)
  const result = await runHookhub(t, ['serve'], childEnv({ HOOKHUB_DATABASE_URL: sqliteIn(dir), PORT: 'abc' }))
  assertOneLineFailure(result, [/PORT/])
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing is created before the configuration is known to be valid')
})
