import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import type { Logger } from 'pino'
import type { TSchema } from 'typebox'
import { installAuth } from './auth.ts'
import { installBodyBudget } from './body-budget.ts'
import { clientErrorResponder } from './client-errors.ts'
import { consoleRoutes, portalRoutes } from './console-routes.ts'
import { installErrorHandler, type ErrorResponder } from './error-handler.ts'
import { installJsonBody } from './json-body.ts'
import { customMethodServerFactory } from './custom-methods.ts'
import { carryLookup, LOOKUP_CARRIER } from './lookup-method.ts'
import { installNotFoundHandler } from './not-found.ts'
import { describeResponses } from './openapi-descriptions.ts'
import { installRequestLog, OneLinePerRequest, type AccessLog } from './request-log.ts'
import { createFailedAuthLimit, createTokenRateLimit } from './rate-limit.ts'
import { NativeError } from './native-schemas.ts'
import { nativeFormat, type WireFormat } from './wire-format.ts'
import type { UserService } from '../core/user-service.ts'
import { VERSION } from '../version.ts'

export const BODY_LIMIT = 1024 * 1024

const DOCS_LOGO = {
  type: 'image/svg+xml',
  content: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="0" y="28" font-family="sans-serif" font-size="24" font-weight="bold" fill="#ffffff">hookhub</text></svg>'),
}

// Bodies are validated exactly as sent (a number is not a string); query strings and path
// parameters arrive as text, so they are coerced to the declared types.
function makeAjv (coerceTypes: boolean) {
  const ajv = new Ajv.default({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: true, strict: false })
  addFormats.default(ajv)
  return ajv
}

const OPTIONAL_BODY = 'x-hookhub-optional-body'

/** Marks a body schema as optional: a request without a body (curl -X POST) passes. */
export const optionalBody = <T extends object>(schema: T): T => ({ ...schema, [OPTIONAL_BODY]: true })

export interface ServerOptions {
  logger: Logger | false
  users: Pick<UserService, 'authenticate'>
  wireFormats: readonly WireFormat[]
  /** Requests per minute per API token; null for none. */
  apiRateLimitPerMinute: number | null
  /** Failed authentications per minute per client before it gets 429; null for no limit. */
  authFailureLimitPerMinute?: number | null
  /**
   * Schemas routes refer to by $id. They are added here, on the root: a plugin that adds its
   * own schemas gets Fastify's default validator instead of the strict one set below.
   */
  sharedSchemas: readonly TSchema[]
  /** The built web console (default dist/console); tests point it elsewhere. */
  consoleDir?: string
  /** The built customer portal (default dist/portal); tests point it elsewhere. */
  portalDir?: string
  /** Origins that may frame the portal (HOOKHUB_PORTAL_FRAME_ANCESTORS); none when absent. */
  portalFrameAncestors?: readonly string[]
  /** Request body bytes held at once (HOOKHUB_MAX_BODY_BYTES_IN_FLIGHT). */
  maxBodyBytesInFlight: number
  /** Which requests get a log line (HOOKHUB_ACCESS_LOG). */
  accessLog: AccessLog
}

/** A Fastify instance with the hub's HTTP conventions installed; routes are added by the caller. */
export async function createServer (options: ServerOptions): Promise<FastifyInstance> {
  let respondWithError: ErrorResponder | undefined
  let logUnrouted: ((request: FastifyRequest, reply: FastifyReply) => void) | undefined
  const app = Fastify({
    loggerInstance: options.logger || undefined,
    logger: options.logger ? undefined : false,
    logController: new OneLinePerRequest(),
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    return503OnClosing: true,
    // Long ids reach the routes, which answer 404 in their API's shape.
    routerOptions: { maxParamLength: 2048 },
    // Incoplax's LOOKUP verb: custom-methods.ts gets it past Node's parser on real sockets,
    // lookup-method.ts carries it through Fastify's router as SEARCH.
    serverFactory: customMethodServerFactory(['LOOKUP']),
    rewriteUrl: carryLookup,
    // A malformed URL (%ZZ) or an over-long parameter fails before routing, where the error
    // handler is not reached: answered here, in the API's own error shape.
    frameworkErrors: (err, request, reply) => {
      logUnrouted?.(request as FastifyRequest, reply as FastifyReply)
      return respondWithError!(err, request as FastifyRequest, reply as FastifyReply)
    },
    // What Node's parser refuses (431, a malformed request line) never becomes a request at all.
    clientErrorHandler: clientErrorResponder([nativeFormat, ...options.wireFormats]),
  }) as unknown as FastifyInstance
  app.addHttpMethod(LOOKUP_CARRIER, { hasBody: true })
  const bodyAjv = makeAjv(false)
  const textAjv = makeAjv(true)
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const validate = (httpPart === 'body' ? bodyAjv : textAjv).compile(schema)
    if (httpPart === 'body' && (schema as Record<string, unknown>)[OPTIONAL_BODY]) {
      const optional = (data: unknown) => data === undefined || data === null || validate(data)
      // Fastify reads the issues of a failed check from the validator's `errors`.
      return Object.defineProperty(optional, 'errors', { get: () => validate.errors })
    }
    return validate as (data: unknown) => boolean
  })

  if (options.logger) logUnrouted = installRequestLog(app, options.accessLog)
  installBodyBudget(app, options.maxBodyBytesInFlight, BODY_LIMIT)
  installJsonBody(app)
  respondWithError = installErrorHandler(app, [nativeFormat, ...options.wireFormats], BODY_LIMIT)
  installNotFoundHandler(app)
  installAuth(app, options.users,
    options.apiRateLimitPerMinute ? createTokenRateLimit(options.apiRateLimitPerMinute) : null,
    options.authFailureLimitPerMinute ? createFailedAuthLimit(options.authFailureLimitPerMinute) : null)

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'hookhub', version: VERSION, description: 'Integration and webhook hub: native API and wire-compatible dialects' },
      // Relative: "Try it out" at /docs calls the origin the page was loaded from, whatever the hub's public URL.
      servers: [{ url: '/', description: 'this hub' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          basic: { type: 'http', scheme: 'basic', description: 'user name and API token' },
        },
      },
      security: [{ bearer: [] }, { basic: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    // Open routes (health, metrics, inbound hooks) say so, instead of inheriting the document's security.
    transform: ({ schema, url, route }) => {
      const described = describeResponses(schema as Parameters<typeof describeResponses>[0])
      return { schema: ((route.config as { public?: boolean } | undefined)?.public ? { ...described, security: [] } : described) as typeof schema, url }
    },
  })
  await app.register(async (docs) => {
    // The documentation UI is open to everyone, like the document it shows.
    docs.addHook('onRoute', (route) => { route.config = { ...route.config, public: true } })
    // The hub's name in the top bar, where the UI would show the framework's logo.
    await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true }, logo: DOCS_LOGO, logLevel: 'warn' })
  })
  await app.register(consoleRoutes(options.consoleDir))
  await app.register(portalRoutes(options.portalDir, options.portalFrameAncestors))
  for (const schema of [NativeError, ...options.sharedSchemas]) app.addSchema(schema)

  app.get('/openapi.json', {
    config: { public: true },
    schema: { operationId: 'getOpenApi', tags: ['operations'], summary: 'This OpenAPI 3.1 document', hide: true },
  }, async () => app.swagger())

  return app
}
