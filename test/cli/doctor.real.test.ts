// Real tier: `hookhub doctor` on a good setup and on the mistakes it must name with their fix.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { childEnv, linesOf, runHookhub, tempDir } from '../helpers/child.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startSink } from '../helpers/sink.ts'
import { assertOk, freshDatabaseUrl, serveHub, show } from './support.ts'

/** Every migration of the project, in order: all pending on a new database. */
const MIGRATIONS = fs.readdirSync(new URL('../../src/storage/migrations/', import.meta.url))
  .filter((name) => /^\d{4}-.*\.ts$/.test(name)).map((name) => name.slice(0, -3)).sort()

reportSkippedPostgres()

const key = () => randomBytes(32).toString('base64')
const lineOf = (stdout: string, check: string) => linesOf(stdout).find((l) => l.slice(2).startsWith(`${check}:`)) ?? ''

interface Report { ok: boolean; checks: { check: string; status: string; message: string; fix?: string }[] }

for (const engine of engines) {
  describe(`[${engine}] hookhub doctor`, { concurrency: 2 }, () => {
    test('a good setup with a running hub and a reachable endpoint: every check ✓, exit 0; the SSRF guard and a dead receiver are named', { timeout: 90_000 }, async (t) => {
      const hub = await serveHub(t, engine)
      const sink = await startSink(t)
      await hub.json(['endpoint', 'add', `${sink.url}/in`])
      const env = { HOOKHUB_DATABASE_URL: hub.databaseUrl, HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true' }

      const good = await hub.run(['doctor'], env)
      assertOk(good)
      for (const check of ['configuration', 'database', 'secret key', 'migrations', 'key matches database', 'hub', 'API token']) {
        assert.match(lineOf(good.stdout, check), /^✓ /, `${check}:\n${show(good)}`)
      }
      assert.equal(lineOf(good.stdout, 'endpoints'), '✓ endpoints: 1 of 1 active reachable', show(good))
      assert.equal(good.stderr, '')

      // The hub's settings count, not the shell's: this shell has the guard on, the hub has it off
      // (serveHub), so the loopback receiver is reachable for the hub, and the settings say so.
      const settings = await hub.run(['doctor'], { ...env, HOOKHUB_ALLOW_PRIVATE_NETWORKS: undefined, HOOKHUB_RETRY_SCHEDULE: '1s' })
      assertOk(settings)
      assert.match(lineOf(settings.stdout, 'hub settings'),
        /^! hub settings: hookhub \d+\.\d+\.\d+ on \S+; listens on 127\.0\.0\.1:\d+; SSRF guard off; retry schedule 0,5s,5m,30m,2h,5h,10h,10h; request timeout 15 s; 1 worker\(s\) of \d+ slots; deliveries may reach private and loopback addresses → unset HOOKHUB_ALLOW_PRIVATE_NETWORKS/, show(settings))
      assert.equal(lineOf(settings.stdout, 'endpoints'), '✓ endpoints: 1 of 1 active reachable', show(settings))

      // No hub to ask (PORT=0, no URL): this shell's guard is all there is, and it refuses the
      // loopback receiver, saying how to allow it.
      const guarded = await hub.run(['doctor', '--json'], { ...env, HOOKHUB_ALLOW_PRIVATE_NETWORKS: undefined, HOOKHUB_URL: undefined })
      assert.equal(guarded.code, 1, show(guarded))
      const report = JSON.parse(guarded.stdout) as Report
      assert.equal(report.ok, false)
      const blocked = report.checks.find((c) => c.check.startsWith('endpoint ep_'))
      assert.equal(blocked?.status, 'failed', guarded.stdout)
      assert.match(blocked!.message, /127\.0\.0\.1, a private or loopback address/)
      assert.match(blocked!.fix!, /HOOKHUB_ALLOW_PRIVATE_NETWORKS=true/)
      assert.ok(report.checks.filter((c) => c.status === 'failed').every((c) => c.check.startsWith('endpoint')), guarded.stdout)

      // A receiver that is gone.
      await new Promise<void>((resolve) => { sink.server.closeAllConnections(); sink.server.close(() => resolve()) })
      const dead = await hub.run(['doctor'], env)
      assert.equal(dead.code, 1, show(dead))
      assert.match(dead.stdout, /^✗ endpoint ep_\S+: http:\/\/127\.0\.0\.1:\d+\/in is unreachable from here \(connection refused\) → start the receiver/m)
      assert.match(dead.stderr.trim(), /^hookhub: 2 checks failed/)
    })

    test('a database created with another key: ✗ with the fix, exit 1', { timeout: 60_000 }, async (t) => {
      const database = await freshDatabaseUrl(t, engine)
      assertOk(await runHookhub(t, ['migrate'], childEnv({ HOOKHUB_DATABASE_URL: database.url, HOOKHUB_SECRET_KEY: key() })))
      const r = await runHookhub(t, ['doctor'], childEnv({ HOOKHUB_DATABASE_URL: database.url, HOOKHUB_SECRET_KEY: key() }))
      assert.equal(r.code, 1, show(r))
      assert.match(lineOf(r.stdout, 'key matches database'), /^✗ .*not the one this database was created with.* → set HOOKHUB_SECRET_KEY/, show(r))
      assert.match(lineOf(r.stdout, 'migrations'), /^✓/, show(r))
      assert.match(lineOf(r.stdout, 'hub'), /^- hub: PORT=0/, 'no hub named: not asked')
      assert.equal(linesOf(r.stderr).length, 1, show(r))
    })

    test('an unmigrated database: ✗ names the pending migrations and hookhub migrate; after it, exit 0', { timeout: 60_000 }, async (t) => {
      const database = await freshDatabaseUrl(t, engine)
      const env = childEnv({ HOOKHUB_DATABASE_URL: database.url, HOOKHUB_SECRET_KEY: key() })
      if (engine === 'sqlite') fs.writeFileSync(database.url.slice('sqlite:'.length), '')
      const r = await runHookhub(t, ['doctor'], env)
      assert.equal(r.code, 1, show(r))
      assert.ok(lineOf(r.stdout, 'migrations').startsWith(`✗ migrations: ${MIGRATIONS.length} pending: ${MIGRATIONS.join(', ')} → apply them with: hookhub migrate`), show(r))
      assert.match(lineOf(r.stdout, 'database'), /^✓/, show(r))

      assertOk(await runHookhub(t, ['migrate'], env))
      const fixed = await runHookhub(t, ['doctor'], env)
      assertOk(fixed)
      assert.match(lineOf(fixed.stdout, 'key matches database'), /^✓/, show(fixed))
      assert.equal(lineOf(fixed.stdout, 'endpoints'), '✓ endpoints: 0 of 0 active reachable (none registered)', show(fixed))
    })
  })
}

test('[sqlite] doctor on a database that does not exist says so and creates nothing', async (t) => {
  const dir = tempDir(t)
  const r = await runHookhub(t, ['doctor', '--database-url', `sqlite:${path.join(dir, 'hub.db')}`], childEnv())
  assert.equal(r.code, 1, show(r))
  assert.match(lineOf(r.stdout, 'database'), /^✗ database: sqlite:\S+hub\.db does not exist → create it with: hookhub migrate/, show(r))
  assert.deepEqual(fs.readdirSync(dir), [], 'no database file and no key file were created')
})
