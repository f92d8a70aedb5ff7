import fs from 'node:fs'
import path from 'node:path'
import { ConfigError, type Config } from './config.ts'
import { generateSecretKey, parseSecretKey } from './core/secret-box.ts'

export interface ResolvedSecretKey {
  key: Buffer
  /** Set when this start generated the key file. */
  generatedFile?: string
}

const HOW_TO_MAKE = 'generate one with: openssl rand -base64 32'

/** Where the generated key of an SQLite database lives: next to the database file. */
export const keyFileFor = (databaseFile: string) => path.join(path.dirname(databaseFile), 'secret.key')

export function resolveSecretKey (config: Pick<Config, 'secretKey' | 'database'>): ResolvedSecretKey {
  if (config.secretKey !== undefined) {
    const key = parseSecretKey(config.secretKey)
    if (!key) throw new ConfigError(`HOOKHUB_SECRET_KEY is not a 32-byte key in base64 or hex; ${HOW_TO_MAKE}`)
    return { key }
  }
  const db = config.database
  if (db.engine === 'postgres') {
    throw new ConfigError(`HOOKHUB_SECRET_KEY is required with PostgreSQL; ${HOW_TO_MAKE}`)
  }
  if (db.file === ':memory:') return { key: generateSecretKey() }

  const file = keyFileFor(db.file)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOENT') {
      throw new ConfigError(`cannot read the key file ${file} (${code}); fix its permissions or set HOOKHUB_SECRET_KEY`)
    }
    if (fs.existsSync(db.file)) {
      throw new ConfigError(`the key file ${file} is missing but the database ${db.file} exists; restore the key file or set HOOKHUB_SECRET_KEY to the key the database was created with`)
    }
    return { key: writeNewKeyFile(file), generatedFile: file }
  }
  const key = parseSecretKey(text)
  if (!key) throw new ConfigError(`the key file ${file} does not hold a 32-byte key in base64 or hex; restore it or set HOOKHUB_SECRET_KEY`)
  return { key }
}

function writeNewKeyFile (file: string): Buffer {
  const key = generateSecretKey()
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' })
  } catch (err) {
    throw new ConfigError(`cannot write the key file ${file} (${(err as NodeJS.ErrnoException).code}); make its folder writable or set HOOKHUB_SECRET_KEY`)
  }
  return key
}
