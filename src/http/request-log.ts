import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { redactUrl } from '../logger.ts'
import { clientMethod } from './lookup-method.ts'

/** `errors`: only 4xx/5xx answers and slow requests; `all`: every request (HOOKHUB_ACCESS_LOG). */
export type AccessLog = 'errors' | 'all'

export const SLOW_REQUEST_MS = 1000

/** Fastify's own log lines, without its two per request (incoming, completed): installRequestLog writes one instead. */
export class OneLinePerRequest extends LogController {
  override incomingRequest () {}
  override requestCompleted () {}
}

/**
 * One log line per request worth reading: the method, the path with its secrets masked, the
 * status and the duration. Liveness probes, which come every few seconds, are never logged.
 * Returns the logger of a request that failed before routing (a malformed URL), which no hook sees.
 */
export function installRequestLog (app: FastifyInstance, mode: AccessLog) {
  const logRequest = (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.raw.url ?? request.url
    if (url === '/healthz' || url.startsWith('/healthz?')) return
    const durationMs = reply.elapsedTime
    if (mode !== 'all' && reply.statusCode < 400 && durationMs < SLOW_REQUEST_MS) return
    request.log.info({
      method: clientMethod(request.raw), path: redactUrl(url), status: reply.statusCode, duration_ms: Math.round(durationMs),
    }, 'request')
  }
  app.addHook('onResponse', async (request, reply) => logRequest(request, reply))
  return (request: FastifyRequest, reply: FastifyReply) => reply.raw.once('finish', () => logRequest(request, reply))
}
