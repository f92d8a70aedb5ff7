import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createKeyBatch } from '../../src/storage/key-batch.ts'

/** A runMany that records each batch it is given and answers `<key>!`, after `delayMs`. */
function recording (delayMs = 5) {
  const batches: string[][] = []
  const run = async (keys: string[]) => {
    batches.push(keys)
    await new Promise((resolve) => setTimeout(resolve, delayMs))
    return keys.map((key) => `${key}!`)
  }
  return { batches, run }
}

test('calls made together go in one batch; a key asked twice is asked once and both callers get its answer', async () => {
  const { batches, run } = recording()
  const get = createKeyBatch(run)
  const answers = await Promise.all(['a', 'b', 'a', 'c'].map(get))
  assert.deepEqual(answers, ['a!', 'b!', 'a!', 'c!'])
  assert.deepEqual(batches, [['a', 'b', 'c']])
})

test('calls made while a batch runs wait for it and go together in the next one', async () => {
  const { batches, run } = recording(30)
  const get = createKeyBatch(run)
  const first = get('a')
  while (batches.length === 0) await new Promise((resolve) => setImmediate(resolve))
  const later = Promise.all([get('a'), get('b')])
  assert.equal(await first, 'a!')
  assert.deepEqual(await later, ['a!', 'b!'])
  // 'a' is asked again: the first query may have started before a change the later caller made.
  assert.deepEqual(batches, [['a'], ['a', 'b']])
})

test('a failed batch fails each of its callers, and the next batch runs', async () => {
  let calls = 0
  const get = createKeyBatch(async (keys: string[]) => {
    if (++calls === 1) throw new Error('database away')
    return keys.map((key) => key.toUpperCase())
  })
  const failed = await Promise.allSettled([get('x'), get('y')])
  assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected'])
  assert.equal((failed[0] as PromiseRejectedResult).reason.message, 'database away')
  assert.equal(await get('x'), 'X')
})

test('a batch takes at most 500 keys; the rest follow in the next', async () => {
  const { batches, run } = recording(1)
  const get = createKeyBatch(run)
  const keys = Array.from({ length: 1200 }, (_, i) => `k${i}`)
  assert.deepEqual(await Promise.all(keys.map(get)), keys.map((k) => `${k}!`))
  assert.deepEqual(batches.map((b) => b.length), [500, 500, 200])
})
