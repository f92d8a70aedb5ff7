// Limits under hostile load: endpoints whose receivers accept the connection and never answer
// must not hold a worker's slots until the request timeout while a healthy endpoint waits.
import assert from 'node:assert/strict'
import net from 'node:net'
import { describe, test, type TestContext } from 'node:test'
import { createEndpoint, FAST_DELIVERY, publish } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub } from '../helpers/hub.ts'
import { reportFigures, startCountingSink, waitUntil } from '../reliability/support.ts'

reportSkippedPostgres()

const DEAD_ENDPOINTS = 10
const EVENTS = 30
const BOUND_MS = 2_000

/** A TCP server on 127.0.0.1 that accepts every connection and never answers; `stop` refuses new ones and drops the held ones. */
async function startBlackHole (t: TestContext) {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const stop = () => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy()
    server.close(() => resolve())
  })
  t.after(stop)
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, held: () => sockets.size, stop }
}

for (const engine of engines) {
  describe(`[${engine}] fair worker slots`, () => {
    test(`${DEAD_ENDPOINTS} never-answering endpoints do not delay a healthy one: each of its deliveries arrives within ${BOUND_MS} ms of the publish`, { timeout: 120_000 }, async (t) => {
      // The default 15 s request timeout, so that the dead endpoints' tries really hold their slots.
      const { HOOKHUB_REQUEST_TIMEOUT: _, ...env } = FAST_DELIVERY
      const hub = await startHub(t, engine, env)
      const dead = await startBlackHole(t)
      const healthy = await startCountingSink(t)
      for (let i = 0; i < DEAD_ENDPOINTS; i++) await createEndpoint(hub, { url: `${dead.url}/dead/${i}` })
      await createEndpoint(hub, { url: `${healthy.url}/healthy` })

      const publishedAt = Date.now()
      const events = await Promise.all(Array.from({ length: EVENTS }, (_, i) => publish(hub, 'load.test', { i })))
      for (const event of events) assert.equal(event.deliveries, DEAD_ENDPOINTS + 1)
      const ids = events.map((e) => e.id)
      // Waits well past the bound (and past the 15 s timeout), so that a failure shows how late the deliveries came.
      await waitUntil('every healthy delivery', () => healthy.missing(ids).length === 0 ? true : undefined, 40_000)
      const latencies = ids.map((id) => (healthy.firstAt.get(id) as number) - publishedAt)
      const slowest = Math.max(...latencies)
      reportFigures(t, `fair-slots-${engine}`, {
        dead_endpoints: DEAD_ENDPOINTS, events: EVENTS, dead_connections_held: dead.held(), healthy_slowest_ms: slowest,
        healthy_late: latencies.filter((ms) => ms > BOUND_MS).length, healthy_fastest_ms: Math.min(...latencies),
      })
      // The dead tries end now rather than at their timeout, so that the hub closes quickly.
      await dead.stop()
      assert.ok(slowest <= BOUND_MS, `the slowest healthy delivery arrived ${slowest} ms after the publish: ${JSON.stringify(latencies)}`)
    })
  })
}
