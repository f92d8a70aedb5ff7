// Every stable error code hookhub answers with. Codes are never renamed; a retired code
// moves to `retiredCodes` and is never reused. This module imports nothing so that core and
// storage can throw HookhubError without depending on HTTP.

export const codes = {
  // Request shape
  HOOKHUB_INVALID_JSON: { status: 400, message: 'Body is not valid JSON' },
  HOOKHUB_BAD_REQUEST: { status: 400, message: '%s' },
  HOOKHUB_VALIDATION_FAILED: { status: 422, message: 'Validation failed' },
  HOOKHUB_BODY_TOO_LARGE: { status: 413, message: 'Body exceeds %s bytes' },
  HOOKHUB_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported Content-Type; send application/json' },
  HOOKHUB_HEADERS_TOO_LARGE: { status: 431, message: 'Request headers exceed %s bytes' },
  HOOKHUB_REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time' },
  // Routing
  HOOKHUB_ROUTE_NOT_FOUND: { status: 404, message: 'Route %s %s not found' },
  HOOKHUB_METHOD_NOT_ALLOWED: { status: 405, message: 'Method %s is not allowed on %s' },
  // Auth
  HOOKHUB_UNAUTHENTICATED: { status: 401, message: 'Missing or invalid credentials' },
  HOOKHUB_FORBIDDEN: { status: 403, message: 'Permission %s is required' },
  HOOKHUB_RATE_LIMITED: { status: 429, message: 'Too many requests: %s per minute per token; retry after %s s' },
  HOOKHUB_AUTH_FAILURES_LIMITED: { status: 429, message: 'Too many failed authentications from this client (%s per minute); retry after %s s' },
  HOOKHUB_TOO_MANY_STREAMS: { status: 429, message: 'Too many open streams: at most %s' },
  HOOKHUB_SIGNATURE_INVALID: { status: 401, message: 'The request signature does not verify' },
  HOOKHUB_SOURCE_NO_SECRET: { status: 401, message: 'Source has no secret configured' },
  // Resources
  HOOKHUB_NOT_FOUND: { status: 404, message: '%s not found' },
  HOOKHUB_CONFLICT: { status: 409, message: '%s' },
  HOOKHUB_OWNED_BY_DIALECT: { status: 409, message: 'Endpoint %s belongs to the %s API and is read-only here; change or delete it with %s' },
  HOOKHUB_TRANSFORM_FAILED: { status: 422, message: 'The transform failed: %s' },
  HOOKHUB_SSRF_BLOCKED: { status: 422, message: 'Delivery to a private, loopback or link-local address is blocked' },
  HOOKHUB_PAYLOAD_INVALID: { status: 422, message: 'The payload does not match the schema of event type %s' },
  // Synchronous relays
  HOOKHUB_RELAY_TIMEOUT: { status: 504, message: 'The receiver did not answer within %s ms; the message is stored and will be retried' },
  HOOKHUB_RELAY_FAILED: { status: 502, message: 'The receiver could not be reached (%s); the message is stored and will be retried' },
  // Infrastructure
  HOOKHUB_DATABASE_UNAVAILABLE: { status: 503, message: 'Database is unavailable; retry later' },
  HOOKHUB_BUSY: { status: 503, message: 'Too many request bodies in flight; retry after %s s' },
  HOOKHUB_CONSOLE_NOT_BUILT: { status: 503, message: 'The web console is not built; run npm run build' },
  HOOKHUB_INTERNAL: { status: 500, message: 'Internal server error' },
} as const satisfies Record<string, { status: number; message: string }>

export type HookhubCode = keyof typeof codes

/** Codes that were once answered and must never be used again. */
export const retiredCodes: readonly string[] = []

export type ErrorDetails = Record<string, unknown>

export class HookhubError extends Error {
  readonly code: HookhubCode
  readonly statusCode: number
  readonly details: ErrorDetails

  constructor (code: HookhubCode, args: readonly (string | number)[] = [], details: ErrorDetails = {}) {
    super(formatMessage(codes[code].message, args))
    this.name = 'HookhubError'
    this.code = code
    this.statusCode = codes[code].status
    this.details = details
  }
}

function formatMessage (template: string, args: readonly (string | number)[]): string {
  let i = 0
  return template.replace(/%s/g, () => String(args[i++] ?? ''))
}

/** An error whose wire body a dialect has already decided, sent exactly as given. */
export class WireError extends Error {
  readonly statusCode: number
  readonly body: unknown

  constructor (statusCode: number, body: unknown) {
    super(`wire error ${statusCode}`)
    this.name = 'WireError'
    this.statusCode = statusCode
    this.body = body
  }
}

export const notFound = (what: string) => new HookhubError('HOOKHUB_NOT_FOUND', [what])
export const forbidden = (permission: string) => new HookhubError('HOOKHUB_FORBIDDEN', [permission])
export const conflict = (message: string, details: ErrorDetails = {}) =>
  new HookhubError('HOOKHUB_CONFLICT', [message], details)
/** JSON text must be UTF-8 (RFC 8259): other bytes are refused, never decoded into U+FFFD. */
export const invalidUtf8 = () => new HookhubError('HOOKHUB_INVALID_JSON', [], { reason: 'the body is not valid UTF-8' })

export const ownedByDialect = (endpointId: string, dialect: string, ownerId: string, route: string) =>
  new HookhubError('HOOKHUB_OWNED_BY_DIALECT', [endpointId, dialect, route], { dialect, owner_id: ownerId, route })
export const validationFailed = (fields: Record<string, string[]>) =>
  new HookhubError('HOOKHUB_VALIDATION_FAILED', [], { fields })

/**
 * Adds a problem of `field` to a validation map. Field names can come from the client
 * ("__proto__"): they become own properties, never a write into Object.prototype.
 */
export function addProblem (fields: Record<string, string[]>, field: string, ...problems: string[]) {
  if (Object.hasOwn(fields, field)) fields[field].push(...problems)
  else Object.defineProperty(fields, field, { value: [...problems], enumerable: true, writable: true, configurable: true })
}

/**
 * Runs `body` and translates the field names of a validation failure it raises, for a dialect
 * whose clients know the fields by other names (the endpoint's `url` is Brokerstr's `meta.host`).
 */
export async function withFieldNames<T> (rename: (field: string) => string, body: () => Promise<T>): Promise<T> {
  try {
    return await body()
  } catch (err) {
    if (!(err instanceof HookhubError) || err.code !== 'HOOKHUB_VALIDATION_FAILED') throw err
    const renamed: Record<string, string[]> = {}
    for (const [field, problems] of Object.entries(err.details.fields as Record<string, string[]>)) addProblem(renamed, rename(field), ...problems)
    throw validationFailed(renamed)
  }
}
