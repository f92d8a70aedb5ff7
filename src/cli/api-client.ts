import { Command, Option } from 'commander'
import { UsageError } from './run-command.ts'

// The one HTTP client of the commands that talk to a running hub over its native API.

export const DEFAULT_HUB_URL = 'http://127.0.0.1:8080'
/** A hub that has not answered within this long is reported, never waited on forever. */
const REQUEST_TIMEOUT_MS = 30_000
/** The API's largest page; following cursors with it takes the fewest round trips. */
export const MAX_PAGE = 500

export interface ApiOptions {
  url?: string
  token?: string
}

/** A page of a native list. */
export interface Page<T> {
  data: T[]
  next_cursor: string | null
}

/** An answer of the hub that is not 2xx: one line naming what failed and the stable code. */
export class ApiError extends Error {
  constructor (readonly status: number, readonly code: string | null, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

/** No answer from the hub at all: not running, wrong URL, or too slow. */
export class HubUnreachableError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'HubUnreachableError'
  }
}

/** `--url` and `--token`, the options of every command that talks to a running hub. */
export function withApiOptions (command: Command): Command {
  return command
    .addOption(new Option('--url <url>', `the hub's base URL (HOOKHUB_URL, default ${DEFAULT_HUB_URL})`))
    .addOption(new Option('--token <token>', 'API token (HOOKHUB_TOKEN)'))
}

/** True when the caller named a hub (flag or environment), i.e. wants the API rather than the database. */
export const namesHub = (options: ApiOptions, env: NodeJS.ProcessEnv = process.env) =>
  Boolean(options.url ?? options.token ?? env.HOOKHUB_URL ?? env.HOOKHUB_TOKEN)

/** The hub's base URL from --url, HOOKHUB_URL or the default; a malformed one is a usage error. */
export function hubUrlFrom (options: ApiOptions, env: NodeJS.ProcessEnv = process.env): string {
  const raw = options.url ?? env.HOOKHUB_URL ?? DEFAULT_HUB_URL
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UsageError(`--url "${raw}" is not a URL; use e.g. ${DEFAULT_HUB_URL}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url "${raw}" must use http or https`)
  return raw.replace(/\/+$/, '')
}

interface RequestOptions {
  query?: Record<string, string | number | undefined>
  /** A JSON value to send; or `raw` to send text exactly as given (payloads keep their bytes). */
  json?: unknown
  raw?: string
  headers?: Record<string, string>
  /** What the path names, for a 404 HOOKHUB_NOT_FOUND: "endpoint ep_x" → "endpoint ep_x not found". */
  subject?: string
  timeoutMs?: number
  /** Non-2xx statuses returned to the caller instead of raised (e.g. 503 of /readyz). */
  expect?: number[]
}

interface NativeErrorBody {
  error: { code: string; message: string; details?: { fields?: Record<string, string[]> } }
}

const isNativeError = (body: unknown): body is NativeErrorBody => {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error
  return typeof error?.code === 'string' && typeof error.message === 'string'
}

/** What a failed connection was, in words an operator recognises. */
export function describeConnectionFailure (err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  const code = cause?.code ?? (err as { code?: string }).code
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'name not resolved'
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset'
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connecting timed out'
  return cause?.message ?? (err as Error).message
}

function errorMessage (status: number, body: unknown, subject: string | undefined, where: string): ApiError {
  if (!isNativeError(body)) {
    return new ApiError(status, null, `${where} answered ${status} without a hookhub error body; is --url a hookhub hub?`)
  }
  const { code, details } = body.error
  let message = code === 'HOOKHUB_NOT_FOUND' && subject ? `${subject} not found` : body.error.message
  const fields = details?.fields
  if (fields && typeof fields === 'object') {
    message += `: ${Object.entries(fields).map(([field, problems]) => `${field} ${[problems].flat().join(', ')}`).join('; ')}`
  }
  if (code === 'HOOKHUB_UNAUTHENTICATED') message += '; check --token or HOOKHUB_TOKEN'
  return new ApiError(status, code, `${message} (${code})`)
}

/**
 * A client for one hub. Every failure becomes one line: a native error body as
 * "<message> (<CODE>)", an unreachable hub as the URL and why.
 */
export function connectToHub (options: ApiOptions, env: NodeJS.ProcessEnv = process.env, { anonymous = false } = {}) {
  const base = hubUrlFrom(options, env)
  const token = options.token ?? env.HOOKHUB_TOKEN
  // Without a token only the open routes (health) answer; a command needing more says so first.
  if (!token && !anonymous) {
    throw new Error('no API token: pass --token or set HOOKHUB_TOKEN (hookhub serve prints the admin token on its first start; hookhub token create issues more)')
  }

  async function request<T> (method: string, path: string, opts: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const url = new URL(base + path)
    for (const [name, value] of Object.entries(opts.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value))
    }
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
    if (token) headers.authorization = `Bearer ${token}`
    let body: string | undefined
    if (opts.raw !== undefined || opts.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = opts.raw ?? JSON.stringify(opts.json)
    }
    const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS
    let res: Response
    try {
      res = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        throw new HubUnreachableError(`the hub at ${base} did not answer ${method} ${path} within ${timeoutMs / 1000} s`)
      }
      throw new HubUnreachableError(`cannot reach the hub at ${base} (${describeConnectionFailure(err)}); is hookhub serve running there? set --url or HOOKHUB_URL`)
    }
    const text = await res.text()
    let parsed: unknown
    if (text !== '') {
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = undefined
        if (res.ok) throw new Error(`${base} answered ${method} ${path} with something that is not JSON; is --url a hookhub hub?`)
      }
    }
    if (!res.ok && !opts.expect?.includes(res.status)) throw errorMessage(res.status, parsed, opts.subject, `${base} (${method} ${path})`)
    return { status: res.status, body: parsed as T }
  }

  /** One page of a native list; anything else is not a hub's answer. */
  async function page<T> (path: string, query: Record<string, string | number | undefined>): Promise<Page<T>> {
    const body = (await request<Page<T>>('GET', path, { query })).body
    if (!Array.isArray(body?.data)) throw new Error(`${base} answered GET ${path} with something that is not a hookhub list; is --url a hookhub hub?`)
    return body
  }

  return {
    url: base,
    request,
    async get<T> (path: string, opts?: RequestOptions) { return (await request<T>('GET', path, opts)).body },
    async post<T> (path: string, opts?: RequestOptions) { return (await request<T>('POST', path, opts)).body },
    async delete (path: string, opts?: RequestOptions) { await request('DELETE', path, opts) },
    page,
    /** Every row of a native list, following cursors page by page. */
    async * all<T> (path: string, query: Record<string, string | number | undefined> = {}): AsyncGenerator<T> {
      let cursor: string | undefined
      do {
        const next = await page<T>(path, { ...query, limit: MAX_PAGE, cursor })
        yield * next.data
        cursor = next.next_cursor ?? undefined
      } while (cursor !== undefined)
    },
  }
}

export type HubClient = ReturnType<typeof connectToHub>

/** A path segment from user input, so that an id cannot reach another route. */
export const segment = (value: string) => encodeURIComponent(value)
