// Limits under hostile load: endpoints whose receivers accept the connection and never answer
// must not hold a worker's slots until the request timeout while a healthy endpoint waits, nor
// keep the deliveries claimed for them ahead once their tries time out.
import assert from 'node:assert/strict'
import type http from 'node:http'
import net from 'node:net'
import { describe, test, type TestContext } from 'node:test'
import { createEndpoint, FAST_DELIVERY, publish } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'
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

      // Each delivery's time counts from its event's publish, acknowledged (202): on a machine busy
      // with other work, answering 30 publishes at once can itself take a second, slots or not.
      const sentAt = Date.now()
      const publishedAt = new Map<string, number>()
      const events = await Promise.all(Array.from({ length: EVENTS }, async (_, i) => {
        const event = await publish(hub, 'load.test', { i })
        publishedAt.set(event.id, Date.now())
        return event
      }))
      for (const event of events) assert.equal(event.deliveries, DEAD_ENDPOINTS + 1)
      const ids = events.map((e) => e.id)
      // Waits well past the bound (and past the 15 s timeout), so that a failure shows how late the deliveries came.
      await waitUntil('every healthy delivery', () => healthy.missing(ids).length === 0 ? true : undefined, 40_000)
      const latencies = ids.map((id) => (healthy.firstAt.get(id) as number) - (publishedAt.get(id) as number))
      const slowest = Math.max(...latencies)
      reportFigures(t, `fair-slots-${engine}`, {
        dead_endpoints: DEAD_ENDPOINTS, events: EVENTS, dead_connections_held: dead.held(),
        publishes_answered_ms: Math.max(...publishedAt.values()) - sentAt, healthy_slowest_ms: slowest,
        healthy_late: latencies.filter((ms) => ms > BOUND_MS).length,
      })
      // The dead tries end now rather than at their timeout, so that the hub closes quickly.
      await dead.stop()
      assert.ok(slowest <= BOUND_MS, `the slowest healthy delivery arrived ${slowest} ms after the publish: ${JSON.stringify(latencies)}`)
    })

    test('an endpoint that stops answering gives back the deliveries claimed for it ahead once its tries time out, instead of holding their slots and sending them on', { timeout: 120_000 }, async (t) => {
      const hub = await startHub(t, engine, { ...FAST_DELIVERY, HOOKHUB_RETRY_SCHEDULE: '0,1m' })
      let answering = true
      const hung: http.ServerResponse[] = []
      const sink = await startSink(t, (_req, res) => { if (answering) res.end('ok'); else hung.push(res) })
      t.after(() => { for (const res of hung) res.destroy() })
      await createEndpoint(hub, { url: sink.url })
      // Answering, the endpoint earns its full window (16 in flight).
      const warm = await Promise.all(Array.from({ length: 20 }, (_, i) => publish(hub, 'load.warm', { i })))
      await waitUntil('the warm-up delivered', () => sink.received.length >= warm.length ? true : undefined, 30_000)
      answering = false
      await Promise.all(Array.from({ length: 60 }, (_, i) => publish(hub, 'load.hang', { i })))
      await waitUntil('the first tries hanging', () => hung.length >= 16 ? true : undefined, 30_000)
      // Its 16 tries time out after 1 s; what the worker claimed ahead goes back to the queue, where the open circuit keeps it.
      await waitUntil('the worker holding nothing', () => hub.inFlight() === 0 ? true : undefined, 30_000)
      assert.equal(hung.length, 16, 'nothing more was sent to the endpoint once its tries timed out')
    })
  })
}
