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

// Teredo (RFC 4380): 2001:0:<server IPv4>:<flags>:<port>:<client IPv4 XOR ffffffff>. 4136:e378 is 65.54.227.120.
const TEREDO_CLIENT_LOOPBACK = '2001:0:4136:e378:8000:63bf:80ff:fffe' // client 127.0.0.1
const TEREDO_SERVER_PRIVATE = '2001:0:a00:1:8000:63bf:f7f7:f7f7' // server 10.0.0.1, client 8.8.8.8
const TEREDO_PUBLIC = '2001:0:4136:e378:8000:63bf:f7f7:f7f7' // server 65.54.227.120, client 8.8.8.8

test('IPv6 forms that embed a private or loopback IPv4 are blocked; with a public IPv4 inside they are judged by it', () => {
  for (const ip of [
    '::127.0.0.1', '::7f00:1', '0:0:0:0:0:0:7f00:1', '::10.0.0.1', '::169.254.169.254', // IPv4-compatible ::/96
    '::ffff:7f00:1', '::ffff:192.168.0.1', // IPv4-mapped ::ffff:0:0/96
    '64:ff9b::7f00:1', '64:ff9b::10.1.2.3', '64:ff9b::169.254.169.254', // NAT64 64:ff9b::/96
    '2002:7f00:1::', '2002:a00:1::1', '2002:a9fe:a9fe:1::1', // 6to4 2002::/16
    TEREDO_CLIENT_LOOPBACK, TEREDO_SERVER_PRIVATE,
  ]) {
    assert.equal(isBlockedAddress(ip), true, ip)
  }
  for (const ip of ['::8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', TEREDO_PUBLIC]) {
    assert.equal(isBlockedAddress(ip), false, ip)
  }
})

test('literal and local URLs are refused at creation time', () => {
  for (const url of [
    'http://127.0.0.1/', 'http://localhost:8080/x', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data', 'http://100.64.0.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://api.localhost/',
    'http://localhost./', 'http://metadata.google.internal./',
    'http://[::127.0.0.1]/', 'http://[::7f00:1]:8080/', 'http://[64:ff9b::127.0.0.1]/', 'http://[2002:a00:1::]/',
    `http://[${TEREDO_CLIENT_LOOPBACK}]/`, `http://[${TEREDO_SERVER_PRIVATE}]/`,
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
  for (const host of ['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]', '2130706433', '[::127.0.0.1]', '[::7f00:1]']) {
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
