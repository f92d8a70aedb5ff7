import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'
import { HookhubError } from './errors.ts'
import { hashesEqual, hashToken } from '../core/tokens.ts'

export function createMetrics () {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'hookhub_' })
  const requests = new Counter({
    name: 'hookhub_http_requests_total',
    help: 'HTTP requests answered, by route and status code',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'hookhub_http_request_duration_seconds',
    help: 'Time to answer HTTP requests',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  return { registry, requests, duration }
}

export type Metrics = ReturnType<typeof createMetrics>

/** `GET /metrics` in Prometheus text; open unless a metrics token is configured. */
export function installMetrics (app: FastifyInstance, metrics: Metrics, metricsToken: string | undefined) {
  app.addHook('onResponse', async (request, reply) => {
    // Unmatched paths share one label so that scanners cannot blow up the label space.
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.requests.inc({ method: request.method, route, status: reply.statusCode })
    metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000)
  })

  const expected = metricsToken && hashToken(metricsToken)
  app.get('/metrics', {
    config: { public: true },
    schema: {
      operationId: 'getMetrics',
      tags: ['operations'],
      summary: 'Prometheus metrics (Bearer HOOKHUB_METRICS_TOKEN when set)',
      response: { 200: Type.String() },
    },
  }, async (request, reply) => {
    if (expected) {
      const given = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]
      if (!given || !hashesEqual(hashToken(given), expected)) throw new HookhubError('HOOKHUB_UNAUTHENTICATED')
    }
    reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })
}
