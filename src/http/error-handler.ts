import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isDatabaseUnavailable, isOutOfRange } from '../storage/database.ts'
import { addProblem, HookhubError, validationFailed, WireError, type HookhubCode } from '../core/errors.ts'
import { BUSY_RETRY_AFTER_S } from './body-budget.ts'
import { clientMethod } from './lookup-method.ts'
import { formatForPath, nativeFormat, type WireFormat } from './wire-format.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by a route that learns only while running which wire format its errors take. */
    wireFormat?: string
  }
}

type AjvIssue = { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }

/** Ajv's issues as `{ "field.path": ["message"] }`, the shape of our validation details. */
function fieldsOf (issues: AjvIssue[], context: string | undefined): Record<string, string[]> {
  const fields: Record<string, string[]> = {}
  for (const issue of issues) {
    let field = issue.instancePath.replace(/^\//, '').replace(/\//g, '.')
    if (issue.keyword === 'required') field = [field, String(issue.params.missingProperty)].filter(Boolean).join('.')
    if (issue.keyword === 'additionalProperties') field = [field, String(issue.params.additionalProperty)].filter(Boolean).join('.')
    const key = field || context || 'body'
    const message = issue.keyword === 'additionalProperties' ? 'is not a known field' : issue.message ?? 'is invalid'
    addProblem(fields, key, message)
  }
  return fields
}

/** Turns anything thrown while serving a request into a HookhubError or a ready WireError. */
export function toHookhubError (err: unknown, bodyLimit: number): HookhubError | WireError | null {
  if (err instanceof HookhubError || err instanceof WireError) return err
  const e = err as FastifyError & { validation?: AjvIssue[]; validationContext?: string }
  if (Array.isArray(e.validation)) return validationFailed(fieldsOf(e.validation, e.validationContext))
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new HookhubError('HOOKHUB_BODY_TOO_LARGE', [bodyLimit])
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new HookhubError('HOOKHUB_UNSUPPORTED_MEDIA_TYPE')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return new HookhubError('HOOKHUB_INVALID_JSON')
  }
  if (err instanceof SyntaxError) return new HookhubError('HOOKHUB_INVALID_JSON')
  // PostgreSQL text cannot hold U+0000 (SQLite can): a client's value with one is refused, not a 500.
  if (e.code === '22021' || e.code === '22P05') return new HookhubError('HOOKHUB_BAD_REQUEST', ['Text must not contain the NUL character (U+0000)'])
  // A number no check bounded yet (PostgreSQL's integer columns are 32-bit) is the client's, not a 500.
  if (isOutOfRange(err)) return new HookhubError('HOOKHUB_BAD_REQUEST', ['A number is out of range'])
  if (isDatabaseUnavailable(err)) return new HookhubError('HOOKHUB_DATABASE_UNAVAILABLE')
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new HookhubError('HOOKHUB_BAD_REQUEST', [e.message])
  }
  return null
}

/** Errors that pass: the client is told when to try again. */
const RETRY_AFTER_S: Partial<Record<HookhubCode, number>> = {
  HOOKHUB_DATABASE_UNAVAILABLE: 5,
  HOOKHUB_BUSY: BUSY_RETRY_AFTER_S,
}

export type ErrorResponder = (err: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply

/**
 * Answers every error in the wire format of the request's API. Returns the responder, for the
 * errors Fastify raises before routing (a malformed URL) that never reach the error handler.
 */
export function installErrorHandler (app: FastifyInstance, formats: readonly WireFormat[], bodyLimit: number): ErrorResponder {
  const byName = new Map(formats.map((f) => [f.name, f]))

  function formatFor (request: FastifyRequest): WireFormat {
    const name = request.wireFormat ?? request.routeOptions?.config?.dialect
    return (name && byName.get(name)) || formatForPath(formats, request.url.split('?')[0])
  }

  const respond: ErrorResponder = (err, request, reply) => {
    let known = toHookhubError(err, bodyLimit)
    if (known === null) {
      request.log.error({ err }, 'unhandled error')
      known = new HookhubError('HOOKHUB_INTERNAL')
    } else if (known instanceof HookhubError && known.code === 'HOOKHUB_DATABASE_UNAVAILABLE') {
      request.log.warn({ err }, 'database unavailable')
    }
    const retryAfter = known instanceof HookhubError ? RETRY_AFTER_S[known.code] : undefined
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter))
    if (known instanceof WireError) return reply.code(known.statusCode).send(known.body)
    const format = formatFor(request)
    return reply.code(format.statusOf?.(known) ?? known.statusCode).send(format.toWireError(known, { method: clientMethod(request.raw), url: request.url }))
  }
  app.setErrorHandler(respond)
  return respond
}

export { nativeFormat }
