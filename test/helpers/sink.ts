import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'

export interface ReceivedRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
  /** The body's bytes exactly as they came. */
  bytes: Buffer
  at: number
}

export type SinkHandler = (req: ReceivedRequest, res: http.ServerResponse) => void

/** A local HTTP receiver on 127.0.0.1 that records every request; closed when the test ends. */
export async function startSink (t: TestContext, handler: SinkHandler = (_req, res) => res.end('ok')) {
  const received: ReceivedRequest[] = []
  const waiters: { count: number; resolve: () => void }[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const bytes = Buffer.concat(chunks)
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: bytes.toString('utf8'), bytes, at: Date.now() }
      received.push(entry)
      for (const w of waiters.filter((w) => received.length >= w.count)) w.resolve()
      handler(entry, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    server,
    /** Resolves once `count` requests have arrived; rejects after `timeoutMs`. */
    waitFor (count: number, timeoutMs = 5000): Promise<void> {
      if (received.length >= count) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`sink got ${received.length} of ${count} requests`)), timeoutMs)
        waiters.push({ count, resolve: () => { clearTimeout(timer); resolve() } })
      })
    },
  }
}
