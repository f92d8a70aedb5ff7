import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createDeliveryClient, DeliveryError } from '../../src/core/delivery-client.ts'
import { isBlockedAddress, isBlockedUrl } from '../../src/core/ssrf-guard.ts'
import { startSink } from '../helpers/sink.ts'

test('blocked address classes, IPv4 and IPv6', () => {
  for (const ip of [
    '127.0.0.1', '127.9.9.9', '10.0.0.1', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', 'not-an-ip',
  ]) {
    assert.equal(isBlockedAddress(ip), true, ip)
  }
  for (const ip of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    assert.equal(isBlockedAddress(ip), false, ip)
  }
})

test('literal and local URLs are refused at creation time', () => {
  for (const url of [
    'http://127.0.0.1/', 'http://localhost:8080/x', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data', 'http://100.64.0.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://api.localhost/',
    'http://localhost./', 'http://metadata.google.internal./',
  ]) {
    assert.equal(isBlockedUrl(new URL(url)), true, url)
  }
  assert.equal(isBlockedUrl(new URL('https://hooks.example.com/x')), false)
  assert.equal(isBlockedUrl(new URL('http://8.8.8.8/')), false)
})

test('with the guard on, the client never connects to a blocked address, by literal or by name', async (t) => {
  const sink = await startSink(t)
  const client = createDeliveryClient({ allowPrivateNetworks: false })
  t.after(() => client.close())
  for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]', '2130706433']) {
    const url = `http://${host}:${sink.port}/hook`
    await assert.rejects(client.send({ url, method: 'POST', headers: {}, body: '{}' }),
      (err: DeliveryError) => err.code === 'HOOKHUB_SSRF_BLOCKED', url)
  }
  assert.equal(sink.received.length, 0)
})

test('with HOOKHUB_ALLOW_PRIVATE_NETWORKS the same client reaches the local sink', async (t) => {
  const sink = await startSink(t)
  const client = createDeliveryClient({ allowPrivateNetworks: true })
  t.after(() => client.close())
  const res = await client.send({ url: `${sink.url}/hook`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
  assert.equal(res.status, 200)
  assert.equal(sink.received[0].body, '{"a":1}')
})
