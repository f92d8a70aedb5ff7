// The production logger's request lines: secrets in a URL (an inbound path token, a ?token=
// query) are masked, read from what a real hub logs.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { createLogger, prettyLine, redactUrl } from '../src/logger.ts'
import { createEndpoint, FAST_DELIVERY, publish, settled } from './helpers/delivery.ts'
import { startHub } from './helpers/hub.ts'
import { startSink } from './helpers/sink.ts'

type Line = Record<string, unknown> & { level: number; time: string; msg: string }

/** A logger that keeps every line it writes, parsed. */
function capture () {
  const lines: Line[] = []
  const sink = new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Line)
      done()
    },
  })
  return { lines, logger: createLogger('info', sink) }
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

test('redactUrl masks the token of an inbound path and secret query parameters, nothing else', () => {
  assert.equal(redactUrl('/hooks/0tN7w7seUVMmCgkE4T1erjS6juh6F6Lq'), '/hooks/****')
  assert.equal(redactUrl('/hooks/0tN7w7seUVMmCgkE4T1erjS6juh6F6Lq/extra?token=abc&x=1'), '/hooks/****/extra?token=****&x=1')
  assert.equal(redactUrl('/hooks?token=abc'), '/hooks?token=****')
  assert.equal(redactUrl('/hooks/'), '/hooks/')
  assert.equal(redactUrl('/api/v1/endpoints/ep_1?limit=5'), '/api/v1/endpoints/ep_1?limit=5')
  assert.equal(redactUrl('/api/v1/sources?cursor=aG9va3MvYWJj'), '/api/v1/sources?cursor=aG9va3MvYWJj')
})

test('inbound path tokens (sources, integration points) never reach the request log', async (t) => {
  const lines: string[] = []
  const sink = new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(chunk.toString('utf8')); done() } })
  const hub = await startHub(t, 'sqlite', { HOOKHUB_WORKERS: '0', HOOKHUB_ACCESS_LOG: 'all' }, { logger: createLogger('debug', sink) })
  const source = await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: 'open', verify: 'none' } })
  const sourceToken = new URL(source.json().inbound_url as string).pathname.split('/')[2]
  const point = await hub.app.inject({
    method: 'POST', url: '/rest/v1/service/integration_points', headers: hub.admin, payload: { code: 'LOG', type: 'public', url: '' },
  })
  const pointToken = point.json().token_local as string
  const unknown = randomBytes(16).toString('hex')
  const post = (url: string) => hub.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"a":1}' })
  assert.equal((await post(`/hooks/${sourceToken}`)).statusCode, 200)
  assert.equal((await post(`/hooks/${pointToken}`)).statusCode, 200)
  assert.equal((await post(`/hooks/${pointToken}?token=${unknown}`)).statusCode, 200)
  assert.equal((await post(`/hooks/${unknown}`)).statusCode, 404)
  assert.equal((await post(`/hooks/${sourceToken}/more`)).statusCode, 404)
  assert.equal((await post(`/hooks/${sourceToken}%ZZ`)).statusCode, 400)

  const text = lines.join('')
  for (const token of [sourceToken, pointToken, unknown]) {
    assert.ok(!text.includes(token), `a log line holds ${token.slice(0, 6)}…: ${lines.find((line) => line.includes(token))?.slice(0, 300)}`)
  }
  assert.ok(lines.filter((line) => line.includes('"path":"/hooks/****')).length >= 6, 'inbound requests were logged, masked (a control)')
})

test('at info, a request gets one line only when it failed (4xx/5xx) or was slow; /healthz never; times are ISO', async (t) => {
  const { lines, logger } = capture()
  const hub = await startHub(t, 'sqlite', { HOOKHUB_WORKERS: '0' }, { logger })
  assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: hub.admin })).statusCode, 200)
  assert.equal((await hub.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  const before = lines.length
  assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints/ep_missing?token=abc', headers: hub.admin })).statusCode, 404)
  assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints' })).statusCode, 401)

  const requests = lines.filter((line) => line.msg === 'request')
  assert.deepEqual(requests.map(({ method, path, status }) => ({ method, path, status })), [
    { method: 'GET', path: '/api/v1/endpoints/ep_missing?token=****', status: 404 },
    { method: 'GET', path: '/api/v1/endpoints', status: 401 },
  ])
  for (const line of requests) assert.equal(typeof line.duration_ms, 'number')
  assert.equal(lines.length - before, 2, 'no other line about these requests (Fastify\'s incoming/completed pair is off)')
  for (const line of lines) assert.match(line.time, ISO)
})

test('HOOKHUB_ACCESS_LOG=all logs every request in one line, /healthz still never', async (t) => {
  const { lines, logger } = capture()
  const hub = await startHub(t, 'sqlite', { HOOKHUB_WORKERS: '0', HOOKHUB_ACCESS_LOG: 'all' }, { logger })
  await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: hub.admin })
  await hub.app.inject({ method: 'GET', url: '/healthz' })
  await hub.app.inject({ method: 'GET', url: '/readyz' })
  assert.deepEqual(lines.filter((line) => line.msg === 'request').map(({ path, status }) => [path, status]), [
    ['/api/v1/endpoints', 200], ['/readyz', 200],
  ])
  assert.ok(!lines.some((line) => line.msg === 'incoming request' || line.msg === 'request completed'))
})

test('failed tries, the circuit opening and the recovery are logged once each, with endpoint and delivery ids', async (t) => {
  const { lines, logger } = capture()
  const hub = await startHub(t, 'sqlite', { ...FAST_DELIVERY, HOOKHUB_RETRY_SCHEDULE: '0,10ms,10ms,10ms,10ms,10ms,10ms' }, { logger })
  let calls = 0
  const sink = await startSink(t, (_req, res) => {
    res.statusCode = ++calls <= 5 ? 500 : 200
    res.end()
  })
  const endpoint = await createEndpoint(hub, { url: sink.url })
  const event = await publish(hub, 'a.b', {})
  const [delivery] = await settled(hub, event.id, 30_000)
  assert.equal(delivery.status, 'succeeded')
  assert.equal(delivery.attempt_count, 6)

  const about = lines.filter((line) => line.endpoint === endpoint.id)
  assert.deepEqual(about.map((line) => line.msg), [
    ...Array(4).fill('delivery try failed; will retry'),
    'delivery try failed; will retry', 'circuit opened: deliveries to the endpoint held',
    'endpoint recovered; circuit closed',
  ])
  for (const line of about) assert.equal(line.delivery, delivery.id)
  const tries = about.filter((line) => line.msg.startsWith('delivery try failed'))
  assert.deepEqual(tries.map((line) => [line.attempt, line.status_code, line.level]), [1, 2, 3, 4, 5].map((n) => [n, 500, 40]))
  for (const line of tries) assert.match(String(line.next_attempt_at), ISO)
  assert.match(String(about[5].circuit_open_until), ISO)
  assert.equal(about[6].level, 30)
})

test('a 410 Gone disables the endpoint: one warn line naming the endpoint and the delivery', async (t) => {
  const { lines, logger } = capture()
  const hub = await startHub(t, 'sqlite', FAST_DELIVERY, { logger })
  const sink = await startSink(t, (_req, res) => {
    res.statusCode = 410
    res.end()
  })
  const endpoint = await createEndpoint(hub, { url: sink.url })
  const event = await publish(hub, 'a.b', {})
  const [delivery] = await settled(hub, event.id, 30_000)
  assert.equal(delivery.status, 'failed')
  const about = lines.filter((line) => line.endpoint === endpoint.id)
  assert.deepEqual(about.map((line) => [line.msg, line.delivery, line.level]), [
    ['delivery failed; no retry left', delivery.id, 40],
    ['endpoint disabled', delivery.id, 40],
  ])
  assert.equal(about[1].reason, 'gone')
})

test('on a terminal a line reads as time, level, message and fields', () => {
  const line = JSON.stringify({ level: 40, time: '2026-12-03T17:00:01.234Z', service: 'hookhub', msg: 'endpoint disabled', endpoint: 'ep_1', reason: 'gone', n: 2 })
  assert.equal(prettyLine(line), '17:00:01.234 WARN  endpoint disabled endpoint=ep_1 reason=gone n=2\n')
  assert.equal(prettyLine('not json'), 'not json')
})
