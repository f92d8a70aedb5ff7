// Real tier: the hookhub commands, run as an operator runs them.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { promisify } from 'node:util'
import { BIN, childEnv, fetchWithin, linesOf, ROOT, runHookhub, startServe, tempDir, WAIT_MS } from '../helpers/child.ts'
import { assertFails, assertOk, show } from './support.ts'

const execFileAsync = promisify(execFile)
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

const sqliteEnv = (dir: string) => childEnv({ HOOKHUB_DATABASE_URL: `sqlite:${path.join(dir, 'hub.db')}` })
const basic = (name: string, token: string) => `Basic ${Buffer.from(`${name}:${token}`).toString('base64')}`

test('migrate applies the migrations of a fresh database, then reports it up to date', async (t) => {
  const dir = tempDir(t)
  const env = sqliteEnv(dir)
  const first = await runHookhub(t, ['migrate'], env)
  assertOk(first)
  assert.match(first.stdout, /applied migrations: .*0001-foundation/)
  assert.equal(first.stderr, '')
  assert.ok(fs.existsSync(path.join(dir, 'hub.db')), 'the database file is created')
  assert.equal(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777, 0o600, 'the key is generated next to it, mode 0600')

  const second = await runHookhub(t, ['migrate'], env)
  assertOk(second)
  assert.match(second.stdout, /up to date/)
  assert.doesNotMatch(second.stdout, /applied migrations/)

  // --database-url mirrors HOOKHUB_DATABASE_URL.
  const other = path.join(dir, 'other')
  const viaFlag = await runHookhub(t, ['migrate', '--database-url', `sqlite:${path.join(other, 'hub.db')}`], childEnv())
  assertOk(viaFlag)
  assert.match(viaFlag.stdout, /applied migrations: .*0001-foundation/)
  assert.ok(fs.existsSync(path.join(other, 'hub.db')) && fs.existsSync(path.join(other, 'secret.key')))
})

test('user create and token create print tokens that work against a served hub (Bearer and Basic name:token)', async (t) => {
  const dir = tempDir(t)
  const env = sqliteEnv(dir)

  const text = await runHookhub(t, ['user', 'create', '--email', 'ops@example.com', '--name', 'ops', '--permissions', 'integrations.view,integrations.create.own'], env)
  assertOk(text)
  const opsToken = /token \(shown once\): (hh_\S+)/.exec(text.stdout)?.[1]
  assert.ok(opsToken, show(text))
  assert.match(text.stdout, /integrations\.view, integrations\.create\.own/)

  // The database exists now: a second user is created while the hub starts on it.
  const [json, hub] = await Promise.all([
    runHookhub(t, ['user', 'create', '--email', 'viewer@example.com', '--name', 'viewer', '--permissions', 'integrations.view', '--json'], env),
    startServe(t, env),
  ])
  assertOk(json)
  assert.equal(linesOf(json.stdout).length, 1, `--json prints one JSON object:\n${show(json)}`)
  const viewer = JSON.parse(json.stdout) as { id: number; email: string; name: string; permissions: string[]; token: string }
  assert.equal(typeof viewer.id, 'number')
  assert.equal(viewer.email, 'viewer@example.com')
  assert.equal(viewer.name, 'viewer')
  assert.deepEqual(viewer.permissions, ['integrations.view'])
  assert.match(viewer.token, /^hh_/)

  const list = (authorization: string) =>
    fetchWithin(`${hub.url}/api/v1/integrations`, { headers: { authorization, accept: 'application/json' } })

  assert.equal((await list(`Bearer ${opsToken}`)).status, 200, 'Bearer <token>')
  assert.equal((await list(basic('ops', opsToken!))).status, 200, 'Basic ops:<token>')
  assert.equal((await list(basic('viewer', opsToken!))).status, 401, 'control: Basic with another user name is refused')
  assert.equal((await list('Bearer hh_not_a_real_token_0000000000000000')).status, 401, 'control: an unknown token is refused')
  assert.equal((await list(`Bearer ${viewer.token}`)).status, 200, 'the --json token works')
  assert.equal((await list(basic('viewer', viewer.token))).status, 200)

  // token create, by name (text) and by id (--json), while the hub runs.
  const [byName, byId] = await Promise.all([
    runHookhub(t, ['token', 'create', '--user', 'ops'], env),
    runHookhub(t, ['token', 'create', '--user', String(viewer.id), '--json'], env),
  ])
  assertOk(byName)
  const second = /shown once: (hh_\S+)/.exec(byName.stdout)?.[1]
  assert.ok(second, show(byName))
  assert.notEqual(second, opsToken)
  assert.equal((await list(`Bearer ${second}`)).status, 200)
  assert.equal((await list(basic('ops', second!))).status, 200)

  assertOk(byId)
  const issued = JSON.parse(byId.stdout) as { id: number; user_id: number; token: string; created_at: string }
  assert.equal(issued.user_id, viewer.id)
  assert.ok(Date.parse(issued.created_at) > 0, 'the same fields as the API answer, plus user_id')
  assert.equal((await list(`Bearer ${issued.token}`)).status, 200)

  // The permissions given on the command line are the ones the hub enforces.
  const create = await fetchWithin(`${hub.url}/api/v1/integrations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${viewer.token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ name: 'x', type: 'api' }),
  })
  assert.equal(create.status, 403, 'integrations.view alone does not allow creating')
  assert.deepEqual(await create.json(), { message: 'Forbidden' })

  assert.deepEqual(await hub.stop(), { code: 0, signal: null })
})

test('user create refuses an unknown permission (exit 1, one line naming it) and creates nobody', async (t) => {
  const dir = tempDir(t)
  const env = sqliteEnv(dir)
  const bad = await runHookhub(t, ['user', 'create', '--email', 'a@b.c', '--name', 'ops', '--permissions', 'integrations.view,planets.view'], env)
  assert.equal(bad.code, 1, show(bad))
  assert.equal(linesOf(bad.stderr).length, 1, `one line on stderr:\n${show(bad)}`)
  assert.equal(bad.stdout, '')
  const token = await runHookhub(t, ['token', 'create', '--user', 'ops'], env)
  assertFails(token, 1, /user "ops" not found/)
  assertFails(bad, 1, /planets\.view/)
})

test('user create refuses a duplicate name and a malformed e-mail (exit 1, one line naming the field)', async (t) => {
  const dir = tempDir(t)
  const env = sqliteEnv(dir)
  assertOk(await runHookhub(t, ['user', 'create', '--email', 'a@b.c', '--name', 'ops'], env))
  const duplicate = await runHookhub(t, ['user', 'create', '--email', 'b@b.c', '--name', 'ops'], env)
  assertFails(duplicate, 1, /"ops"/)
  assert.equal(linesOf(duplicate.stderr).length, 1, show(duplicate))

  const badEmail = await runHookhub(t, ['user', 'create', '--email', 'not-an-email', '--name', 'mail'], env)
  assert.equal(badEmail.code, 1, show(badEmail))
  assert.equal(linesOf(badEmail.stderr).length, 1, show(badEmail))
  assertFails(badEmail, 1, /e-?mail/i)
})

test('token create (on the database) for a user that does not exist exits 1 with one line', async (t) => {
  const dir = tempDir(t)
  const env = sqliteEnv(dir)
  assertOk(await runHookhub(t, ['migrate'], env))
  for (const user of ['nobody', '999']) {
    const r = await runHookhub(t, ['token', 'create', '--user', user], env)
    assertFails(r, 1, new RegExp(`^hookhub: user "${user}" not found`))
    assert.equal(linesOf(r.stderr).length, 1, show(r))
    assert.equal(r.stdout, '')
  }
})

describe('an unknown command or flag is a usage error (exit 2) naming it, and starts nothing', { concurrency: 2 }, () => {
  const calls: [string[], RegExp][] = [
    [['frobnicate'], /frobnicate/],
    [['--frob'], /--frob/],
    [['migrate', '--frob'], /--frob/],
    [['serve', '--frob'], /--frob/],
    [['user', 'frob'], /frob/],
    [['token', 'create', '--user', 'ops', '--frob'], /--frob/],
  ]
  for (const [args, says] of calls) {
    test(`hookhub ${args.join(' ')}`, async (t) => {
      const dir = tempDir(t)
      const r = await runHookhub(t, args, sqliteEnv(dir))
      assertFails(r, 2, says, { oneLine: false })
      assert.deepEqual(fs.readdirSync(dir), [], 'a usage error touches no database')
    })
  }
})

describe('--help on every command exits 0 and shows an example', { concurrency: 2 }, () => {
  const commands = [
    [], ['serve'], ['worker'], ['migrate'], ['doctor'],
    ['user'], ['user', 'create'], ['user', 'list'], ['user', 'delete'],
    ['token'], ['token', 'create'], ['token', 'revoke'],
    ['endpoint'], ['endpoint', 'add'], ['endpoint', 'list'], ['endpoint', 'pause'], ['endpoint', 'resume'], ['endpoint', 'rotate-secret'],
    ['source'], ['source', 'add'], ['source', 'list'],
    ['tenant'], ['tenant', 'create'], ['tenant', 'list'], ['tenant', 'delete'], ['tenant', 'portal'],
    ['event-type'], ['event-type', 'add'], ['event-type', 'list'], ['event-type', 'delete'],
    ['send'], ['deliveries'], ['retry'], ['recover'],
  ]
  for (const command of commands) {
    const name = ['hookhub', ...command].join(' ')
    test(`${name} --help`, async (t) => {
      const r = await runHookhub(t, [...command, '--help'], childEnv())
      assert.equal(r.code, 0, show(r))
      assert.equal(r.listened, false)
      assert.match(r.stdout, new RegExp(`^Usage: ${name}(\\|[a-z-]+)? `, 'm'), `${name} --help shows its usage`)
      assert.match(r.stdout, /Example/, `${name} --help shows an example:\n${r.stdout}`)
      assert.match(r.stdout, /^\s+(\S+=\S+\s+)*hookhub \S/m, `${name} --help shows a hookhub command line:\n${r.stdout}`)
    })
  }
})

test('--version prints the version of package.json', async (t) => {
  for (const flag of ['--version', '-V']) {
    const r = await runHookhub(t, [flag], childEnv())
    assertOk(r)
    assert.equal(r.stdout.trim(), VERSION)
  }
})

test('the hookhub bin is executable, and node_modules/.bin/hookhub runs it', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  assert.equal(path.resolve(ROOT, pkg.bin.hookhub), BIN)
  assert.ok((fs.statSync(BIN).mode & 0o111) !== 0, `${BIN} has an execute bit`)
  assert.match(fs.readFileSync(BIN, 'utf8'), /^#!\/usr\/bin\/env node\n/)

  const direct = await execFileAsync(BIN, ['--version'], { cwd: ROOT, timeout: WAIT_MS, env: childEnv() })
  assert.equal(direct.stdout.trim(), VERSION, 'the bin file runs by itself (shebang and mode)')

  const linked = path.join(ROOT, 'node_modules', '.bin', 'hookhub')
  assert.ok(fs.existsSync(linked), `${linked} exists after npm install`)
  const viaLink = await execFileAsync(linked, ['--version'], { cwd: ROOT, timeout: WAIT_MS, env: childEnv() })
  assert.equal(viaLink.stdout.trim(), VERSION)
})
