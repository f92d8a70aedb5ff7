import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { ConfigError, redactUrl, type Config } from './config.ts'
import { createDeliveryAttempts } from './core/delivery-attempt.ts'
import { createDestinations } from './destinations/index.ts'
import { createDeliveryService } from './core/delivery-service.ts'
import { createDeliveryWorker, type DeliveryWorker } from './core/delivery-worker.ts'
import { createEndpointService, sealPlaintextHeaders } from './core/endpoint-service.ts'
import { createEventService } from './core/event-service.ts'
import { createOwnNamesCheck } from './core/owner-scope.ts'
import { createRetention, retentionOptionsFor, type Retention } from './core/retention.ts'
import { createSecretBox, type SecretBox } from './core/secret-box.ts'
import { createSourceService } from './core/source-service.ts'
import { createTestSendService } from './core/test-send-service.ts'
import { createUserService, type UserService } from './core/user-service.ts'
import { integrationsFormat } from './dialects/integrations/mapping.ts'
import { integrationRoutes } from './dialects/integrations/routes.ts'
import { createIntegrationService } from './dialects/integrations/service.ts'
import { brokerstrFormat } from './dialects/brokerstr/mapping.ts'
import { brokerstrRoutes } from './dialects/brokerstr/routes.ts'
import { createDistributorService, OWNER as BROKERSTR, ownerRoute as distributorRoute, type DistributorService } from './dialects/brokerstr/service.ts'
import { thuliumFormat } from './dialects/thulium/mapping.ts'
import { thuliumRoutes } from './dialects/thulium/routes.ts'
import { createThuliumService, OWNER as THULIUM, ownerRoute as thuliumWebhookRoute } from './dialects/thulium/service.ts'
import { createNodeService } from './core/node-service.ts'
import { incoplaxFormat } from './dialects/incoplax/mapping.ts'
import { IncoplaxError, incoplaxRoutes } from './dialects/incoplax/routes.ts'
import { BrokerstrError } from './dialects/brokerstr/schemas.ts'
import { Integration, LaravelError } from './dialects/integrations/schemas.ts'
import { createIntegrationPointService, OWNER as INCOPLAX, ownerRoute as integrationPointRoute } from './dialects/incoplax/service.ts'
import { createIntegrationPointRepository } from './storage/integration-point-repository.ts'
import { createDistributorRepository } from './storage/distributor-repository.ts'
import { createNodeRepository } from './storage/node-repository.ts'
import { createThuliumWebhookRepository } from './storage/thulium-webhook-repository.ts'
import { deliveryRoutes } from './http/delivery-routes.ts'
import { endpointRoutes } from './http/endpoint-routes.ts'
import { filterRoutes } from './http/filter-routes.ts'
import { eventRoutes } from './http/event-routes.ts'
import { healthRoutes } from './http/health-routes.ts'
import { hookRoutes } from './http/hook-routes.ts'
import { createMetrics, installMetrics } from './http/metrics.ts'
import { createServer } from './http/server.ts'
import { sourceRoutes } from './http/source-routes.ts'
import { statsRoutes } from './http/stats-routes.ts'
import { statusRoutes } from './http/status-routes.ts'
import { createStatsService } from './core/stats-service.ts'
import { createStatsRepository } from './storage/stats-repository.ts'
import { streamRoutes } from './http/stream-routes.ts'
import { testSendRoutes } from './http/test-send-routes.ts'
import { createMetricsRepository } from './storage/metrics-repository.ts'
import { CIRCUIT_THRESHOLD } from './core/endpoint-service.ts'
import { userRoutes } from './http/user-routes.ts'
import { isDatabaseUnavailable, openDatabase, type Database, type OpenOptions } from './storage/database.ts'
import { createDeliveryRepository } from './storage/delivery-repository.ts'
import { createEndpointRepository } from './storage/endpoint-repository.ts'
import { createEventRepository } from './storage/event-repository.ts'
import { createIntegrationRepository } from './storage/integration-repository.ts'
import { createRetentionRepository } from './storage/retention-repository.ts'
import { migrateToLatest } from './storage/migrator.ts'
import { createSettingsRepository } from './storage/settings-repository.ts'
import { createSourceRepository } from './storage/source-repository.ts'
import { createUserRepository } from './storage/user-repository.ts'
import { CHANNELS, createNotifications } from './storage/notifications.ts'
import { createActivityFeed } from './core/activity-feed.ts'
import { createTransformPool, TRANSFORM_THREADS, transformHardLimitMs } from './core/transform-pool.ts'
import { createTransforms } from './core/transforms.ts'
import { transformRoutes } from './http/transform-routes.ts'
import { createSourceSupervisor, type SourceSupervisor } from './sources/index.ts'
import { createSourceLeaseRepository } from './storage/source-lease-repository.ts'
import { createTenantService } from './core/tenant-service.ts'
import { createPublishAdmission } from './core/publish-admission.ts'
import { createTenantRepository } from './storage/tenant-repository.ts'
import { tenantRoutes } from './http/tenant-routes.ts'
import { createEventTypeService } from './core/event-type-service.ts'
import { createEventTypeRepository } from './storage/event-type-repository.ts'
import { eventTypeRoutes } from './http/event-type-routes.ts'
import { createPortalSessionService, withPortalSessions } from './core/portal-session-service.ts'
import { createPortalSessionRepository } from './storage/portal-session-repository.ts'

/** Settings key of the value that proves a secret key is the database's own (doctor reads it too). */
export const KEY_CHECK = 'secret_key_check'
/** A synchronous relay passes back at most this much of the receiver's answer. */
const RELAY_BODY_LIMIT = 1024 * 1024

/** Opens the database, applies pending migrations and proves the secret key is the database's. */
export async function prepareDatabase (config: Config, secrets: SecretBox, databaseOptions?: OpenOptions) {
  const database = openDatabase(config.database, databaseOptions)
  try {
    const applied = await migrateToLatest(database)
    const stored = await createSettingsRepository(database.db).putIfAbsent(KEY_CHECK, secrets.makeCheckValue())
    if (!secrets.verifyCheckValue(stored)) {
      throw new ConfigError('HOOKHUB_SECRET_KEY does not match the key this database was created with; set it to the original key (secrets stored with another key cannot be read)')
    }
    await sealPlaintextHeaders(createEndpointRepository(database.db), secrets)
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

export interface CoreOptions {
  config: Config
  secretKey: Buffer
  logger: Logger | false
  clock?: () => number
  /** Test hook: where the PostgreSQL connection points its search_path. */
  databaseOptions?: OpenOptions
}

/** Storage and services, without HTTP: what `serve` and `worker` both need. */
export async function createCore ({ config, secretKey, logger, clock = Date.now, databaseOptions }: CoreOptions) {
  const secrets = createSecretBox(secretKey)
  const { database } = await prepareDatabase(config, secrets, databaseOptions)
  const signal = createNotifications(database, {
    url: config.database.engine === 'postgres' ? config.database.url : undefined,
  })
  const notify = () => signal.notify(CHANNELS.work)
  // Only PostgreSQL deployments have other processes to tell.
  const activity = createActivityFeed(database.engine === 'postgres'
    ? { send: (payload) => signal.notify(CHANNELS.activity, payload), subscribe: (listener) => signal.subscribe(CHANNELS.activity, listener) }
    : undefined)
  const report = activity.record

  const repositories = {
    users: createUserRepository(database.db, database.engine),
    events: createEventRepository(database.db),
    endpoints: createEndpointRepository(database.db),
    deliveries: createDeliveryRepository(database.db, database.engine),
    sources: createSourceRepository(database.db),
    integrations: createIntegrationRepository(database.db),
    nodes: createNodeRepository(database.db),
    distributors: createDistributorRepository(database.db),
    thuliumWebhooks: createThuliumWebhookRepository(database.db),
    integrationPoints: createIntegrationPointRepository(database.db),
    tenants: createTenantRepository(database.db),
    eventTypes: createEventTypeRepository(database.db),
    portalSessions: createPortalSessionRepository(database.db),
  }
  const users = createUserService({ users: repositories.users, clock })
  // Deleting a node takes its distributors along; the two services know each other late.
  let distributors: DistributorService | undefined
  const nodes = createNodeService({
    nodes: repositories.nodes,
    onSubtreeDeleted: async (uuids) => { await distributors?.removeForNodes(uuids) },
    clock,
  })
  // This process's delivery workers, once started: new deliveries go straight to the first.
  const workers: DeliveryWorker[] = []
  const checkOwnNames = createOwnNamesCheck({
    nodeId: nodes.ownerOf,
    // A channel names an Incoplax integration point when it is one's code.
    channel: async (code) => (await repositories.integrationPoints.findByCode(code))?.user_id,
    tenantId: async () => null,
  })
  const eventTypes = createEventTypeService({ types: repositories.eventTypes, clock })
  const events = createEventService({
    events: repositories.events,
    endpoints: repositories.endpoints,
    checkOwnNames,
    nodeLineage: nodes.lineage,
    notify,
    clock,
    admit: createPublishAdmission({ tenants: repositories.tenants, catalog: eventTypes }),
    report,
    handoff: () => workers[0],
  })
  // Threads start on the first transform run: a hub without transforms never starts one.
  const transformPool = createTransformPool({ size: TRANSFORM_THREADS, hardLimitMs: transformHardLimitMs })
  const transforms = createTransforms({ pool: transformPool, timeoutMs: config.transformTimeoutMs })
  const endpoints = createEndpointService({
    endpoints: repositories.endpoints,
    transforms,
    tenants: repositories.tenants,
    checkOwnNames,
    deliveries: repositories.deliveries,
    secrets,
    notify,
    allowPrivateNetworks: config.allowPrivateNetworks,
    ownerRoutes: { [BROKERSTR]: distributorRoute, [INCOPLAX]: integrationPointRoute, [THULIUM]: thuliumWebhookRoute },
    clock,
  })
  const client = createDestinations({ allowPrivateNetworks: config.allowPrivateNetworks, requestTimeoutMs: config.requestTimeoutMs })
  const attempts = createDeliveryAttempts({
    deliveries: repositories.deliveries,
    endpoints: repositories.endpoints,
    endpointService: endpoints,
    client,
    publish: (input) => events.publish(input),
    logger,
    clock,
    retryScheduleMs: config.retryScheduleMs,
    circuitCooldownMs: config.circuitCooldownMs,
    transforms,
    report,
  })
  const sources = createSourceService({
    sources: repositories.sources,
    events,
    secrets,
    relayNow: (delivery, owner, timeoutMs) => attempts.attempt(delivery, owner, { timeoutMs, keepBodyBytes: RELAY_BODY_LIMIT }),
    publicUrl: config.publicUrl,
    allowPrivateNetworks: config.allowPrivateNetworks,
    brokerSourcesChanged: () => signal.notify(CHANNELS.sources).catch(() => {}),
    clock,
  })
  const deliveries = createDeliveryService({
    deliveries: repositories.deliveries, endpoints: repositories.endpoints, events: repositories.events, notify, clock,
    maxAttempts: config.retryScheduleMs.length, report,
  })
  const integrations = createIntegrationService({ integrations: repositories.integrations, secrets, sources, clock })
  distributors = createDistributorService({ distributors: repositories.distributors, endpoints, nodes, clock })
  const thulium = createThuliumService({ webhooks: repositories.thuliumWebhooks, endpoints, clock })
  const integrationPoints = createIntegrationPointService({ points: repositories.integrationPoints, endpoints, sources, secrets, clock })
  const tenants = createTenantService({ tenants: repositories.tenants, clock })
  const portalSessions = createPortalSessionService({
    sessions: repositories.portalSessions, tenants: repositories.tenants, publicUrl: config.publicUrl, clock,
  })

  // Broker sources are consumed where deliveries are worked: see docs/broker-sources.md.
  let supervisor: SourceSupervisor | null = null
  function startSupervisor () {
    supervisor = createSourceSupervisor({
      listSources: () => repositories.sources.listBroker(),
      urlOf: (row) => sources.brokerUrlOf(row),
      receive: (row, message) => sources.receiveMessage(row, message),
      leases: createSourceLeaseRepository(database.db),
      subscribe: (listener) => signal.subscribe(CHANNELS.sources, listener),
      allowPrivateNetworks: config.allowPrivateNetworks,
      leaseMs: config.leaseSeconds * 1000,
      logger,
      clock,
    })
    return supervisor.start()
  }

  function startWorkers (count: number) {
    for (let i = 0; i < count; i++) {
      const worker = createDeliveryWorker({
        deliveries: repositories.deliveries,
        endpoints: repositories.endpoints,
        endpointService: endpoints,
        publish: (input) => events.publish(input),
        client,
        transforms,
        subscribe: (listener) => signal.subscribe(CHANNELS.work, listener),
        report,
        logger,
        clock,
        options: {
          retryScheduleMs: config.retryScheduleMs,
          leaseMs: config.leaseSeconds * 1000,
          circuitCooldownMs: config.circuitCooldownMs,
          maxConcurrency: config.workerConcurrency,
          defaultPerEndpoint: 16,
        },
      })
      worker.start()
      workers.push(worker)
    }
  }

  return {
    config,
    database,
    secrets,
    repositories,
    services: { users, events, endpoints, sources, deliveries, integrations, nodes, distributors, thulium, integrationPoints, transforms, tenants, eventTypes, portalSessions },
    activity,
    /** Starts listening to the other processes of a PostgreSQL deployment. */
    listen: () => signal.start(),
    /** Broker sources this process consumes now. */
    consumingSources: () => supervisor?.consuming() ?? [],
    /** Deliveries this process's workers hold right now. */
    inFlight: () => workers.reduce((sum, worker) => sum + worker.held, 0),
    /** Starts `count` delivery workers in this process, woken by new work. */
    async startWorkers (count: number) {
      if (count === 0) return
      await signal.start()
      startWorkers(count)
      await startSupervisor()
    },
    /** Stops the workers gracefully (in-flight tries finish), then closes everything. */
    async close () {
      // Consumers first: the messages they are storing still find the database open.
      await supervisor?.stop()
      await Promise.all(workers.map((w) => w.stop()))
      await activity.close()
      await signal.close()
      await client.close()
      await transformPool.close()
      await database.close()
    },
  }
}

export type Core = Awaited<ReturnType<typeof createCore>>

export interface Hub extends Core {
  app: FastifyInstance
  users: UserService
  /** Token of the bootstrap admin when this start generated it: to be shown once. */
  generatedAdminToken?: string
  /** The periodic pruner of old events; null when HOOKHUB_RETENTION_DAYS=0. */
  retention: Retention | null
}

/** The composition root of `serve`: the core plus the HTTP API and, unless HOOKHUB_WORKERS=0, workers. */
export async function createHub (options: CoreOptions): Promise<Hub> {
  const core = await createCore(options)
  const { users, events, endpoints, sources, deliveries, integrations, nodes, distributors, thulium, integrationPoints, tenants, eventTypes, portalSessions } = core.services
  const { generatedToken } = await users.ensureAdmin(options.config.adminToken)

  const app = await createServer({
    logger: options.logger,
    users: withPortalSessions(users, portalSessions),
    wireFormats: [integrationsFormat, brokerstrFormat, thuliumFormat, incoplaxFormat],
    apiRateLimitPerMinute: options.config.apiRateLimitPerMinute,
    authFailureLimitPerMinute: options.config.authFailureLimitPerMinute,
    maxBodyBytesInFlight: options.config.maxBodyBytesInFlight,
    portalFrameAncestors: options.config.portalFrameAncestors,
    accessLog: options.config.accessLog,
    sharedSchemas: [Integration, LaravelError, BrokerstrError, IncoplaxError],
  })
  const metrics = createMetrics({
    repository: createMetricsRepository(core.database.db), inFlight: core.inFlight, circuitThreshold: CIRCUIT_THRESHOLD,
  })
  core.activity.subscribe(metrics.observe)
  installMetrics(app, metrics, options.config.metricsToken)
  await app.register(healthRoutes(core.database))
  await app.register(statusRoutes(options.config, (options.clock ?? Date.now)()))
  await app.register(userRoutes(users))
  await app.register(eventRoutes(events, deliveries))
  await app.register(endpointRoutes(endpoints))
  await app.register(filterRoutes)
  await app.register(transformRoutes(core.services.transforms))
  await app.register(testSendRoutes(createTestSendService({
    endpoints, rows: core.repositories.endpoints, events, deliveries: core.repositories.deliveries, catalog: core.repositories.eventTypes,
  })))
  await app.register(sourceRoutes(sources))
  await app.register(deliveryRoutes(deliveries))
  await app.register(tenantRoutes(tenants, portalSessions))
  await app.register(eventTypeRoutes(eventTypes))
  await app.register(statsRoutes(createStatsService({
    stats: createStatsRepository(core.database.db), endpoints: core.repositories.endpoints, clock: options.clock ?? Date.now,
  })))
  await app.register(streamRoutes({
    feed: core.activity,
    users,
    limits: { perToken: options.config.maxStreamsPerToken, total: options.config.maxStreams },
  }))
  await app.register(hookRoutes(sources))
  await app.register(integrationRoutes(integrations, sources.inboundUrlFor))
  await app.register(brokerstrRoutes(nodes, distributors))
  await app.register(thuliumRoutes(thulium))
  await app.register(incoplaxRoutes(integrationPoints))
  await app.ready()
  await core.listen()
  await core.startWorkers(options.config.workers)
  // Only serve prunes (hookhub worker never does): one pruner per API process is enough, and
  // on PostgreSQL an advisory lock lets one of several API processes prune at a time.
  const retention = options.config.retentionDays > 0
    ? createRetention({
      retention: createRetentionRepository(core.database.db, core.database.engine),
      logger: options.logger,
      clock: options.clock ?? Date.now,
      options: retentionOptionsFor(core.database.engine, options.config.retentionDays),
    })
    : null
  retention?.start()

  return {
    ...core,
    app,
    users,
    generatedAdminToken: generatedToken,
    retention,
    async close () {
      await retention?.stop()
      await app.close()
      await core.close()
    },
  }
}
