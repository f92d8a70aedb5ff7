import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { compactJson, rawMember } from '../../src/core/raw-json.ts'

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

test('compactJson drops the whitespace between tokens and keeps strings and numbers as written', () => {
  assert.equal(compactJson('{ "a" : [ 1 ,\n\t2 ],\r\n "s": " x \\" y ", "big": 12345678901234567890 }'), '{"a":[1,2],"s":" x \\" y ","big":12345678901234567890}')
  fc.assert(fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4 }), (value, indent) => {
    assert.equal(compactJson(JSON.stringify(value, null, indent)), JSON.stringify(value))
  }), { numRuns: 200 })
})
