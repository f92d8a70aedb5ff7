import assert from 'node:assert/strict'
import { test } from 'node:test'
import { generateToken, hashesEqual, hashToken } from '../../src/core/tokens.ts'

test('tokens carry 32 random bytes and are stored as SHA-256', () => {
  const a = generateToken()
  const b = generateToken()
  assert.notEqual(a, b)
  assert.match(a, /^hh_[A-Za-z0-9_-]{43}$/)
  assert.equal(Buffer.from(a.slice(3), 'base64url').length, 32)
  assert.match(hashToken(a), /^[0-9a-f]{64}$/)
  assert.equal(hashesEqual(hashToken(a), hashToken(a)), true)
  assert.equal(hashesEqual(hashToken(a), hashToken(b)), false)
  assert.equal(hashesEqual(hashToken(a), 'abcd'), false)
})
