import path from 'node:path'
import { backupSqlite } from '../storage/sqlite-backup.ts'
import { loadCliConfig, type CommonOptions } from './context.ts'
import { printLine } from './output.ts'
import { UsageError } from './run-command.ts'

export interface BackupOptions extends CommonOptions {
  force?: boolean
}

/** `hookhub backup FILE`: an online copy of the SQLite database, taken while the hub runs. */
export async function backup (file: string, options: BackupOptions) {
  const config = loadCliConfig(options)
  const database = config.database
  if (database.engine === 'postgres') {
    throw new UsageError('hookhub backup copies SQLite databases; back up PostgreSQL with pg_dump (pg_dump -Fc -f hookhub.dump "$HOOKHUB_DATABASE_URL")')
  }
  if (database.file === ':memory:') throw new UsageError('an in-memory database (sqlite::memory:) has nothing to back up')
  const destination = path.resolve(file)
  if (destination === database.file) throw new UsageError(`${file} is the database itself; choose another file`)
  const started = Date.now()
  const { pages, bytes } = await backupSqlite(database.file, destination, { overwrite: options.force })
  printLine(`backed up sqlite:${database.file} to ${destination}: ${pages} pages, ${(bytes / 1024 / 1024).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  printLine('  the secret key is not in the backup: keep secret.key (or HOOKHUB_SECRET_KEY) with it, or its secrets cannot be read')
}
