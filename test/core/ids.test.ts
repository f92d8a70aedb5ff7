import assert from 'node:assert/strict'
import { test } from 'node:test'
import { newId } from '../../src/core/ids.ts'

test('ids are the prefix, ten characters of time and sixteen random ones, sort by time, and do not repeat across random blocks', () => {
  const ids = Array.from({ length: 2_000 }, (_, i) => newId('evt', 1_700_000_000_000 + i))
  for (const id of ids) assert.match(id, /^evt_[0-9a-hjkmnp-tv-z]{26}$/)
  assert.equal(new Set(ids).size, ids.length)
  assert.equal(new Set(ids.map((id) => id.slice(14))).size, ids.length, 'the random parts differ')
  assert.deepEqual([...ids].sort(), ids, 'later ids sort after earlier ones')
  // Each of the 32 characters turns up in the random part: all five bits are used.
  assert.equal(new Set(ids.map((id) => id.slice(14)).join('')).size, 32)
})
