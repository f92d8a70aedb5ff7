// Endpoint transforms: `function handler(webhook)` in JavaScript, run in QuickJS on worker
// threads (transform-pool.ts), changing a delivery's request before hookhub signs and sends it,
// or skipping the delivery by returning null.

import { createHash } from 'node:crypto'
import { DeliveryError } from './delivery-client.ts'
import { HookhubError, validationFailed } from './errors.ts'
import { BODYLESS_METHODS } from './payload-formats.ts'
import { HEADER_MASK, isSensitiveHeader } from './sensitive-headers.ts'
import type { EndpointRow } from '../storage/endpoint-repository.ts'
import type { TransformPool } from './transform-pool.ts'
import { MAX_LOG_CHARS, type RunResult } from './transform-sandbox.ts'

/** The attempt's `error.code` when a transform fails. */
export const TRANSFORM_FAILED = 'TRANSFORM_FAILED'
export const MAX_TRANSFORM_CODE_BYTES = 64 * 1024

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/
const LINE_BREAK_OR_NUL = /[\r\n\0]/
/** Headers a transform cannot set: hookhub writes them from what is actually sent. */
const RESERVED_HEADERS = /^(host|content-length|transfer-encoding|connection|webhook-(id|timestamp|signature))$/i
const JSON_TYPE = 'application/json'

export interface Transform {
  code: string
  enabled: boolean
}

/**
 * A delivery's request before hookhub signs it and adds the receiver's credentials (auth): what
 * a transform sees and may change. A body-less method's `body` is what travels as `payload` in
 * its query string.
 */
export interface DraftRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string | Buffer
  contentType: string
}

export interface TransformEvent {
  id: string
  type: string
  tenantId: string | null
}

/** A transform that threw, ran out of time or memory, or returned something that cannot be sent. */
export class TransformError extends DeliveryError {
  constructor (message: string, readonly logs: string) {
    super(TRANSFORM_FAILED, message)
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The first 4 KB of a run's console output, cut on a character boundary; null when it wrote nothing. */
function keptLogs (logs: string): string | null {
  if (logs === '') return null
  const bytes = Buffer.from(logs.slice(0, MAX_LOG_CHARS))
  return bytes.length <= MAX_LOG_CHARS ? bytes.toString() : bytes.subarray(0, MAX_LOG_CHARS).toString().replace(/\uFFFD$/, '')
}

/**
 * The webhook a handler receives, as JSON text. A JSON body is spliced in as it is (it was
 * rendered from stored JSON), so the host never parses a payload only to write it again; bytes
 * that are not UTF-8 go in as base64 with `payload_encoding`. Sensitive header values are shown
 * as "****" (a transform's console output is stored with the attempt).
 */
function webhookJson (draft: DraftRequest, event: TransformEvent): string {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(draft.headers)) headers[name] = isSensitiveHeader(name) ? HEADER_MASK : value
  if (!BODYLESS_METHODS.has(draft.method)) headers['content-type'] = draft.contentType
  const payload = Buffer.isBuffer(draft.body)
    ? `${JSON.stringify(draft.body.toString('base64'))},"payload_encoding":"base64"`
    : draft.contentType === JSON_TYPE ? draft.body : JSON.stringify(draft.body)
  const head = JSON.stringify({ method: draft.method, url: draft.url, headers })
  const tail = JSON.stringify({ id: event.id, type: event.type, tenant_id: event.tenantId })
  return `${head.slice(0, -1)},"payload":${payload},"event":${tail}}`
}

/**
 * The request a handler's answer asks for, checked like an endpoint's own fields; throws the
 * problem as text. A header sent back as "****" keeps the value it stood for.
 */
function draftFrom (value: unknown, original: Pick<DraftRequest, 'headers' | 'contentType'>): DraftRequest {
  if (!isObject(value)) throw new Error('handler must return the webhook object, or null to skip the delivery')
  const method = typeof value.method === 'string' ? value.method.toUpperCase() : value.method
  if (typeof method !== 'string' || !HTTP_METHODS.includes(method)) throw new Error(`method must be one of ${HTTP_METHODS.join(', ')}`)
  const url = value.url
  if (typeof url !== 'string' || LINE_BREAK_OR_NUL.test(url)) throw new Error('url must be a string without CR, LF or NUL')
  let parsed: URL
  try { parsed = new URL(url) } catch { throw new Error(`url ${JSON.stringify(url.slice(0, 200))} is not an absolute URL`) }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('url must use http or https')
  if (parsed.username || parsed.password) throw new Error('url must not contain credentials')
  if (!isObject(value.headers)) throw new Error('headers must be an object of strings')
  const stored = new Map(Object.entries(original.headers).map(([name, v]) => [name.toLowerCase(), v]))
  const headers: Record<string, string> = {}
  let contentType: string | null = null
  for (const [name, v] of Object.entries(value.headers)) {
    if (!HEADER_NAME.test(name)) throw new Error(`header ${JSON.stringify(name.slice(0, 100))} is not a header name`)
    if (RESERVED_HEADERS.test(name)) throw new Error(`header ${name} is set by hookhub`)
    if (typeof v !== 'string' || LINE_BREAK_OR_NUL.test(v)) throw new Error(`header ${name} must be a string without CR, LF or NUL`)
    const kept = v === HEADER_MASK ? stored.get(name.toLowerCase()) : v
    if (kept === undefined) throw new Error(`header ${name} is "${HEADER_MASK}" but stands for no value`)
    if (name.toLowerCase() === 'content-type') contentType = kept
    else headers[name] = kept
  }
  if (!('payload' in value) || value.payload === undefined) throw new Error('payload is missing (null is a payload; undefined is not)')
  const payload = value.payload
  const body = typeof payload !== 'string'
    ? JSON.stringify(payload)
    : value.payload_encoding === 'base64' ? Buffer.from(payload, 'base64') : payload
  return { method, url, headers, body, contentType: contentType ?? (typeof payload === 'string' ? original.contentType : JSON_TYPE) }
}

function parseOutput (output: string): unknown {
  return JSON.parse(output) as unknown
}

type Deps = {
  pool: Pick<TransformPool, 'run'>
  /** Time limit of one run of a handler (HOOKHUB_TRANSFORM_TIMEOUT_MS). */
  timeoutMs: number
}

export function createTransforms ({ pool, timeoutMs }: Deps) {
  // Keyed by content: an endpoint's new code gets a new context, the same code shares a warm one.
  const keyOf = (code: string) => createHash('sha256').update(code).digest('base64url')
  const run = (code: string, input: string | null): Promise<RunResult> => pool.run({ key: keyOf(code), code, input, timeoutMs })

  return {
    /** Refuses code that is no string of at most 64 KB, that does not compile, or that defines no handler. */
    async check (code: unknown): Promise<void> {
      const problem = typeof code !== 'string'
        ? 'must be a string'
        : Buffer.byteLength(code) > MAX_TRANSFORM_CODE_BYTES ? `must be at most ${MAX_TRANSFORM_CODE_BYTES} bytes` : null
      if (problem) throw validationFailed({ 'transform.code': [problem] })
      const result = await run(code as string, null)
      if (!result.ok) throw validationFailed({ 'transform.code': [result.message] })
    },

    /**
     * The request as the endpoint's enabled transform changes it, or null when the handler skips
     * the delivery; throws TransformError. Without a transform, the draft as it is.
     */
    async apply (transform: Transform | null, draft: DraftRequest, event: TransformEvent): Promise<{ draft: DraftRequest | null; logs: string | null }> {
      if (!transform?.enabled) return { draft, logs: null }
      const result = await run(transform.code, webhookJson(draft, event))
      const logs = keptLogs(result.logs)
      if (!result.ok) throw new TransformError(result.message, logs ?? '')
      if (result.output === null) return { draft: null, logs }
      try {
        return { draft: draftFrom(parseOutput(result.output), draft), logs }
      } catch (err) {
        throw new TransformError((err as Error).message, logs ?? '')
      }
    },

    /**
     * Runs `code` on a webhook given by hand (POST /api/v1/transforms/test): what the handler
     * returned, checked as a delivery would check it, or HOOKHUB_TRANSFORM_FAILED.
     */
    async test (code: string, webhook: { method: string; url: string; headers: Record<string, string>; payload: unknown; event: TransformEvent }) {
      const input = JSON.stringify({
        method: webhook.method, url: webhook.url, headers: webhook.headers, payload: webhook.payload ?? null,
        event: { id: webhook.event.id, type: webhook.event.type, tenant_id: webhook.event.tenantId },
      })
      const result = await run(code, input)
      const logs = keptLogs(result.logs) ?? ''
      const failed = (message: string) => new HookhubError('HOOKHUB_TRANSFORM_FAILED', [message], { logs, duration_ms: result.durationMs })
      if (!result.ok) throw failed(result.message)
      if (result.output === null) return { result: null, logs, durationMs: result.durationMs }
      const value = parseOutput(result.output)
      try {
        draftFrom(value, { headers: webhook.headers, contentType: JSON_TYPE })
      } catch (err) {
        throw failed((err as Error).message)
      }
      return { result: value, logs, durationMs: result.durationMs }
    },
  }
}

export type Transforms = ReturnType<typeof createTransforms>

/** An endpoint row's transform; null when it has none. */
export const transformOf = (row: Pick<EndpointRow, 'transform_code' | 'transform_enabled'>): Transform | null =>
  row.transform_code === null ? null : { code: row.transform_code, enabled: row.transform_enabled === 1 }

/** For a process that runs no transforms: every request goes as its format renders it. */
export const withoutTransforms: Pick<Transforms, 'apply'> = {
  async apply (_transform, draft) { return { draft, logs: null } },
}
