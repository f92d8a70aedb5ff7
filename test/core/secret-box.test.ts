import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSecretBox, generateSecretKey, parseSecretKey } from '../../src/core/secret-box.ts'

test('seal and open round-trip; the ciphertext reveals nothing and differs each time', () => {
  const box = createSecretBox(generateSecretKey())
  const a = box.sealJson({ api_key: 'sk_live_123' }, 'ctx')
  const b = box.sealJson({ api_key: 'sk_live_123' }, 'ctx')
  assert.notEqual(a, b)
  assert.doesNotMatch(a, /sk_live/)
  assert.deepEqual(box.openJson(a, 'ctx'), { api_key: 'sk_live_123' })
})

test('a wrong key, a wrong context or a flipped byte fails to open', () => {
  const box = createSecretBox(generateSecretKey())
  const other = createSecretBox(generateSecretKey())
  const sealed = box.seal('secret', 'ctx')
  assert.throws(() => other.open(sealed, 'ctx'), /does not open/)
  assert.throws(() => box.open(sealed, 'other'), /does not open/)
  const raw = Buffer.from(sealed.slice(3), 'base64')
  raw[raw.length - 1] ^= 1
  assert.throws(() => box.open(`v1:${raw.toString('base64')}`, 'ctx'), /does not open/)
  assert.throws(() => box.open('v9:abc', 'ctx'), /unknown ciphertext format/)
})

test('the key check value tells the right key from a wrong one', () => {
  const key = generateSecretKey()
  const check = createSecretBox(key).makeCheckValue()
  assert.equal(createSecretBox(key).verifyCheckValue(check), true)
  assert.equal(createSecretBox(generateSecretKey()).verifyCheckValue(check), false)
  assert.equal(createSecretBox(key).verifyCheckValue('garbage'), false)
})

test('keys are 32 bytes in base64 or hex', () => {
  const key = generateSecretKey()
  assert.deepEqual(parseSecretKey(key.toString('base64')), key)
  assert.deepEqual(parseSecretKey(key.toString('hex') + '\n'), key)
  assert.deepEqual(parseSecretKey(key.toString('base64url')), key)
  assert.equal(parseSecretKey('short'), null)
  assert.equal(parseSecretKey(Buffer.alloc(16).toString('base64')), null)
  assert.equal(parseSecretKey('z'.repeat(64)), null)
})
