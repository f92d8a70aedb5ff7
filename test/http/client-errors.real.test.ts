// Real tier: what Node's HTTP parser refuses (an unknown method such as a lowercase `lookup`, a
// malformed request line or header, headers past the size limit) and LOOKUP on paths without
// it, over real sockets on 127.0.0.1, answered in the error shape of the API the path belongs to.
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import { describe, test } from 'node:test'
import { ADMIN_TOKEN } from '../helpers/hub.ts'
import { assertErrorShape, familyOf, hubForSuite } from '../security/support.ts'

const TIMEOUT = { timeout: 30_000 }

type RawResponse = { status: number, headers: Record<string, string>, body: string }

/** Writes `chunks` (pausing between them) on a fresh connection and reads one answer to the end of the connection. */
async function exchange (port: number, ...chunks: (string | Buffer)[]): Promise<RawResponse> {
  const socket = net.connect(port, '127.0.0.1')
  const received: Buffer[] = []
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  socket.on('data', (d: Buffer) => received.push(d))
  socket.on('error', () => {})
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  for (const [i, chunk] of chunks.entries()) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 50))
    socket.write(chunk)
  }
  await closed
  const data = Buffer.concat(received).toString('utf8')
  const headEnd = data.indexOf('\r\n\r\n')
  assert.ok(headEnd > 0, `an HTTP answer: ${JSON.stringify(data.slice(0, 200))}`)
  const [statusLine, ...lines] = data.slice(0, headEnd).split('\r\n')
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
  return { status: Number(statusLine.split(' ')[1]), headers, body: data.slice(headEnd + 4) }
}

const auth = `Authorization: Bearer ${ADMIN_TOKEN}\r\n`
const PATHS = ['/rest/v1/service/integration_points', '/rest/v1/service/other', '/api/v1/integrations', '/api/v1/integration/nodes', '/api/webhooks', '/api/v1/users', '/elsewhere']

function assertShaped (res: RawResponse, status: number, path: string, label: string) {
  assert.equal(res.status, status, `${label}: ${res.body}`)
  assertErrorShape({ statusCode: res.status, headers: res.headers, body: res.body }, familyOf(path), label)
  assert.doesNotMatch(res.body, /"statusCode"|Client Error/, `${label}: not Fastify's default body`)
}

describe('errors before routing answer in the shape of the path\'s API', () => {
  const suiteHub = hubForSuite('sqlite', { HOOKHUB_WORKERS: '0' })
  let port = 0
  const listening = async () => {
    if (port === 0) {
      const hub = suiteHub()
      await hub.app.listen({ port: 0, host: '127.0.0.1' })
      port = (hub.app.server.address() as net.AddressInfo).port
    }
    return port
  }

  test('LOOKUP on a path without it names LOOKUP, never the method it travels as inside', TIMEOUT, async () => {
    const p = await listening()
    const star = await exchange(p, 'LOOKUP * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.equal(star.status, 404)
    assert.deepEqual(JSON.parse(star.body), { error: { code: 'HOOKHUB_ROUTE_NOT_FOUND', message: 'Route LOOKUP * not found', details: {} } })
    const nowhere = await exchange(p, 'LOOKUP /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.equal(JSON.parse(nowhere.body).error.message, 'Route LOOKUP /nowhere not found')
    const laravel = await exchange(p, `LOOKUP /api/v1/integrations HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\nContent-Length: 2\r\n\r\n""`)
    assert.equal(laravel.status, 405)
    assert.deepEqual(JSON.parse(laravel.body), { message: 'The LOOKUP method is not supported for route api/v1/integrations. Supported methods: GET, HEAD, POST.' })
  })

  test('a lowercase lookup request line answers 400 in each API\'s shape', TIMEOUT, async () => {
    const p = await listening()
    for (const path of PATHS) {
      const res = await exchange(p, `lookup ${path} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 2\r\n\r\n""`)
      assertShaped(res, 400, path, `lookup ${path}`)
      assert.equal(res.headers.connection, 'close')
    }
    const incoplax = await exchange(p, 'lookup /rest/v1/service/integration_points HTTP/1.1\r\nHost: x\r\n\r\n')
    assert.deepEqual(JSON.parse(incoplax.body), { error_code: 1400, error_message: 'Malformed HTTP request: Invalid method encountered' })
  })

  test('headers past the size limit answer 431 in each API\'s shape', TIMEOUT, async () => {
    const p = await listening()
    const big = `X-Big: ${'x'.repeat(http.maxHeaderSize + 1000)}\r\n`
    for (const path of PATHS) assertShaped(await exchange(p, `GET ${path} HTTP/1.1\r\nHost: x\r\n${big}\r\n`), 431, path, `431 ${path}`)
    const incoplax = await exchange(p, `GET /rest/v1/service/integration_points?limit=1 HTTP/1.1\r\nHost: x\r\n${big}\r\n`)
    assert.deepEqual(JSON.parse(incoplax.body), { error_code: 1431, error_message: `Request headers exceed ${http.maxHeaderSize} bytes` })
    const brokerstr = await exchange(p, `GET http://x/api/v1/integration/nodes HTTP/1.1\r\nHost: x\r\n${big}\r\n`)
    assert.deepEqual(JSON.parse(brokerstr.body), { error: { code: 'HEADERS_TOO_LARGE', message: `Request headers exceed ${http.maxHeaderSize} bytes`, details: {} } })
    // A request line the parser read in an earlier packet is gone with it: the native shape.
    const split = await exchange(p, 'GET /rest/v1/service/integration_points HTTP/1.1\r\nHost: x\r\n', `${big}\r\n`)
    assertShaped(split, 431, '/elsewhere', 'request line in an earlier packet')
  })

  test('malformed request lines and headers answer 400 in each API\'s shape', TIMEOUT, async () => {
    const p = await listening()
    for (const path of PATHS) {
      for (const request of [
        `GET ${path}/a b HTTP/1.1\r\nHost: x\r\n\r\n`,
        `GET ${path} HTTP/1.1 junk\r\nHost: x\r\n\r\n`,
        `GET ${path} HTTP/1.1\r\nBad Header: 1\r\n\r\n`,
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n`,
        `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\nGET ${path} HTTP/1.1\r\nBad Header: 1\r\n\r\n`,
      ]) {
        // A pipelined request's answer comes first; the refusal is the last answer on the connection.
        const res = await exchange(p, request)
        if (res.status !== 400) {
          const last = res.body.lastIndexOf('HTTP/1.1 400 ')
          assert.ok(last > 0, `${JSON.stringify(request)}: ${res.status} ${res.body.slice(0, 200)}`)
          continue
        }
        assertShaped(res, 400, path, JSON.stringify(request))
      }
    }
    // Bytes that are no request line at all (a TLS hello on the plain port): the native shape.
    assertShaped(await exchange(p, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])), 400, '/elsewhere', 'TLS hello')
  })
})
