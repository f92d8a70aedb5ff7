import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_RETRY_SCHEDULE_MS, nextDelay, parseRetryAfter, parseRetrySchedule, withJitter } from '../../src/core/retry-schedule.ts'

test('the default schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
  assert.deepEqual(DEFAULT_RETRY_SCHEDULE_MS, [0, 5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6])
  assert.deepEqual(parseRetrySchedule('0,5s,5m,30m,2h,5h,10h,10h'), DEFAULT_RETRY_SCHEDULE_MS)
})

test('HOOKHUB_RETRY_SCHEDULE syntax', () => {
  assert.deepEqual(parseRetrySchedule('0,50ms,100ms'), [0, 50, 100])
  assert.deepEqual(parseRetrySchedule('0, 1, 1.5s'), [0, 1000, 1500])
  for (const bad of ['', 'a', '5x', '1,,2', '-1']) assert.equal(parseRetrySchedule(bad), null, bad)
})

test('jitter stays within ±20 % and zero stays zero', () => {
  assert.equal(withJitter(0, () => 1), 0)
  assert.equal(withJitter(1000, () => 0), 800)
  assert.equal(withJitter(1000, () => 1), 1200)
  for (let i = 0; i < 200; i++) {
    const d = withJitter(5000)
    assert.ok(d >= 4000 && d <= 6000, String(d))
  }
})

test('nextDelay walks the schedule, honours Retry-After and ends', () => {
  const schedule = [0, 100, 200]
  const mid = () => 0.5
  assert.equal(nextDelay(schedule, 2, null, mid), 100)
  assert.equal(nextDelay(schedule, 3, null, mid), 200)
  assert.equal(nextDelay(schedule, 4, null, mid), null)
  assert.equal(nextDelay(schedule, 2, 1000, mid), 1000, 'never earlier than Retry-After')
  assert.equal(nextDelay(schedule, 3, 50, mid), 200, 'a short Retry-After does not shorten the schedule')
  assert.equal(nextDelay(schedule, 2, 1e12, mid), 24 * 3600 * 1000, 'capped at one day')
})

test('Retry-After as seconds or HTTP date', () => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  assert.equal(parseRetryAfter('1', now), 1000)
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000)
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0)
  assert.equal(parseRetryAfter(undefined, now), null)
  assert.equal(parseRetryAfter('soon', now), null)
})
