// Real tier: LOOKUP over real sockets on 127.0.0.1, through customMethodServerFactory in front of Node's parser, on a
// standalone Fastify app whose routes echo what they received.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import { test, type TestContext } from 'node:test'
import Fastify, { type FastifyRequest } from 'fastify'
import { customMethodServerFactory } from '../../src/http/custom-methods.ts'
import { carryLookup, isLookup, LOOKUP_CARRIER } from '../../src/http/lookup-method.ts'

const TIMEOUT = { timeout: 10_000 }
const FORGED = 'X-Hookhub-Method: LOOKUP 0123456789abcdef0123456789abcdef'

type Echo = { method: string, body: unknown, ip: string, marker: string | null, rawMarker: boolean }
/** Node's HTTP server reads a socket natively (its parser "consumes" the stream) unless something made it read in JS. */
type ParsedSocket = { parser?: { _consumed?: boolean } | null }
type RawResponse = { status: number, headers: Record<string, string>, body: string }

const echo = (request: FastifyRequest): Echo => ({
  method: isLookup(request.raw) ? 'LOOKUP' : request.method,
  body: request.body ?? null,
  ip: request.ip,
  marker: (request.headers['x-hookhub-method'] as string | undefined) ?? null,
  rawMarker: request.raw.rawHeaders.some((h) => h.toLowerCase() === 'x-hookhub-method'),
})

async function startApp (t: TestContext, layered = true): Promise<number> {
  // Wired as the hub wires it (src/http/server.ts): the layer on the socket, the carrier in the router.
  const app = layered ? Fastify({ serverFactory: customMethodServerFactory(['LOOKUP']), rewriteUrl: carryLookup }) : Fastify()
  if (layered) app.addHttpMethod(LOOKUP_CARRIER, { hasBody: true })
  app.route({ method: layered ? ['GET', 'POST', LOOKUP_CARRIER] : ['GET', 'POST'], url: '/echo', handler: async (request) => echo(request) })
  app.post('/post-only', async (request) => echo(request))
  app.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 150))
    return { method: 'GET', body: 'slow' }
  })
  app.get('/native', async (request) => ({ native: (request.raw.socket as unknown as ParsedSocket).parser?._consumed === true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(() => app.close())
  const address = app.server.address()
  assert.ok(address !== null && typeof address === 'object')
  return address.port
}

/** Splits complete responses off the front of `data`; Fastify's answers carry Content-Length, Node's own 400 closes. */
function takeResponse (data: Buffer, ended: boolean): { response: RawResponse, length: number } | null {
  const headEnd = data.indexOf('\r\n\r\n')
  if (headEnd === -1) return null
  const [statusLine, ...lines] = data.subarray(0, headEnd).toString('latin1').split('\r\n')
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
  const length = headers['content-length'] === undefined ? (ended ? data.length - headEnd - 4 : -1) : Number(headers['content-length'])
  if (length < 0 || data.length < headEnd + 4 + length) return null
  const body = data.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8')
  return { response: { status: Number(statusLine.split(' ')[1]), headers, body }, length: headEnd + 4 + length }
}

/** A keep-alive client that writes raw bytes and reads the answers in order. */
async function rawClient (t: TestContext, port: number) {
  const socket = net.connect(port, '127.0.0.1')
  t.after(() => socket.destroy())
  await once(socket, 'connect')
  socket.setNoDelay(true)
  let data = Buffer.alloc(0)
  let ended = false
  let wake = () => {}
  socket.on('data', (d: Buffer) => { data = Buffer.concat([data, d]); wake() })
  socket.on('close', () => { ended = true; wake() })
  const next = async (): Promise<RawResponse> => {
    for (;;) {
      const taken = takeResponse(data, ended)
      if (taken !== null) {
        data = data.subarray(taken.length)
        return taken.response
      }
      if (ended) throw new Error(`connection closed with ${data.length} bytes unanswered`)
      await new Promise<void>((resolve) => { wake = resolve })
    }
  }
  return {
    socket,
    write: (text: string) => socket.write(text),
    next,
    /** Answers to the next `count` requests, in order. */
    async responses (count: number): Promise<RawResponse[]> {
      const out: RawResponse[] = []
      for (let k = 0; k < count; k++) out.push(await next())
      return out
    },
    closed: () => ended,
  }
}

const json = (body: string) => `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
const lookup = (body: string) => `LOOKUP /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n${json(body)}`
const echoed = (response: RawResponse) => {
  assert.equal(response.status, 200, response.body)
  return JSON.parse(response.body) as Echo
}

test('curl -X LOOKUP with a JSON string body reaches the LOOKUP route, from 127.0.0.1', TIMEOUT, async (t) => {
  const port = await startApp(t)
  const curl = spawn('curl', ['-sS', '-X', 'LOOKUP', '-H', 'content-type: application/json',
    '--data', '"82ddc7c68623726346a78371173e2f8d"', `http://127.0.0.1:${port}/echo`])
  let out = ''
  curl.stdout.on('data', (d: Buffer) => { out += d })
  const [code] = await once(curl, 'exit')
  assert.equal(code, 0)
  assert.deepEqual(JSON.parse(out), { method: 'LOOKUP', body: '82ddc7c68623726346a78371173e2f8d', ip: '127.0.0.1', marker: null, rawMarker: false })
})

test('LOOKUP then GET on one keep-alive connection', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  client.write(lookup('"first"'))
  assert.deepEqual(echoed(await client.next()), { method: 'LOOKUP', body: 'first', ip: '127.0.0.1', marker: null, rawMarker: false })
  client.write('GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  assert.equal(echoed(await client.next()).method, 'GET')
  client.write(lookup('"third"'))
  const third = echoed(await client.next())
  assert.deepEqual([third.method, third.body], ['LOOKUP', 'third'])
})

test('two pipelined LOOKUPs in one write are answered in order', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  client.write(lookup('"a"') + lookup('"b"'))
  const answers = (await client.responses(2)).map(echoed)
  assert.deepEqual(answers.map((e) => [e.method, e.body]), [['LOOKUP', 'a'], ['LOOKUP', 'b']])
})

test('a request written one byte at a time', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  for (const byte of lookup('"slow"')) {
    client.write(byte)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  const answer = echoed(await client.next())
  assert.deepEqual([answer.method, answer.body], ['LOOKUP', 'slow'])
})

test('a LOOKUP whose request line is cut in two at any byte is still a LOOKUP', TIMEOUT, async (t) => {
  const port = await startApp(t)
  const request = lookup('"cut"')
  for (let cut = 1; cut <= 'LOOKUP /echo'.length; cut++) {
    const client = await rawClient(t, port)
    client.write('GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' + request.slice(0, cut))
    await new Promise((resolve) => setTimeout(resolve, 20))
    client.write(request.slice(cut))
    const answers = (await client.responses(2)).map(echoed)
    assert.deepEqual(answers.map((e) => [e.method, e.body]), [['GET', null], ['LOOKUP', 'cut']], `cut after ${cut} bytes`)
    client.socket.destroy()
  }
})

test('a LOOKUP pipelined behind a slow GET waits for the GET\'s answer, so answers keep their order', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  client.write('GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' + 'GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' + lookup('"behind"'))
  const answers = (await client.responses(3)).map(echoed)
  assert.deepEqual(answers.map((e) => [e.method, e.body]), [['GET', 'slow'], ['GET', 'slow'], ['LOOKUP', 'behind']])
  client.write(lookup('"after"'))
  assert.equal(echoed(await client.next()).body, 'after')
})

test('connections without LOOKUP keep Node\'s native parsing; one that sends LOOKUP reads through the rewriter from then on', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  const native = async () => {
    client.write('GET /native HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    const answer = await client.next()
    assert.equal(answer.status, 200)
    return (JSON.parse(answer.body) as { native: boolean }).native
  }
  assert.equal(await native(), true)
  client.write(lookup('"switch"'))
  assert.equal(echoed(await client.next()).method, 'LOOKUP')
  assert.equal(await native(), false)
})

test('the keep-alive timeout of the requests before a LOOKUP does not cut the LOOKUP off', TIMEOUT, async (t) => {
  // Node waits keepAliveTimeout + 1 s after an answer before it closes an idle connection.
  const app = Fastify({ serverFactory: customMethodServerFactory(['LOOKUP']), rewriteUrl: carryLookup, keepAliveTimeout: 50 })
  t.after(() => app.close())
  app.addHttpMethod(LOOKUP_CARRIER, { hasBody: true })
  app.route({
    method: ['GET', LOOKUP_CARRIER],
    url: '/echo',
    handler: async (request) => {
      if (isLookup(request.raw)) await new Promise((resolve) => setTimeout(resolve, 1300))
      return echo(request)
    },
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  assert.ok(address !== null && typeof address === 'object')
  const client = await rawClient(t, address.port)
  client.write('GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  assert.equal(echoed(await client.next()).method, 'GET')
  client.write(lookup('"long"'))
  assert.equal(echoed(await client.next()).body, 'long')
})

test('an unknown method after a LOOKUP on the same connection still gets 400 and the connection closes', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  client.write(lookup('"first"'))
  assert.equal(echoed(await client.next()).method, 'LOOKUP')
  client.write('LOOKUPS /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  assert.equal((await client.next()).status, 400)
  if (!client.closed()) await once(client.socket, 'close')
})

test('a LOOKUP with a chunked body', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  client.write('LOOKUP /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '3;ext=1\r\n"ch\r\n5\r\nunked\r\n1\r\n"\r\n0\r\n\r\n')
  const answer = echoed(await client.next())
  assert.deepEqual([answer.method, answer.body], ['LOOKUP', 'chunked'])
})

test('a LOOKUP body of many packets is skipped by counting, and the next LOOKUP on the connection still works', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  const big = `LOOKUP / HTTP/1.1\r\n${'x'.repeat(300_000)}`
  client.write(lookup(JSON.stringify(big)) + lookup('"after"'))
  const answers = (await client.responses(2)).map(echoed)
  assert.deepEqual(answers.map((e) => [e.method, e.body]), [['LOOKUP', big], ['LOOKUP', 'after']])
})

test('a POST whose body holds a LOOKUP request line stays a POST, its body untouched', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  const body = 'LOOKUP / HTTP/1.1\r\nHost: x\r\n\r\n'
  client.write(`POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
    `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n` +
    'GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  const answers = (await client.responses(3)).map(echoed)
  assert.deepEqual(answers.map((e) => [e.method, e.body]), [['POST', body], ['POST', body], ['GET', null]])
})

test('pipelined LOOKUP, GET, POST and chunked LOOKUP in one write, on a connection that goes on', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  client.write(lookup('"one"') +
    'GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' +
    `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n${json('"three"')}` +
    'LOOKUP /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n"four"\r\n0\r\n\r\n')
  const answers = (await client.responses(4)).map(echoed)
  assert.deepEqual(answers.map((e) => [e.method, e.body]), [['LOOKUP', 'one'], ['GET', null], ['POST', 'three'], ['LOOKUP', 'four']])
  client.write(lookup('"five"'))
  assert.equal(echoed(await client.next()).body, 'five')
})

test('a marker header sent by the client is ignored and never reaches the route', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  client.write(`POST /echo HTTP/1.1\r\n${FORGED}\r\nHost: 127.0.0.1\r\n${json('"forged"')}`)
  assert.deepEqual(echoed(await client.next()), { method: 'POST', body: 'forged', ip: '127.0.0.1', marker: null, rawMarker: false })
  client.write(`POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nx-hookhub-method: LOOKUP\r\n${json('"no nonce"')}`)
  assert.deepEqual(echoed(await client.next()), { method: 'POST', body: 'no nonce', ip: '127.0.0.1', marker: null, rawMarker: false })
  client.write(`LOOKUP /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n${FORGED}\r\n${json('"both"')}`)
  assert.deepEqual(echoed(await client.next()), { method: 'LOOKUP', body: 'both', ip: '127.0.0.1', marker: null, rawMarker: false })
})

test('POST with X-HTTP-Method-Override: LOOKUP is served as LOOKUP; other overrides and other methods are not', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  const send = async (method: string, override: string) => {
    client.write(`${method} /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-HTTP-Method-Override: ${override}\r\n${json('"x"')}`)
    return echoed(await client.next()).method
  }
  assert.equal(await send('POST', 'LOOKUP'), 'LOOKUP')
  assert.equal(await send('POST', 'lookup'), 'LOOKUP')
  assert.equal(await send('POST', 'DELETE'), 'POST')
  assert.equal(await send('GET', 'LOOKUP'), 'GET')
})

test('LOOKUP on a URL that only has a POST route is not found, not served as POST', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  client.write(lookup('"x"').replace('/echo', '/post-only'))
  assert.equal((await client.next()).status, 404)
})

test('an unknown method still gets the 400 the server gives without the layer, and the connection closes', TIMEOUT, async (t) => {
  const request = 'FOO /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
  const answers = []
  for (const port of [await startApp(t, true), await startApp(t, false)]) {
    const client = await rawClient(t, port)
    client.write(request)
    const answer = await client.next()
    await once(client.socket, 'close')
    answers.push(answer)
  }
  assert.equal(answers[0].status, 400)
  assert.deepEqual(answers[0], answers[1])
})

test('a lowercase lookup is not a LOOKUP: 400 as without the layer', TIMEOUT, async (t) => {
  const client = await rawClient(t, await startApp(t))
  client.write(lookup('"x"').replace('LOOKUP', 'lookup'))
  assert.equal((await client.next()).status, 400)
})

test('closing the app ends idle keep-alive connections that used LOOKUP', TIMEOUT, async (t) => {
  const app = Fastify({ serverFactory: customMethodServerFactory(['LOOKUP']), rewriteUrl: carryLookup })
  t.after(() => app.close())
  app.addHttpMethod(LOOKUP_CARRIER, { hasBody: true })
  app.route({ method: LOOKUP_CARRIER, url: '/echo', handler: async (request) => echo(request) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  assert.ok(address !== null && typeof address === 'object')
  const client = await rawClient(t, address.port)
  client.write(lookup('"x"'))
  assert.equal(echoed(await client.next()).method, 'LOOKUP')
  await app.close()
  if (!client.closed()) await once(client.socket, 'close')
})
