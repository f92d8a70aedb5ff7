import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'kysely'
import { openDatabase } from '../../src/storage/database.ts'
import { freshDatabase, postgresUrl, reportSkippedPostgres } from '../helpers/engines.ts'

reportSkippedPostgres()

/** One connection, so that what it has prepared is what the pool has prepared. */
async function oneConnection (t: { after: (fn: () => Promise<unknown>) => void }) {
  const fresh = await freshDatabase('postgres')
  const database = openDatabase(fresh.target, { schema: fresh.schema, poolSize: 1 })
  t.after(async () => {
    await database.close()
    await fresh.drop()
  })
  const prepared = async () => (await sql<{ name: string, statement: string }>`select name, statement from pg_prepared_statements`
    .execute(database.db)).rows
  return { db: database.db, prepared }
}

test('[postgres] a statement run a second time is prepared once on its connection and reused', { skip: !postgresUrl }, async (t) => {
  const { db, prepared } = await oneConnection(t)
  const twice = (n: number) => sql<{ n: number }>`select cast(${n} as integer) + 1 as n`.execute(db)
  assert.equal((await twice(1)).rows[0].n, 2)
  assert.deepEqual((await prepared()).filter((p) => p.statement.includes('+ 1 as n')), [], 'seen once: not prepared')
  for (let i = 2; i <= 4; i++) assert.equal((await twice(i)).rows[0].n, i + 1)
  const named = (await prepared()).filter((p) => p.statement.includes('+ 1 as n'))
  assert.equal(named.length, 1)
  assert.match(named[0].name, /^hookhub_\d+$/)
})

test('[postgres] statements that vary stop getting names at the limit', { skip: !postgresUrl }, async (t) => {
  const { db, prepared } = await oneConnection(t)
  for (let i = 0; i < 300; i++) {
    for (let time = 0; time < 2; time++) await sql`select ${sql.lit(i)} as v, cast(${time} as integer) as t`.execute(db)
  }
  const named = (await prepared()).filter((p) => p.statement.includes(' as v, cast('))
  assert.ok(named.length > 0 && named.length <= 256, `${named.length} prepared`)
})

test('[postgres] a table changed under a prepared select * is read afresh, not failed', { skip: !postgresUrl }, async (t) => {
  const { db } = await oneConnection(t)
  await sql`create table changing (a integer)`.execute(db)
  await sql`insert into changing values (1)`.execute(db)
  const read = () => sql<Record<string, number>>`select * from changing where a = ${1}`.execute(db)
  await read()
  assert.deepEqual((await read()).rows, [{ a: 1 }])
  await sql`alter table changing add column b integer default 2`.execute(db)
  assert.deepEqual((await read()).rows, [{ a: 1, b: 2 }])
  assert.deepEqual((await read()).rows, [{ a: 1, b: 2 }])
})
