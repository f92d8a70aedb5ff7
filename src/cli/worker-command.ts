import { createCore } from '../app.ts'
import { createLogger } from '../logger.ts'
import { configFrom, type CommonOptions } from './context.ts'
import { closeOnSignals } from './run-command.ts'

/** `hookhub worker`: delivery workers without the HTTP API, for scale-out on PostgreSQL. */
export async function worker (options: CommonOptions & { workers?: string }) {
  const { config, key } = configFrom(options)
  const logger = createLogger(config.logLevel)
  const count = options.workers === undefined ? Math.max(1, config.workers) : Number(options.workers)
  if (!Number.isInteger(count) || count < 1) throw new Error(`--workers "${options.workers}" must be a whole number of at least 1`)
  if (config.database.engine === 'sqlite') {
    logger.warn('SQLite has one writer: run workers inside `hookhub serve` unless the database is PostgreSQL')
  }
  const core = await createCore({ config, secretKey: key.key, logger })
  await core.startWorkers(count)
  process.stdout.write(`hookhub worker started: ${count} worker(s), pid ${process.pid}\n`)

  closeOnSignals(() => core.close(), logger)
}
