import type { FastifyReply } from 'fastify'
import { HookhubError } from '../core/errors.ts'

const WINDOW_MS = 60_000

/**
 * Requests per minute per API token, in fixed one-minute windows (what Brokerstr documents:
 * 50 requests/minute per key). Counted per process: with several API processes each allows
 * the limit.
 */
export function createTokenRateLimit (perMinute: number, clock: () => number = Date.now) {
  const windows = new Map<number, { start: number; count: number }>()

  return {
    /** Throws HOOKHUB_RATE_LIMITED (429) with the seconds to wait once the token used its minute. */
    take (tokenId: number): void {
      const now = clock()
      if (windows.size > 10_000) {
        for (const [id, w] of windows) if (now - w.start >= WINDOW_MS) windows.delete(id)
      }
      let window = windows.get(tokenId)
      if (!window || now - window.start >= WINDOW_MS) {
        window = { start: now, count: 0 }
        windows.set(tokenId, window)
      }
      window.count++
      if (window.count > perMinute) {
        const retryAfter = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000))
        throw new HookhubError('HOOKHUB_RATE_LIMITED', [perMinute, retryAfter], { retry_after: retryAfter })
      }
    },
  }
}

export type TokenRateLimit = ReturnType<typeof createTokenRateLimit>

/**
 * Failed authentications per minute per client (an IP address, or an IP and an inbound URL):
 * once a client has failed `perMinute` times in its fixed one-minute window, every further
 * attempt, right or wrong, is refused until the window ends, so guessing tokens or webhook
 * secrets is capped at `perMinute` tries. At most `maxClients` windows are kept: expired ones
 * go first, then the oldest, so a flood of addresses cannot exhaust memory.
 */
export function createFailedAuthLimit (perMinute: number, { clock = Date.now, maxClients = 10_000 } = {}) {
  const windows = new Map<string, { start: number; count: number }>()

  function current (client: string, now: number) {
    const window = windows.get(client)
    return window && now - window.start < WINDOW_MS ? window : undefined
  }

  return {
    /** Throws HOOKHUB_AUTH_FAILURES_LIMITED (429) with the seconds to wait while `client` is locked out. */
    check (client: string): void {
      const now = clock()
      const window = current(client, now)
      if (window && window.count >= perMinute) {
        const retryAfter = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000))
        throw new HookhubError('HOOKHUB_AUTH_FAILURES_LIMITED', [perMinute, retryAfter], { retry_after: retryAfter })
      }
    },

    /** Counts one failed authentication of `client`. */
    fail (client: string): void {
      const now = clock()
      const window = current(client, now)
      if (window) {
        window.count++
        return
      }
      windows.delete(client)
      if (windows.size >= maxClients) {
        for (const [key, w] of windows) if (now - w.start >= WINDOW_MS) windows.delete(key)
        // Map order is insertion order: the first entries are the oldest windows.
        for (const key of windows.keys()) {
          if (windows.size < maxClients) break
          windows.delete(key)
        }
      }
      windows.set(client, { start: now, count: 1 })
    },

    /** Clients with a window in memory (for tests of the bound). */
    get size () { return windows.size },
  }
}

export type FailedAuthLimit = ReturnType<typeof createFailedAuthLimit>

/** Runs a limit's check; a refusal carries `Retry-After`, as RFC 6585 asks of a 429. */
export function withRetryAfter (reply: FastifyReply, check: () => void): void {
  try {
    check()
  } catch (err) {
    const retryAfter = (err as HookhubError).details?.retry_after
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter))
    throw err
  }
}
