import { loadConfig, type Config } from '../config.ts'
import { resolveSecretKey, type ResolvedSecretKey } from '../secret-key.ts'

export interface CommonOptions {
  databaseUrl?: string
  port?: string
  host?: string
}

/** Configuration from the environment, with command-line flags taking precedence. */
export function configFrom (options: CommonOptions): { config: Config; key: ResolvedSecretKey } {
  const env = { ...process.env }
  if (options.databaseUrl !== undefined) env.HOOKHUB_DATABASE_URL = options.databaseUrl
  if (options.port !== undefined) env.PORT = options.port
  if (options.host !== undefined) env.HOST = options.host
  const config = loadConfig(env)
  return { config, key: resolveSecretKey(config) }
}
