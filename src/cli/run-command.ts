import { ConfigError } from '../config.ts'

/** Exit codes of every hookhub command. */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

/** Thrown by a command for a mistake in how it was called (exit 2). */
export class UsageError extends Error {}

/** One line for any failure; validation failures name each field and what is wrong with it. */
function describe (err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]
  const fields = (err as { details?: { fields?: Record<string, string[]> } }).details?.fields
  if (!fields) return message
  return `${message}: ${Object.entries(fields).map(([field, problems]) => `${field} ${problems.join(', ')}`).join('; ')}`
}

/**
 * Runs a command body; any failure becomes one line on stderr and the right exit code, never a
 * stack trace (HOOKHUB_DEBUG=1 prints it for developers).
 */
export async function runCommand (body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (err) {
    if (process.env.HOOKHUB_DEBUG) console.error(err)
    console.error(`hookhub: ${describe(err)}`)
    process.exitCode = err instanceof UsageError ? EXIT_USAGE : EXIT_FAILED
  }
}

export { ConfigError }

/**
 * On SIGINT or SIGTERM, closes gracefully once (workers finish in-flight deliveries and hand
 * back the rest) and exits 0, or 1 when closing failed.
 */
export function closeOnSignals (close: () => Promise<void>, log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void }) {
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    close().then(() => process.exit(EXIT_OK), (err) => {
      log.error({ err }, 'shutdown failed')
      process.exit(EXIT_FAILED)
    })
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}
