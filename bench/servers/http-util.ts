// Helpers shared by the bare servers (SINK, RELAY, INGEST).
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The whole request body as a string. */
export function readBody (req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/**
 * Listens on a free port of 127.0.0.1 and prints the same line hookhub prints, so that the
 * runner waits for every server the same way.
 */
export function listen (server: Server, name: string) {
  // Keep-alive sockets from the load generator must outlive the pauses between scenarios.
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo
    process.stdout.write(`${name} is listening on http://127.0.0.1:${port}\n`)
  })
  process.on('SIGTERM', () => process.exit(0))
}
