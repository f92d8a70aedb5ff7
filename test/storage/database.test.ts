// The SQLite database file and its -wal and -shm are readable by their owner only, like
// secret.key; a database created before keeps the mode its operator gave it, and still opens.
// (SQLite itself gives -wal and -shm the database file's mode, even to a -shm left behind.)
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { openDatabase } from '../../src/storage/database.ts'
import { tempDir } from '../helpers/child.ts'

const modeOf = (file: string) => fs.statSync(file).mode & 0o777

/** Opens the file, writes a row (which makes SQLite create -wal and -shm) and returns the files' modes while open. */
async function openAndWrite (t: TestContext, file: string) {
  const database = openDatabase({ engine: 'sqlite', file })
  t.after(() => database.close())
  await sql`create table if not exists probe (n integer)`.execute(database.db)
  await sql`insert into probe (n) values (1)`.execute(database.db)
  const files = [file, `${file}-wal`, `${file}-shm`]
  for (const f of files) assert.ok(fs.existsSync(f), `${path.basename(f)} exists`)
  return { database, modes: files.map(modeOf) }
}

test('a new SQLite database, its -wal and its -shm are created 0600 whatever the umask', async (t) => {
  const previous = process.umask(0o022)
  t.after(() => process.umask(previous))
  const file = path.join(tempDir(t, 'hookhub-db-'), 'data', 'hookhub.db')
  const { modes } = await openAndWrite(t, file)
  assert.deepEqual(modes.map((m) => m.toString(8)), ['600', '600', '600'])
})

test('an existing database keeps its mode and keeps working; its -wal and -shm follow that mode', async (t) => {
  const dir = tempDir(t, 'hookhub-db-')
  const file = path.join(dir, 'hookhub.db')
  const first = await openAndWrite(t, file)
  await first.database.close()
  // Left behind by an older start: a database readable by its group, beside a world-readable -shm.
  fs.chmodSync(file, 0o640)
  fs.writeFileSync(`${file}-shm`, '', { mode: 0o644 })
  fs.chmodSync(`${file}-shm`, 0o644)
  const { database, modes } = await openAndWrite(t, file)
  assert.deepEqual(modes.map((m) => m.toString(8)), ['640', '640', '640'])
  const rows = await sql<{ n: number }>`select n from probe`.execute(database.db)
  assert.equal(rows.rows.length, 2)
})
