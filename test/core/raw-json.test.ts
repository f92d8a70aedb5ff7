import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { rawMember } from '../../src/core/raw-json.ts'

test('finds the exact text of a top-level member', () => {
  const text = '{"type":"a","payload": { "z": 1, "a": [1, {"payload": 2}], "big": 12345678901234567890 } , "x":"}"}'
  assert.equal(rawMember(text, 'payload'), '{ "z": 1, "a": [1, {"payload": 2}], "big": 12345678901234567890 }')
  assert.equal(rawMember(text, 'type'), '"a"')
  assert.equal(rawMember(text, 'x'), '"}"')
  assert.equal(rawMember(text, 'missing'), undefined)
  assert.equal(rawMember('{"payload":"a\\"b,}"}', 'payload'), '"a\\"b,}"')
  assert.equal(rawMember('{"payload":null}', 'payload'), 'null')
})

test('agrees with JSON.parse for any object', () => {
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue(), (rest, payload) => {
    const text = JSON.stringify({ ...rest, payload }, null, 1)
    const raw = rawMember(text, 'payload')
    assert.deepEqual(JSON.parse(raw as string), JSON.parse(JSON.stringify(payload)))
  }), { numRuns: 200 })
})
