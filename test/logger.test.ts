// The production logger's request lines: secrets in a URL (an inbound path token, a ?token=
// query) are masked, read from what a real hub logs.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { createLogger, redactUrl } from '../src/logger.ts'
import { startHub } from './helpers/hub.ts'

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
  const hub = await startHub(t, 'sqlite', { HOOKHUB_WORKERS: '0' }, { logger: createLogger('debug', sink) })
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
  assert.ok(lines.filter((line) => line.includes('"url":"/hooks/****')).length >= 6, 'inbound requests were logged, masked (a control)')
})
