import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { redactUrl, type Config } from '../config.ts'
import { formatRetrySchedule } from '../core/retry-schedule.ts'
import { VERSION } from '../version.ts'
import { nativeErrors, Timestamp, toTimestamp, withExamples } from './native-schemas.ts'

// What the running hub was started with, for `hookhub doctor` and operators: the settings a
// shell's own environment cannot tell (it may not be the one the hub was started from).

const Status = withExamples(Type.Object({
  version: Type.String({ description: 'hookhub version' }),
  engine: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
  database: Type.String({ description: 'the database, without its password' }),
  listen: Type.Object({ host: Type.String(), port: Type.Integer({ description: 'the port this request came in on' }) }),
  public_url: Type.String(),
  ssrf_guard: Type.Boolean({ description: 'false when HOOKHUB_ALLOW_PRIVATE_NETWORKS=true' }),
  workers: Type.Integer({ description: 'delivery workers in this process (0: API only)' }),
  worker_concurrency: Type.Integer(),
  retry_schedule: Type.String({ description: 'delay before each attempt, first attempt first' }),
  request_timeout_ms: Type.Integer(),
  lease_seconds: Type.Integer(),
  retention_days: Type.Integer({ description: '0: history is kept forever' }),
  started_at: Timestamp,
}), {
  version: '0.1.0',
  engine: 'sqlite',
  database: 'sqlite:/srv/hookhub/data/hookhub.db',
  listen: { host: '0.0.0.0', port: 8080 },
  public_url: 'https://hooks.example.com',
  ssrf_guard: true,
  workers: 1,
  worker_concurrency: 128,
  retry_schedule: '0,5s,5m,30m,2h,5h,10h,10h',
  request_timeout_ms: 15000,
  lease_seconds: 30,
  retention_days: 30,
  started_at: '2026-01-02T03:04:05.678Z',
})

export const statusRoutes = (config: Config, startedAt: number): FastifyPluginAsyncTypebox => async (app) => {
  const settings = {
    version: VERSION,
    engine: config.database.engine,
    database: config.database.engine === 'sqlite' ? `sqlite:${config.database.file}` : redactUrl(config.database.url),
    public_url: config.publicUrl,
    ssrf_guard: !config.allowPrivateNetworks,
    workers: config.workers,
    worker_concurrency: config.workerConcurrency,
    retry_schedule: formatRetrySchedule(config.retryScheduleMs),
    request_timeout_ms: config.requestTimeoutMs,
    lease_seconds: config.leaseSeconds,
    retention_days: config.retentionDays,
    started_at: toTimestamp(startedAt),
  }
  app.get('/api/v1/status', {
    schema: {
      operationId: 'getStatus',
      tags: ['operations'],
      summary: 'The settings this hub process runs with (any valid token)',
      response: { 200: Status, ...nativeErrors() },
    },
  }, async (request) => ({ ...settings, listen: { host: config.host, port: request.socket.localPort ?? config.port } }))
}
