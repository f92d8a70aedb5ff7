// `hookhub backup FILE`: an online copy of the SQLite database taken while the hub writes to
// it, which opens as a sound database (integrity_check ok) holding a consistent snapshot.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import SQLite from 'better-sqlite3'
import { childEnv, fetchWithin, runHookhub, startServe, tempDir } from '../helpers/child.ts'
import { assertFails, assertOk, show } from './support.ts'

const ADMIN = 'hh_backup_admin_token_0123456789abcdef'

test('backup of a hub under write load: a sound copy, every event with its deliveries, 0600; an existing file needs --force', async (t) => {
  const dir = tempDir(t)
  const database = path.join(dir, 'hub.db')
  const env = childEnv({ HOOKHUB_DATABASE_URL: `sqlite:${database}`, HOOKHUB_ADMIN_TOKEN: ADMIN, HOOKHUB_WORKERS: '0' })
  const hub = await startServe(t, env)
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }
  for (let i = 0; i < 3; i++) {
    const res = await fetchWithin(`${hub.url}/api/v1/endpoints`, { method: 'POST', headers, body: JSON.stringify({ url: `https://receiver.example.com/${i}` }) })
    assert.equal(res.status, 201, await res.text())
  }
  // Publishing goes on, from two loops, until the backup is done.
  let writing = true
  let published = 0
  const publish = async () => {
    while (writing) {
      const res = await fetchWithin(`${hub.url}/api/v1/events`, { method: 'POST', headers, body: JSON.stringify({ type: 'load.test', payload: { n: published, pad: 'x'.repeat(2000) } }) })
      assert.equal(res.status, 202, await res.text())
      published++
    }
  }
  const loops = [publish(), publish()]
  while (published < 300) await new Promise((resolve) => setTimeout(resolve, 20))

  const file = path.join(dir, 'backups', 'copy.db')
  const taken = await runHookhub(t, ['backup', file], env)
  const during = published
  writing = false
  await Promise.all(loops)
  assertOk(taken)
  assert.match(taken.stdout, /^backed up sqlite:.* to .*copy\.db: \d+ pages/m, show(taken))
  assert.match(taken.stdout, /secret key is not in the backup/)
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the copy is readable by its owner only, like the database')
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['copy.db'], 'one file: no partial copy, no -wal beside it')

  const copy = new SQLite(file, { readonly: true })
  t.after(() => copy.close())
  assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok')
  assert.deepEqual(copy.pragma('foreign_key_check'), [])
  const events = (copy.prepare('select count(*) as n from events').get() as { n: number }).n
  const deliveries = (copy.prepare('select count(*) as n from deliveries').get() as { n: number }).n
  assert.ok(events >= 300 && events <= published, `${events} events in the copy: at least those stored before it began (300), at most all (${published}; ${during} when it ended)`)
  // A snapshot: each event was stored with its three deliveries in one transaction.
  assert.equal(deliveries, events * 3)
  assert.equal((copy.prepare('select count(*) as n from endpoints').get() as { n: number }).n, 3)

  // The hub kept running and answering meanwhile.
  assert.equal((await fetchWithin(`${hub.url}/readyz`)).status, 200)

  assertFails(await runHookhub(t, ['backup', file], env), 1, /copy\.db exists; choose another file or pass --force to replace it$/)
  assert.equal(fs.statSync(file).size > 0, true)
  const forced = await runHookhub(t, ['backup', file, '--force'], env)
  assertOk(forced)
  const again = new SQLite(file, { readonly: true })
  t.after(() => again.close())
  assert.equal((again.prepare('select count(*) as n from events').get() as { n: number }).n, published, 'the replacement holds every event')
})

test('backup refuses PostgreSQL (pointing to pg_dump), an in-memory database and the database file itself', async (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'x.db')
  assertFails(await runHookhub(t, ['backup', file], childEnv({ HOOKHUB_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/hookhub' })), 2, /back up PostgreSQL with pg_dump/)
  assertFails(await runHookhub(t, ['backup', file], childEnv({ HOOKHUB_DATABASE_URL: 'sqlite::memory:' })), 2, /nothing to back up/)
  const database = path.join(dir, 'hub.db')
  assertOk(await runHookhub(t, ['migrate'], childEnv({ HOOKHUB_DATABASE_URL: `sqlite:${database}` })))
  assertFails(await runHookhub(t, ['backup', database], childEnv({ HOOKHUB_DATABASE_URL: `sqlite:${database}` })), 2, /is the database itself/)
  assertFails(await runHookhub(t, ['backup', file], childEnv({ HOOKHUB_DATABASE_URL: `sqlite:${path.join(dir, 'none.db')}` })), 1, /no database at/)
  assert.ok(!fs.existsSync(file))
})
