import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { HookhubError } from '../core/errors.ts'
import { withRetryAfter } from './rate-limit.ts'
import { clientMethod } from './lookup-method.ts'
import type { Activity } from '../core/activity-feed.ts'
import { hashesEqual, hashToken } from '../core/tokens.ts'
import type { MetricsRepository } from '../storage/metrics-repository.ts'

/** Distinct values a label keeps before further ones are counted as "other": scrapes stay small. */
const MAX_LABEL_VALUES = 50

/** The first `MAX_LABEL_VALUES` values seen keep their name; later ones become "other". */
function boundedLabel () {
  const seen = new Set<string>()
  return (value: string) => {
    if (seen.has(value)) return value
    if (seen.size >= MAX_LABEL_VALUES) return 'other'
    seen.add(value)
    return value
  }
}

export interface MetricsSources {
  repository: MetricsRepository
  /** Deliveries this process's workers hold right now. */
  inFlight: () => number
  circuitThreshold: number
}

export function createMetrics (sources?: MetricsSources) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'hookhub_' })
  const eventType = boundedLabel()
  const eventSource = boundedLabel()
  const endpointLabel = boundedLabel()
  const events = new Counter({
    name: 'hookhub_events_received_total',
    help: 'Events stored, by source ("api", "hookhub" or an inbound source id) and type (first 50 values, then "other")',
    labelNames: ['source', 'type'],
    registers: [registry],
  })
  const deliveries = new Counter({
    name: 'hookhub_delivery_attempts_total',
    help: 'Delivery attempts made by this process, by outcome (succeeded, pending = will retry, failed, cancelled, skipped by a transform) and endpoint (first 50, then "other")',
    labelNames: ['outcome', 'endpoint'],
    registers: [registry],
  })
  const attemptSeconds = new Histogram({
    name: 'hookhub_delivery_attempt_duration_seconds',
    help: 'Time from sending a delivery to its answer (or error)',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  })
  // A series of its own: a label added to the attempts counter would change every series it has.
  const byDestination = new Counter({
    name: 'hookhub_delivery_attempts_by_destination_total',
    help: 'Delivery attempts made by this process, by destination kind (http, amqp, nats, redis, mqtt) and outcome',
    labelNames: ['destination', 'outcome'],
    registers: [registry],
  })
  const retries = new Counter({ name: 'hookhub_delivery_retries_total', help: 'Attempts after the first one of a delivery', registers: [registry] })
  const ssrfBlocks = new Counter({
    name: 'hookhub_ssrf_blocked_total', help: 'Deliveries refused because the target resolved to a private address', registers: [registry],
  })
  if (sources) {
    const { repository, inFlight, circuitThreshold } = sources
    new Gauge({ name: 'hookhub_deliveries_in_flight', help: 'Deliveries held by this process\'s workers', registers: [registry], collect () { this.set(inFlight()) } })
    // One query per scrape feeds the three queue gauges; each gauge awaits the same read.
    let queueRead: ReturnType<MetricsRepository['queue']> | null = null
    const readQueue = () => {
      queueRead ??= repository.queue(Date.now()).finally(() => { setImmediate(() => { queueRead = null }) })
      return queueRead
    }
    new Gauge({
      name: 'hookhub_queue_depth', help: 'Open deliveries in the database, by status', labelNames: ['status'], registers: [registry],
      async collect () {
        const queue = await readQueue()
        this.set({ status: 'pending' }, queue.pending)
        this.set({ status: 'delivering' }, queue.delivering)
      },
    })
    new Gauge({
      name: 'hookhub_queue_oldest_due_age_seconds', help: 'How long the oldest due pending delivery has waited (0 when none)', registers: [registry],
      async collect () {
        const { oldestDueAt } = await readQueue()
        this.set(oldestDueAt === null ? 0 : Math.max(0, (Date.now() - oldestDueAt) / 1000))
      },
    })
    new Gauge({
      name: 'hookhub_endpoints', help: 'Endpoints by circuit state (closed, open, half_open) and whether enabled and paused',
      labelNames: ['circuit', 'enabled', 'paused'], registers: [registry],
      async collect () {
        this.reset()
        for (const row of await repository.endpointStates(Date.now(), circuitThreshold)) {
          this.inc({ circuit: row.circuit, enabled: String(row.enabled), paused: String(row.paused) }, row.count)
        }
      },
    })
  }

  /** Counts what this process did; what other processes report is theirs to count. */
  function observe (activity: Activity, local: boolean) {
    if (!local) return
    if (activity.kind === 'event') {
      events.inc({ source: eventSource(activity.event.source), type: eventType(activity.event.type) })
      return
    }
    const d = activity.delivery
    if (d.attempt === 0) return
    deliveries.inc({ outcome: d.status, endpoint: endpointLabel(d.endpoint_id) })
    if (d.destination) byDestination.inc({ destination: d.destination, outcome: d.status })
    if (d.duration_ms !== null) attemptSeconds.observe({ outcome: d.status }, d.duration_ms / 1000)
    if (d.attempt > 1) retries.inc()
    if (d.error?.code === 'HOOKHUB_SSRF_BLOCKED') ssrfBlocks.inc()
  }

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
  return { registry, requests, duration, observe }
}

export type Metrics = ReturnType<typeof createMetrics>

/** `GET /metrics` in Prometheus text; open unless a metrics token is configured. */
export function installMetrics (app: FastifyInstance, metrics: Metrics, metricsToken: string | undefined) {
  app.addHook('onResponse', async (request, reply) => {
    // Unmatched paths share one label so that scanners cannot blow up the label space.
    const route = request.routeOptions.url ?? 'unmatched'
    const method = clientMethod(request.raw)
    metrics.requests.inc({ method, route, status: reply.statusCode })
    metrics.duration.observe({ method, route }, reply.elapsedTime / 1000)
  })

  const expected = metricsToken && hashToken(metricsToken)
  app.get('/metrics', {
    config: { public: true },
    schema: {
      operationId: 'getMetrics',
      tags: ['operations'],
      summary: 'Prometheus metrics (Bearer HOOKHUB_METRICS_TOKEN when set)',
      // Documentation only: the handler sets the registry's text content type itself.
      produces: ['text/plain'],
      response: {
        200: Type.String({
          examples: ['# HELP hookhub_events_received_total Events stored, by source ("api", "hookhub" or an inbound source id) and type (first 50 values, then "other")\n' +
            '# TYPE hookhub_events_received_total counter\nhookhub_events_received_total{source="api",type="order.created"} 1042\n'],
        }),
      },
    },
  }, async (request, reply) => {
    if (expected) {
      const failedAuth = app.failedAuth
      if (failedAuth) withRetryAfter(reply, () => failedAuth.check(request.ip))
      const given = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]
      if (!given || !hashesEqual(hashToken(given), expected)) {
        failedAuth?.fail(request.ip)
        throw new HookhubError('HOOKHUB_UNAUTHENTICATED')
      }
    }
    reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })
}
