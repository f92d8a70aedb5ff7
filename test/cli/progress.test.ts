import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createProgress } from '../../src/cli/progress.ts'

function fakeStream (isTTY: boolean, columns = 80) {
  const writes: string[] = []
  return { writes, stream: { isTTY, columns, write: (text: string) => { writes.push(text); return true } } }
}

test('not a terminal: plain lines, one per tenth of the way, then the final count with its note', () => {
  const { writes, stream } = fakeStream(false)
  const progress = createProgress({ label: 'recover ep_1', total: 200, stream })
  for (let done = 1; done <= 200; done++) progress.update(done)
  progress.finish('200 delivered')
  assert.ok(writes.every((w) => w.endsWith('\n') && !w.includes('\r') && !w.includes('\x1b')), 'no terminal control characters')
  assert.equal(writes[0], 'recover ep_1: 0/200 (0%)\n', 'the start is shown at once')
  assert.deepEqual(writes.slice(1, 11).map((w) => /\((\d+)%\)/.exec(w)?.[1]), ['10', '20', '30', '40', '50', '60', '70', '80', '90', '100'])
  assert.equal(writes[11], 'recover ep_1: 200/200 (100%) 200 delivered\n')
  assert.equal(writes.length, 12, '200 updates print 12 lines, not 200')
})

test('not a terminal: a note alone does not add lines; finish without news adds none', () => {
  const { writes, stream } = fakeStream(false)
  const progress = createProgress({ label: 'x', total: 4, stream })
  progress.update(0, '1 failed again')
  progress.update(4)
  progress.finish()
  assert.deepEqual(writes, ['x: 0/4 (0%)\n', 'x: 4/4 (100%)\n'])
})

test('terminal: one line redrawn in place with a bar that fits the width, throttled, ended by a newline', () => {
  const { writes, stream } = fakeStream(true, 60)
  let now = 0
  const progress = createProgress({ label: 'recover', total: 10, stream, clock: () => now })
  progress.update(1)
  assert.equal(writes.length, 1, 'a change within 100 ms of the last draw is not drawn')
  now += 150
  progress.update(5, '1 failed again')
  now += 150
  progress.update(10)
  progress.finish()
  assert.equal(writes.at(-1), '\n')
  const frames = writes.slice(0, -1)
  assert.ok(frames.every((f) => f.startsWith('\r') && f.endsWith('\x1b[K')), 'each frame returns to the line start and clears the rest')
  assert.ok(frames.every((f) => f.length - 4 <= 60), `frames fit 60 columns: ${JSON.stringify(frames)}`)
  assert.match(frames[0], /^\rrecover \[-+\] 0\/10 \(0%\)/)
  assert.match(frames[1], /^\rrecover \[#+-+\] 5\/10 \(50%\) 1 failed again/)
  const half = /\[(#+)(-+)\]/.exec(frames[1])!
  assert.ok(Math.abs(half[1].length - half[2].length) <= 1, `half the bar is filled at 50 %: ${frames[1]}`)
  assert.ok(new Set(frames.map((f) => /\[[#-]+\]/.exec(f)![0].length)).size === 1, 'the bar keeps its width')
  assert.match(frames.at(-1)!, /^\rrecover \[#+\] 10\/10 \(100%\)/)
})

test('nothing to do: total 0 is complete, never a division by zero', () => {
  const { writes, stream } = fakeStream(false)
  createProgress({ label: 'x', total: 0, stream }).finish()
  assert.deepEqual(writes, ['x: 0/0 (100%)\n'])
})
