// Real tier: `hookhub recover` queues failed deliveries again through the hub and follows them
// to the end, with progress on stderr (plain lines here: a child's stderr is a pipe, not a TTY).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { fetchWithin, linesOf } from '../helpers/child.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startSink } from '../helpers/sink.ts'
import { assertFails, assertOk, serveHub, show, type CliHub } from './support.ts'

reportSkippedPostgres()

const api = (hub: CliHub, path: string, init: RequestInit = {}) => fetchWithin(`${hub.url}${path}`, {
  ...init, headers: { authorization: `Bearer ${hub.cliEnv.HOOKHUB_TOKEN}`, 'content-type': 'application/json' },
})

/** Polls the delivery log until the endpoint has `count` failed deliveries. */
async function failedCount (hub: CliHub, endpointId: string, count: number) {
  for (const deadline = Date.now() + 15_000; ;) {
    const page = await (await api(hub, `/api/v1/deliveries?endpoint_id=${endpointId}&status=failed`)).json() as { data: unknown[] }
    if (page.data.length === count) return
    if (Date.now() > deadline) throw new Error(`expected ${count} failed deliveries, found ${page.data.length}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function publish (hub: CliHub, count: number) {
  for (let i = 0; i < count; i++) {
    const res = await api(hub, '/api/v1/events', { method: 'POST', body: JSON.stringify({ type: 'rec.happened', payload: { i } }) })
    assert.equal(res.status, 202, await res.text())
  }
}

for (const engine of engines) {
  describe(`[${engine}] hookhub recover`, () => {
    test('requeues failed deliveries, follows them with plain progress lines, and says how many failed again', { timeout: 120_000 }, async (t) => {
      const hub = await serveHub(t, engine, {
        HOOKHUB_RETRY_SCHEDULE: '0,50ms',
        HOOKHUB_CIRCUIT_COOLDOWN: '100ms',
        HOOKHUB_REQUEST_TIMEOUT: '2s',
      })
      let failing = true
      const sink = await startSink(t, (_req, res) => { res.statusCode = failing ? 503 : 200; res.end() })
      const ep = await hub.json<{ id: string }>(['endpoint', 'add', sink.url, '--types', 'rec.*'])

      await publish(hub, 4)
      await failedCount(hub, ep.id, 4)
      failing = false
      const before = sink.received.length

      const recovered = await hub.run(['recover', ep.id, '--since', '1h'])
      assertOk(recovered)
      const progress = linesOf(recovered.stderr)
      assert.ok(!recovered.stderr.includes('\r') && !recovered.stderr.includes('\x1b'), `plain lines, no terminal codes:\n${show(recovered)}`)
      assert.equal(progress[0], `recover ${ep.id}: 0/4 (0%)`, show(recovered))
      assert.equal(progress.at(-1), `recover ${ep.id}: 4/4 (100%) 4 delivered, 0 failed again`, show(recovered))
      assert.ok(progress.every((line) => line.startsWith(`recover ${ep.id}: `)), show(recovered))
      assert.equal(recovered.stdout.trim(), `endpoint ${ep.id}: queued 4 failed deliveries again; 4 delivered, 0 failed again`)
      assert.equal(sink.received.slice(before).length, 4, 'each requeued delivery was sent once more')
      await failedCount(hub, ep.id, 0)

      const nothing = await hub.json<{ requeued: number }>(['recover', ep.id, '--since', '1h'])
      assert.deepEqual(nothing, { requeued: 0 })

      // The receiver is still broken: the command follows them and fails, naming what to look at.
      failing = true
      await publish(hub, 2)
      await failedCount(hub, ep.id, 2)
      const again = await hub.run(['recover', ep.id, '--since', '1h', '--json'])
      assertFails(again, 1, new RegExp(`^hookhub: 2 of 2 deliveries failed again; see them with: hookhub deliveries --endpoint ${ep.id} --status failed$`, 'm'), { oneLine: false })
      assert.deepEqual(JSON.parse(again.stdout), { requeued: 2, succeeded: 0, failed: 2, open: 0 })
      assert.match(linesOf(again.stderr).at(-2) ?? '', /: 2\/2 \(100%\) 0 delivered, 2 failed again$/, show(again))

      const queued = await hub.run(['recover', ep.id, '--since', '1h', '--no-wait'])
      assertOk(queued)
      assert.equal(queued.stdout.trim(), `queued 2 failed deliveries of endpoint ${ep.id} again (since ${/since (\S+)\)/.exec(queued.stdout)?.[1]})`)
      assert.equal(queued.stderr, '', '--no-wait shows no progress')
    })
  })
}
