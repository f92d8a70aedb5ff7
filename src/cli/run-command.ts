import { ConfigError } from '../config.ts'

/** Exit codes of every hookhub command. */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

/** Thrown by a command for a mistake in how it was called (exit 2). */
export class UsageError extends Error {}

/**
 * Runs a command body; any failure becomes one line on stderr and the right exit code, never a
 * stack trace (HOOKHUB_DEBUG=1 prints it for developers).
 */
export async function runCommand (body: () => Promise<void>): Promise<void> {
  try {
    await body()
  } catch (err) {
    if (process.env.HOOKHUB_DEBUG) console.error(err)
    const message = err instanceof Error ? err.message : String(err)
    console.error(`hookhub: ${message.split('\n')[0]}`)
    process.exitCode = err instanceof UsageError ? EXIT_USAGE : EXIT_FAILED
  }
}

export { ConfigError }
