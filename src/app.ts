import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { ConfigError, redactUrl, type Config } from './config.ts'
import { createSecretBox, type SecretBox } from './core/secret-box.ts'
import { createUserService, type UserService } from './core/user-service.ts'
import { integrationsFormat } from './dialects/integrations/mapping.ts'
import { integrationRoutes } from './dialects/integrations/routes.ts'
import { createIntegrationService } from './dialects/integrations/service.ts'
import { healthRoutes } from './http/health-routes.ts'
import { createMetrics, installMetrics } from './http/metrics.ts'
import { createServer } from './http/server.ts'
import { userRoutes } from './http/user-routes.ts'
import { isDatabaseUnavailable, openDatabase, type Database, type OpenOptions } from './storage/database.ts'
import { createIntegrationRepository } from './storage/integration-repository.ts'
import { migrateToLatest } from './storage/migrator.ts'
import { createSettingsRepository } from './storage/settings-repository.ts'
import { createUserRepository } from './storage/user-repository.ts'

export interface Hub {
  app: FastifyInstance
  database: Database
  users: UserService
  secrets: SecretBox
  /** Token of the bootstrap admin when this start generated it: to be shown once. */
  generatedAdminToken?: string
  close (): Promise<void>
}

export interface HubOptions {
  config: Config
  secretKey: Buffer
  logger: Logger | false
  clock?: () => number
  /** Test hook: where the PostgreSQL connection points its search_path. */
  databaseOptions?: OpenOptions
}

const KEY_CHECK = 'secret_key_check'

/** Opens the database, applies pending migrations and proves the secret key is the database's. */
export async function prepareDatabase (config: Config, secrets: SecretBox, databaseOptions?: OpenOptions) {
  const database = openDatabase(config.database, databaseOptions)
  try {
    const applied = await migrateToLatest(database)
    const stored = await createSettingsRepository(database.db).putIfAbsent(KEY_CHECK, secrets.makeCheckValue())
    if (!secrets.verifyCheckValue(stored)) {
      throw new ConfigError('HOOKHUB_SECRET_KEY does not match the key this database was created with; set it to the original key (secrets stored with another key cannot be read)')
    }
    return { database, applied }
  } catch (err) {
    await database.close().catch(() => {})
    if (err instanceof ConfigError) throw err
    if (isDatabaseUnavailable(err) || (err as { code?: string }).code === '3D000' || (err as { code?: string }).code === '28P01') {
      const where = config.database.engine === 'postgres' ? redactUrl(config.database.url) : config.database.file
      throw new ConfigError(`cannot open the database ${where}: ${(err as Error).message}; check HOOKHUB_DATABASE_URL and that the server is running`)
    }
    throw err
  }
}

/** The composition root: storage, services and the HTTP server, wired once. */
export async function createHub ({ config, secretKey, logger, clock = Date.now, databaseOptions }: HubOptions): Promise<Hub> {
  const secrets = createSecretBox(secretKey)
  const { database } = await prepareDatabase(config, secrets, databaseOptions)
  const users = createUserService({ users: createUserRepository(database.db), clock })
  const { generatedToken } = await users.ensureAdmin(config.adminToken)
  const integrations = createIntegrationService({
    integrations: createIntegrationRepository(database.db), secrets, clock,
  })

  const app = await createServer({ logger, users, wireFormats: [integrationsFormat], publicUrl: config.publicUrl })
  installMetrics(app, createMetrics(), config.metricsToken)
  await app.register(healthRoutes(database))
  await app.register(userRoutes(users))
  await app.register(integrationRoutes(integrations))
  await app.ready()

  return {
    app,
    database,
    users,
    secrets,
    generatedAdminToken: generatedToken,
    async close () {
      await app.close()
      await database.close()
    },
  }
}
