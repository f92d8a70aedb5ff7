// Real tier, PostgreSQL: one API process and two `hookhub worker` processes on one database
// deliver 2,000 events to a sink; every event arrives, none twice, and the API's live stream
// shows every delivery the workers made.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { BIN, childEnv, fetchWithin, ROOT, startServe } from '../helpers/child.ts'
import { startSink } from '../helpers/sink.ts'
import { openStream } from '../helpers/sse.ts'
import { scratchPostgresDatabase } from '../helpers/engines.ts'

const postgresUrl = process.env.HOOKHUB_TEST_DATABASE_URL
const EVENTS = 2000


if (!postgresUrl) {
  test.skip('[postgres] scale-out with two worker processes skipped: HOOKHUB_TEST_DATABASE_URL is not set')
} else {
  test('[postgres] two worker processes deliver 2,000 events: all arrive, none twice', { timeout: 120_000 }, async (t) => {
    const databaseUrl = await scratchPostgresDatabase(t, 'hh_scale')
    const adminToken = 'hh_scale_out_admin_token_0123456789'
    const env = childEnv({
      HOOKHUB_DATABASE_URL: databaseUrl,
      HOOKHUB_SECRET_KEY: randomBytes(32).toString('base64'),
      HOOKHUB_ADMIN_TOKEN: adminToken,
      HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true',
      HOOKHUB_LOG_LEVEL: 'warn',
      HOOKHUB_WORKERS: '0',
    })
    const api = await startServe(t, env)

    const workers = [0, 1].map(() => {
      const child = spawn(process.execPath, [BIN, 'worker'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
      let output = ''
      child.stdout.on('data', (c: Buffer) => { output += c.toString() })
      child.stderr.on('data', (c: Buffer) => { output += c.toString() })
      t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
      return { child, output: () => output }
    })
    for (const w of workers) {
      const deadline = Date.now() + 10_000
      while (!/worker started/.test(w.output())) {
        assert.ok(Date.now() < deadline, `worker did not start: ${w.output()}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }

    const ids = new Map<string, number>()
    const sink = await startSink(t, (req, res) => {
      const id = String(req.headers['webhook-id'])
      ids.set(id, (ids.get(id) ?? 0) + 1)
      res.end('ok')
    })
    const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }
    const created = await fetchWithin(`${api.url}/api/v1/endpoints`, {
      method: 'POST', headers, body: JSON.stringify({ url: sink.url }),
    })
    assert.equal(created.status, 201)
    const stream = await openStream(t, `${api.url}/api/v1/stream`, { authorization: headers.authorization })
    assert.equal(stream.status, 200)

    let next = 0
    const accepted: string[] = []
    await Promise.all(Array.from({ length: 20 }, async () => {
      while (next < EVENTS) {
        const n = next++
        const res = await fetchWithin(`${api.url}/api/v1/events`, {
          method: 'POST', headers, body: JSON.stringify({ type: 'load.test', payload: { n } }),
        })
        assert.equal(res.status, 202)
        accepted.push(((await res.json()) as { id: string }).id)
      }
    }))
    await sink.waitFor(EVENTS, 60_000)
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.equal(accepted.length, EVENTS)
    for (const id of accepted) assert.equal(ids.get(id), 1, `event ${id} arrived exactly once`)
    assert.equal(sink.received.length, EVENTS)
    const succeeded = await stream.waitFor((m) => m.event === 'delivery' && m.data.status === 'succeeded', EVENTS)
    assert.deepEqual(new Set(succeeded.map((m) => m.data.event_id)), new Set(accepted))
    stream.close()

    for (const w of workers) {
      w.child.kill('SIGTERM')
      const code = await new Promise((resolve) => w.child.once('exit', resolve))
      assert.equal(code, 0, `worker stopped gracefully: ${w.output()}`)
    }
  })
}
