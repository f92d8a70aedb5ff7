import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { Webhook as SvixWebhook } from 'svix'
import fc from 'fast-check'
import { generateSigningSecret, isSigningSecret, signatureHeaders, verifyStandardWebhook } from '../../src/core/signing.ts'

const now = () => Math.floor(Date.now() / 1000)

test('signatures verify with the independent standardwebhooks and svix packages', () => {
  const secret = generateSigningSecret()
  assert.equal(isSigningSecret(secret), true)
  const body = JSON.stringify({ type: 'task.created', timestamp: new Date().toISOString(), data: { id: 1, name: 'ü' } })
  const headers = signatureHeaders([secret], 'evt_1', now(), body)
  assert.deepEqual(new StandardWebhook(secret).verify(body, headers), JSON.parse(body))
  assert.deepEqual(new SvixWebhook(secret).verify(body, {
    'svix-id': headers['webhook-id'], 'svix-timestamp': headers['webhook-timestamp'], 'svix-signature': headers['webhook-signature'],
  }), JSON.parse(body))
})

test('during a rotation both the old and the new secret verify the same request', () => {
  const oldSecret = generateSigningSecret()
  const newSecret = generateSigningSecret()
  const body = '{"a":1}'
  const headers = signatureHeaders([newSecret, oldSecret], 'evt_2', now(), body)
  assert.equal(headers['webhook-signature'].split(' ').length, 2)
  assert.ok(new StandardWebhook(oldSecret).verify(body, headers))
  assert.ok(new StandardWebhook(newSecret).verify(body, headers))
  assert.throws(() => new StandardWebhook(generateSigningSecret()).verify(body, headers))
})

test('verifyStandardWebhook accepts what standardwebhooks signs and rejects tampering', () => {
  fc.assert(fc.property(fc.string(), fc.integer({ min: -200, max: 200 }), (text, skew) => {
    const secret = generateSigningSecret()
    const body = Buffer.from(JSON.stringify({ text }))
    const id = 'msg_' + Math.random().toString(36).slice(2)
    const date = new Date((now() + skew) * 1000)
    const signature = new StandardWebhook(secret).sign(id, date, body.toString())
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(date.getTime() / 1000)), 'webhook-signature': signature }
    assert.equal(verifyStandardWebhook(secret, headers, body, now()), true)
    assert.equal(verifyStandardWebhook(secret, headers, Buffer.concat([body, Buffer.from(' ')]), now()), false)
    assert.equal(verifyStandardWebhook(secret, { ...headers, 'webhook-id': id + 'x' }, body, now()), false)
    assert.equal(verifyStandardWebhook(generateSigningSecret(), headers, body, now()), false)
  }), { numRuns: 50 })
})

test('stale or future timestamps and missing headers are rejected', () => {
  const secret = generateSigningSecret()
  const body = Buffer.from('{}')
  const old = now() - 301
  assert.equal(verifyStandardWebhook(secret, signatureHeaders([secret], 'm', old, body), body, now()), false)
  assert.equal(verifyStandardWebhook(secret, signatureHeaders([secret], 'm', now() + 301, body), body, now()), false)
  assert.equal(verifyStandardWebhook(secret, {}, body, now()), false)
  assert.equal(isSigningSecret('whsec_'), false)
  assert.equal(isSigningSecret('secret'), false)
})
