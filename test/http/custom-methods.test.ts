// The byte-stream rewriter behind customMethodServerFactory, fed in-process: whatever way a stream of requests is cut
// into packets, exactly the LOOKUP request lines are rewritten, and nothing it does not follow is touched.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import Fastify from 'fastify'
import { carryLookup, isLookup, LOOKUP_CARRIER } from '../../src/http/lookup-method.ts'
import { customMethodServerFactory, MethodRewriter } from '../../src/http/custom-methods.ts'

const MARKER = 'x-hookhub-method: LOOKUP 0123456789abcdef0123456789abcdef\r\n'
const newRewriter = () => new MethodRewriter(new Map([['LOOKUP', Buffer.from(MARKER, 'latin1')]]))

/** Feeds `wire` cut at `cuts` (offsets, any order, duplicates allowed) and returns everything handed on. */
function rewrite (wire: string, cuts: number[] = []): string {
  const bytes = Buffer.from(wire, 'latin1')
  const offsets = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const rewriter = newRewriter()
  const out: Buffer[] = []
  let from = 0
  for (const to of [...offsets, bytes.length]) {
    out.push(rewriter.feed(bytes.subarray(from, to)))
    from = to
  }
  out.push(rewriter.flush() ?? Buffer.alloc(0))
  return Buffer.concat(out).toString('latin1')
}

function byteByByte (wire: string): string {
  return rewrite(wire, Array.from({ length: wire.length }, (_, k) => k))
}

/** Bodies that look like requests, markers and chunk framing, to catch a rewriter that reads into a body. */
const bodyText = fc.array(fc.constantFrom('LOOKUP / HTTP/1.1\r\n', 'Host: x\r\n\r\n', '0\r\n\r\n', 'Content-Length: 9\r\n',
  'Transfer-Encoding: chunked\r\n', 'LOOK', 'UP ', '\r\n', 'x-hookhub-method: LOOKUP nonce\r\n', 'é', 'a'), { maxLength: 12 })
  .map((parts) => Buffer.from(parts.join('')).toString('latin1'))

const chunkedBody = (text: string, sizes: number[], extension: boolean, trailer: boolean, upper: boolean) => {
  let rest = text
  let wire = ''
  for (const size of sizes) {
    if (rest.length === 0) break
    const piece = rest.slice(0, Math.max(1, size))
    rest = rest.slice(piece.length)
    const hex = piece.length.toString(16)
    wire += `${upper ? hex.toUpperCase() : hex}${extension ? ';name=value' : ''}\r\n${piece}\r\n`
  }
  if (rest.length > 0) wire += `${rest.length.toString(16)}\r\n${rest}\r\n`
  return `${wire}0\r\n${trailer ? 'Checksum: LOOKUP / HTTP/1.1\r\n' : ''}\r\n`
}

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'LOOKUP', 'LOCK', 'DELETE', 'COPY'),
  path: fc.constantFrom('/', '/rest/v1/service/integration_points', '/LOOKUP?q=LOOKUP%20/'),
  leadingEmptyLines: fc.constantFrom('', '\r\n', '\r\n\r\n'),
  headers: fc.array(fc.constantFrom('Host: 127.0.0.1', 'Content-Type: text/plain', 'Cookie: a=LOOKUP / HTTP/1.1',
    'Upgrade-Insecure-Requests: 1', 'X-Content-Length: 5', 'Transfer-Encoding-Hint: gzip', 'Connection: keep-alive',
    'User-Agent: property-test', 'Trailer: Checksum', `Cookie: ${'c'.repeat(5000)}`), { maxLength: 5 }),
  framing: fc.constantFrom('none', 'Content-Length', 'content-length', 'CONTENT-LENGTH: ', 'chunked', 'gzip, chunked'),
  body: bodyText,
  chunkSizes: fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 6 }),
  chunkExtension: fc.boolean(),
  trailer: fc.boolean(),
  upperHex: fc.boolean(),
})

/** The request as sent, and as the parser should receive it. */
function build (r: typeof request extends fc.Arbitrary<infer T> ? T : never): { sent: string, expected: string } {
  const headers: string[] = [...r.headers]
  let body = ''
  if (r.framing === 'chunked' || r.framing === 'gzip, chunked') {
    headers.push(`Transfer-Encoding: ${r.framing}`)
    body = chunkedBody(r.body, r.chunkSizes, r.chunkExtension, r.trailer, r.upperHex)
  } else if (r.framing !== 'none') {
    // The last spelling pads the value with the whitespace llhttp allows around it.
    headers.push(r.framing.endsWith(' ') ? `${r.framing}${r.body.length}\t` : `${r.framing}: ${r.body.length}`)
    body = r.body
  }
  const rest = ` ${r.path} HTTP/1.1\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${body}`
  const expected = r.method === 'LOOKUP'
    ? `${r.leadingEmptyLines}POST ${r.path} HTTP/1.1\r\n${MARKER}${rest.slice(rest.indexOf('\r\n') + 2)}`
    : `${r.leadingEmptyLines}${r.method}${rest}`
  return { sent: `${r.leadingEmptyLines}${r.method}${rest}`, expected }
}

test('LOOKUP request lines are rewritten, and nothing else, however the stream is cut into packets', () => {
  fc.assert(fc.property(fc.array(request, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 40 }), (requests, cuts) => {
    const built = requests.map(build)
    const sent = built.map((b) => b.sent).join('')
    assert.equal(rewrite(sent, cuts), built.map((b) => b.expected).join(''))
  }), { numRuns: 500 })
})

test('a pipelined stream fed one byte at a time is rewritten as when fed whole', () => {
  const wire = 'LOOKUP /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n"ab"' +
    'GET /b HTTP/1.1\r\nHost: x\r\n\r\n' +
    'LOOKUP /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;e=1\r\n"cd"\r\n0\r\nT: LOOKUP / HTTP/1.1\r\n\r\n' +
    'POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 19\r\n\r\nLOOKUP / HTTP/1.1\r\n'
  const expected = wire.replace('LOOKUP /a HTTP/1.1\r\n', `POST /a HTTP/1.1\r\n${MARKER}`)
    .replace('LOOKUP /c HTTP/1.1\r\n', `POST /c HTTP/1.1\r\n${MARKER}`)
  assert.equal(rewrite(wire), expected)
  assert.equal(byteByByte(wire), expected)
})

test('only the exact method, followed by a space, is rewritten', () => {
  for (const line of ['lookup / HTTP/1.1', 'LOOK / HTTP/1.1', 'LOOKUPS / HTTP/1.1', 'LOOKUP\t/ HTTP/1.1', 'XLOOKUP / HTTP/1.1']) {
    const wire = `${line}\r\nHost: x\r\n\r\n`
    assert.equal(rewrite(wire), wire, line)
    assert.equal(byteByByte(wire), wire, line)
  }
})

test('the start of a request line that may be LOOKUP waits for the next packet, and is handed on when the client ends', () => {
  const rewriter = newRewriter()
  assert.equal(rewriter.feed(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\nLOO')).toString(), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  assert.equal(rewriter.feed(Buffer.from('K')).toString(), '')
  assert.equal(rewriter.flush()?.toString(), 'LOOK')
  assert.equal(rewriter.flush(), null)
})

test('a long header line split across packets does not stop the rewriting', () => {
  const wire = `GET / HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(10_000)}\r\n\r\nLOOKUP / HTTP/1.1\r\nHost: x\r\n\r\n`
  assert.equal(rewrite(wire, [100, 3000, 6000, 9000]), wire.replace('LOOKUP / HTTP/1.1\r\n', `POST / HTTP/1.1\r\n${MARKER}`))
})

test('what the rewriter does not follow is handed on untouched, for Node to answer as before', () => {
  const lookup = 'LOOKUP / HTTP/1.1\r\nHost: x\r\n\r\n'
  const cases = {
    upgrade: 'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    CONNECT: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    'Content-Length and Transfer-Encoding': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'two Content-Lengths': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n',
    'a Content-Length that is not a number': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e2\r\n\r\n',
    'a last coding other than chunked': 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
    'a space after the chunk size': 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0 \r\n\r\n',
    'chunk data without its CRLF': 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n',
    'a header line ending in a bare LF': 'GET / HTTP/1.1\r\nHost: x\n\r\n',
    'a request line ending in a bare LF': 'GET / HTTP/1.1\nHost: x\r\n\r\n',
    'an obs-fold header line': 'GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n',
  }
  for (const [name, head] of Object.entries(cases)) {
    assert.equal(rewrite(head + lookup), head + lookup, name)
    assert.equal(byteByByte(head + lookup), head + lookup, name)
  }
})

test('an ordinary packet is handed on as the same buffer, without copying', () => {
  const packet = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok')
  assert.equal(newRewriter().feed(packet), packet)
})

test('only methods that Node\'s parser lacks, spelled as HTTP tokens, are accepted', () => {
  for (const method of ['GET', 'QUERY', 'LOOK UP', 'LOOKUP\r\n', '']) {
    assert.throws(() => customMethodServerFactory([method]), TypeError, JSON.stringify(method))
  }
})

// light-my-request checks methods against its own fixed list unless told not to validate.
test('app.inject with validate: false reaches a LOOKUP route in-process, with no socket and so no rewriting', async (t) => {
  const app = Fastify({ serverFactory: customMethodServerFactory(['LOOKUP']), rewriteUrl: carryLookup })
  t.after(() => app.close())
  app.addHttpMethod(LOOKUP_CARRIER, { hasBody: true })
  app.route({ method: LOOKUP_CARRIER, url: '/things', handler: async (request) => ({ method: isLookup(request.raw) ? 'LOOKUP' : request.method, body: request.body }) })
  const res = await app.inject({ method: 'LOOKUP', url: '/things', payload: '"abc"', headers: { 'content-type': 'application/json' }, validate: false })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { method: 'LOOKUP', body: 'abc' })
})
