import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'

export interface BackupResult {
  pages: number
  bytes: number
}

/**
 * Copies a live SQLite database (the hub may be writing to it) to `destination` with SQLite's
 * online backup: every page in one step, so the copy is one consistent snapshot (in WAL mode the
 * hub's writers are not blocked meanwhile). The copy is written beside `destination` and renamed
 * into place, so `destination` never holds half a backup; it is readable by its owner only, like
 * the database. Refuses an existing `destination` unless `overwrite`.
 */
export async function backupSqlite (file: string, destination: string, { overwrite = false } = {}): Promise<BackupResult> {
  if (!fs.existsSync(file)) throw new Error(`no database at ${file}`)
  if (!overwrite && fs.existsSync(destination)) throw new Error(`${destination} exists; choose another file or pass --force to replace it`)
  const partial = path.join(path.dirname(destination), `.${path.basename(destination)}.${process.pid}.partial`)
  fs.mkdirSync(path.dirname(destination), { recursive: true })
  fs.closeSync(fs.openSync(partial, 'w', 0o600))
  fs.chmodSync(partial, 0o600)
  const source = new SQLite(file, { fileMustExist: true })
  try {
    source.pragma('busy_timeout = 5000')
    const { totalPages } = await source.backup(partial, { progress: ({ totalPages: total }) => Math.max(total, 100) })
    // The copy is a database of its own: in rollback-journal mode, so that it is one file.
    const copy = new SQLite(partial)
    try {
      copy.pragma('journal_mode = DELETE')
    } finally {
      copy.close()
    }
    fs.renameSync(partial, destination)
    return { pages: totalPages, bytes: fs.statSync(destination).size }
  } catch (err) {
    fs.rmSync(partial, { force: true })
    throw err
  } finally {
    source.close()
  }
}
