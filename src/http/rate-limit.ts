import { HookhubError } from './errors.ts'

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
