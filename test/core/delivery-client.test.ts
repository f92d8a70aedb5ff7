import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createDeliveryClient, DeliveryError, RESPONSE_BODY_LIMIT } from '../../src/core/delivery-client.ts'
import { startSink } from '../helpers/sink.ts'

const post = (url: string) => ({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })

test('status, headers and only the first 4 KB of the body are returned', async (t) => {
  const sink = await startSink(t, (_req, res) => {
    res.writeHead(500, { 'x-trace': 'abc' })
    res.end('e'.repeat(10_000))
  })
  const client = createDeliveryClient({ allowPrivateNetworks: true })
  t.after(() => client.close())
  const res = await client.send(post(sink.url))
  assert.equal(res.status, 500)
  assert.equal(res.headers['x-trace'], 'abc')
  assert.equal(res.body.length, RESPONSE_BODY_LIMIT)
})

test('redirects are answered as they are, never followed', async (t) => {
  const target = await startSink(t)
  const sink = await startSink(t, (_req, res) => {
    res.writeHead(302, { location: `${target.url}/elsewhere` })
    res.end()
  })
  const client = createDeliveryClient({ allowPrivateNetworks: true })
  t.after(() => client.close())
  const res = await client.send(post(sink.url))
  assert.equal(res.status, 302)
  assert.equal(target.received.length, 0)
})

test('a receiver that hangs times out; a reset and a refused connection are classified', async (t) => {
  const hanging = await startSink(t, () => { /* never answers */ })
  const resetting = await startSink(t, (_req, res) => res.socket?.destroy())
  const client = createDeliveryClient({ allowPrivateNetworks: true, requestTimeoutMs: 300 })
  t.after(() => client.close())
  const started = Date.now()
  await assert.rejects(client.send(post(hanging.url)), (err: DeliveryError) => err.code === 'TIMEOUT')
  assert.ok(Date.now() - started < 3000)
  await assert.rejects(client.send(post(resetting.url)), (err: DeliveryError) => err.code === 'CONNECTION_RESET' || err.code === 'CONNECTION_ERROR')
  await assert.rejects(client.send(post('http://127.0.0.1:1/')), (err: DeliveryError) => err.code === 'CONNECTION_REFUSED')
})
