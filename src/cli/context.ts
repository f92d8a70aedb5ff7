import { loadConfig, type Config } from '../config.ts'
import { resolveSecretKey, type ResolvedSecretKey } from '../secret-key.ts'

export interface CommonOptions {
  databaseUrl?: string
  port?: string
  host?: string
}

/** Configuration from the environment, with command-line flags taking precedence. */
export function loadCliConfig (options: CommonOptions): Config {
  const env = { ...process.env }
  if (options.databaseUrl !== undefined) env.HOOKHUB_DATABASE_URL = options.databaseUrl
  if (options.port !== undefined) env.PORT = options.port
  if (options.host !== undefined) env.HOST = options.host
  return loadConfig(env)
}

/** The configuration and the secret key (generated for a new SQLite database). */
export function configFrom (options: CommonOptions): { config: Config; key: ResolvedSecretKey } {
  const config = loadCliConfig(options)
  return { config, key: resolveSecretKey(config) }
}
