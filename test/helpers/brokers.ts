import assert from 'node:assert/strict'
import net from 'node:net'
import { test } from 'node:test'

/** The shared broker services on 127.0.0.1 (see the brief): never stopped by a test. */
export const BROKER_PORTS = { amqp: 5672, nats: 4222, redis: 6379, mqtt: 1883 } as const
export type Kind = keyof typeof BROKER_PORTS

function reachable (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.setTimeout(2000)
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => { socket.destroy(); resolve(false) })
  })
}

/**
 * Registers `body` as a test when the broker answers; otherwise a visible skip, or a failure
 * under HOOKHUB_REQUIRE_BROKERS=1 (CI starts every broker, so none may be missing there).
 */
export async function brokerTest (kind: Kind, name: string, body: (t: import('node:test').TestContext) => Promise<void>, timeout = 90_000) {
  if (await reachable(BROKER_PORTS[kind])) {
    test(name, { timeout }, body)
  } else if (process.env.HOOKHUB_REQUIRE_BROKERS === '1') {
    test(name, () => assert.fail(`${kind} is not answering on 127.0.0.1:${BROKER_PORTS[kind]}; HOOKHUB_REQUIRE_BROKERS=1 requires it`))
  } else {
    test.skip(`[broker] ${kind} test skipped: nothing answers on 127.0.0.1:${BROKER_PORTS[kind]}`)
  }
}

/**
 * A TCP relay between the hub and a broker, so a test can cut the broker off (stop) and bring it
 * back (start, on the same port) without touching the shared service.
 */
export async function startProxy (targetPort: number) {
  const sockets = new Set<net.Socket>()
  let server: net.Server | null = null
  let port = 0
  const start = () => new Promise<void>((resolve, reject) => {
    server = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port: targetPort })
      for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}) }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      port = (server!.address() as net.AddressInfo).port
      resolve()
    })
  })
  await start()
  return {
    get port () { return port },
    /** Refuses new connections and drops those open, like a broker going down. */
    async stop () {
      const s = server
      server = null
      for (const socket of sockets) socket.destroy()
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
    },
    start,
  }
}

/** Waits for `check` to return a value (not undefined); fails after `ms`. */
export async function eventually<T> (what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) { last = err }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms${last ? `: ${String(last)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** A port nothing listens on: bound, then released. */
export async function closedPort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
