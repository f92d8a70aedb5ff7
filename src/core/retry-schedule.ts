// When a failed delivery is tried again (DESIGN.md "Delivery rules").

/** Delay before each attempt, attempt 1 first: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE_MS = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Parses "0,50ms,100ms" or "0,5s,5m,2h"; a bare number is seconds. Returns null when malformed. */
export function parseRetrySchedule (text: string): number[] | null {
  const parts = text.split(',').map((p) => p.trim())
  const delays: number[] = []
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(part)
    if (!match) return null
    delays.push(Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']))
  }
  return delays.length > 0 ? delays : null
}

/** The inverse of parseRetrySchedule: "0,5s,5m,30m,2h" (whole units where they fit). */
export function formatRetrySchedule (delaysMs: readonly number[]): string {
  return delaysMs.map((ms) => {
    for (const unit of ['h', 'm', 's'] as const) if (ms > 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`
    return ms === 0 ? '0' : `${ms}ms`
  }).join(',')
}

/** ±20 % so that endpoints recovering from an outage are not hit by every retry at once. */
export function withJitter (delayMs: number, random: () => number = Math.random): number {
  if (delayMs === 0) return 0
  return Math.round(delayMs * (0.8 + 0.4 * random()))
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function parseRetryAfter (value: string | undefined, nowMs: number): number | null {
  if (!value) return null
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs)
}

const MAX_RETRY_AFTER_MS = 24 * 3_600_000

/**
 * The delay before attempt `nextAttempt` (2 = first retry), or null when the schedule is used up.
 * A receiver's Retry-After is honoured: never earlier than it asked, capped at a day.
 */
export function nextDelay (
  schedule: readonly number[],
  nextAttempt: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number | null {
  if (nextAttempt > schedule.length) return null
  const planned = withJitter(schedule[nextAttempt - 1], random)
  return retryAfterMs === null ? planned : Math.max(planned, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS))
}
