import path from 'node:path'
import { DEFAULT_RETRY_SCHEDULE_MS, parseRetrySchedule } from './core/retry-schedule.ts'

/** A problem an operator must fix before hookhub can start; printed as one line, never a stack. */
export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

export type DatabaseTarget =
  | { engine: 'sqlite'; file: string | ':memory:' }
  | { engine: 'postgres'; url: string }

export interface Config {
  port: number
  host: string
  database: DatabaseTarget
  /** Raw HOOKHUB_SECRET_KEY value, if set; resolved to bytes by secret-key.ts. */
  secretKey?: string
  adminToken?: string
  publicUrl: string
  allowPrivateNetworks: boolean
  workers: number
  logLevel: string
  /** Which HTTP requests get a log line: `errors` (4xx/5xx and slow ones) or `all`. */
  accessLog: 'errors' | 'all'
  metricsToken?: string
  leaseSeconds: number
  retryScheduleMs: number[]
  circuitCooldownMs: number
  requestTimeoutMs: number
  workerConcurrency: number
  /** Requests per minute per API token; null = no limit. */
  apiRateLimitPerMinute: number | null
  /** Failed authentications per minute per client IP before 429; null = no limit. */
  authFailureLimitPerMinute: number | null
  /** Finished events older than this many days are pruned by `serve`; 0 keeps everything. */
  retentionDays: number
  /** Open `GET /api/v1/stream` connections per API token, and in the whole process. */
  maxStreamsPerToken: number
  maxStreams: number
  /** Request body bytes the process holds at once; past it, requests are refused with 503. */
  maxBodyBytesInFlight: number
  /** Time limit of one run of an endpoint's transform. */
  transformTimeoutMs: number
  /** Origins whose pages may frame /portal (CSP frame-ancestors); empty: none may. */
  portalFrameAncestors: string[]
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/hookhub.db'

const MIB = 1024 * 1024

export function parseDatabaseUrl (value: string): DatabaseTarget {
  const url = value.trim()
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (file === '') throw new ConfigError(`HOOKHUB_DATABASE_URL "${value}" names no file; use sqlite:./data/hookhub.db or sqlite::memory:`)
    return { engine: 'sqlite', file: file === ':memory:' ? ':memory:' : path.resolve(file) }
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    try {
      const parsed = new URL(url)
      if (!parsed.hostname) throw new Error('no host')
    } catch {
      throw new ConfigError(`HOOKHUB_DATABASE_URL "${redactUrl(value)}" is not a valid URL; use postgres://user:password@host:5432/database`)
    }
    return { engine: 'postgres', url }
  }
  throw new ConfigError(`HOOKHUB_DATABASE_URL "${redactUrl(value)}" is not supported; use sqlite:<path> or postgres://user:password@host:5432/database`)
}

/** Hides a password in a database URL so that it can appear in messages and logs. */
export function redactUrl (value: string): string {
  return value.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1****@')
}

function parsePort (value: string | undefined): number {
  if (value === undefined || value === '') return 8080
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT "${value}" is not a port number; use an integer from 0 to 65535`)
  }
  return port
}

function parseBoolean (name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback
  if (/^(true|1|yes)$/i.test(value)) return true
  if (/^(false|0|no)$/i.test(value)) return false
  throw new ConfigError(`${name} "${value}" is not a boolean; use true or false`)
}

/** A CSP source an embedding page can be: a scheme and host (`*.` allowed), an optional port; or 'self' / 'none'. */
const FRAME_SOURCE = /^(https?:\/\/(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?|'self'|'none')$/

/** Space-separated origins; anything else could end the CSP directive and add another. */
function parseFrameAncestors (value: string | undefined): string[] {
  const sources = (value ?? '').split(/\s+/).filter(Boolean)
  const bad = sources.find((source) => !FRAME_SOURCE.test(source))
  if (bad !== undefined) {
    throw new ConfigError(`HOOKHUB_PORTAL_FRAME_ANCESTORS: "${bad}" is not an origin; use space-separated origins such as https://app.example.com`)
  }
  return sources.includes("'none'") ? [] : sources
}

function parseCount (name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} "${value}" must be an integer of at least ${min}`)
  return n
}

/** One duration such as "30s", "500ms" or "2m" (a bare number is seconds). */
function parseDuration (name: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined || value === '') return fallbackMs
  const parsed = parseRetrySchedule(value)
  if (!parsed || parsed.length !== 1 || parsed[0] <= 0) throw new ConfigError(`${name} "${value}" is not a duration; use e.g. 30s, 500ms or 2m`)
  return parsed[0]
}

function parseSchedule (value: string | undefined): number[] {
  if (value === undefined || value === '') return DEFAULT_RETRY_SCHEDULE_MS
  const parsed = parseRetrySchedule(value)
  if (!parsed) throw new ConfigError(`HOOKHUB_RETRY_SCHEDULE "${value}" is not a schedule; use delays such as 0,5s,5m,30m,2h`)
  return parsed
}

const DEFAULT_TRANSFORM_TIMEOUT_MS = 50

/** Milliseconds, 1 to 10 000: a transform is a small function, and it holds a sandbox thread while it runs. */
function parseTransformTimeout (value: string | undefined): number {
  const ms = parseCount('HOOKHUB_TRANSFORM_TIMEOUT_MS', value, DEFAULT_TRANSFORM_TIMEOUT_MS, 1)
  if (ms > 10_000) throw new ConfigError(`HOOKHUB_TRANSFORM_TIMEOUT_MS "${value}" must be at most 10000 (milliseconds)`)
  return ms
}

function parseAccessLog (value: string | undefined): 'errors' | 'all' {
  if (value === undefined || value === '') return 'errors'
  if (value === 'errors' || value === 'all') return value
  throw new ConfigError(`HOOKHUB_ACCESS_LOG "${value}" is not a choice; use errors (4xx/5xx and requests slower than 1 s) or all`)
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const port = parsePort(env.PORT)
  const logLevel = env.HOOKHUB_LOG_LEVEL || 'info'
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`HOOKHUB_LOG_LEVEL "${logLevel}" is not a level; use one of ${LOG_LEVELS.join(', ')}`)
  }
  const publicUrl = (env.HOOKHUB_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '')
  try {
    new URL(publicUrl)
  } catch {
    throw new ConfigError(`HOOKHUB_PUBLIC_URL "${publicUrl}" is not an absolute URL; use e.g. https://hooks.example.com`)
  }
  const adminToken = env.HOOKHUB_ADMIN_TOKEN || undefined
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('HOOKHUB_ADMIN_TOKEN is shorter than 16 characters; use a long random value (openssl rand -hex 32)')
  }
  return {
    port,
    host: env.HOST || '0.0.0.0',
    database: parseDatabaseUrl(env.HOOKHUB_DATABASE_URL || DEFAULT_DATABASE_URL),
    secretKey: env.HOOKHUB_SECRET_KEY || undefined,
    adminToken,
    publicUrl,
    allowPrivateNetworks: parseBoolean('HOOKHUB_ALLOW_PRIVATE_NETWORKS', env.HOOKHUB_ALLOW_PRIVATE_NETWORKS, false),
    workers: parseCount('HOOKHUB_WORKERS', env.HOOKHUB_WORKERS, 1, 0),
    logLevel,
    accessLog: parseAccessLog(env.HOOKHUB_ACCESS_LOG),
    metricsToken: env.HOOKHUB_METRICS_TOKEN || undefined,
    leaseSeconds: parseCount('HOOKHUB_LEASE_SECONDS', env.HOOKHUB_LEASE_SECONDS, 30, 1),
    retryScheduleMs: parseSchedule(env.HOOKHUB_RETRY_SCHEDULE),
    circuitCooldownMs: parseDuration('HOOKHUB_CIRCUIT_COOLDOWN', env.HOOKHUB_CIRCUIT_COOLDOWN, 30_000),
    requestTimeoutMs: parseDuration('HOOKHUB_REQUEST_TIMEOUT', env.HOOKHUB_REQUEST_TIMEOUT, 15_000),
    workerConcurrency: parseCount('HOOKHUB_WORKER_CONCURRENCY', env.HOOKHUB_WORKER_CONCURRENCY, 128, 1),
    apiRateLimitPerMinute: parseCount('HOOKHUB_API_RATE_LIMIT', env.HOOKHUB_API_RATE_LIMIT, 0, 0) || null,
    authFailureLimitPerMinute: parseCount('HOOKHUB_AUTH_FAILURE_LIMIT', env.HOOKHUB_AUTH_FAILURE_LIMIT, 30, 0) || null,
    retentionDays: parseCount('HOOKHUB_RETENTION_DAYS', env.HOOKHUB_RETENTION_DAYS, 30, 0),
    maxStreamsPerToken: parseCount('HOOKHUB_MAX_STREAMS_PER_TOKEN', env.HOOKHUB_MAX_STREAMS_PER_TOKEN, 5, 1),
    maxStreams: parseCount('HOOKHUB_MAX_STREAMS', env.HOOKHUB_MAX_STREAMS, 500, 1),
    // Below the 1 MiB body limit, a body of the largest allowed size could never be taken.
    maxBodyBytesInFlight: parseCount('HOOKHUB_MAX_BODY_BYTES_IN_FLIGHT', env.HOOKHUB_MAX_BODY_BYTES_IN_FLIGHT, 64 * MIB, MIB),
    transformTimeoutMs: parseTransformTimeout(env.HOOKHUB_TRANSFORM_TIMEOUT_MS),
    portalFrameAncestors: parseFrameAncestors(env.HOOKHUB_PORTAL_FRAME_ANCESTORS),
  }
}
