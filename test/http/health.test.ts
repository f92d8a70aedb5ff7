import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from 'kysely'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub } from '../helpers/hub.ts'

reportSkippedPostgres()

for (const engine of engines) {
  describe(`[${engine}] health, metrics and routing conventions`, () => {
    test('/healthz and /readyz are open and reveal nothing secret', async (t) => {
      const hub = await startHub(t, engine)
      const health = await hub.app.inject({ method: 'GET', url: '/healthz' })
      assert.equal(health.statusCode, 200)
      assert.deepEqual(health.json(), { status: 'ok' })
      const ready = await hub.app.inject({ method: 'GET', url: '/readyz' })
      assert.equal(ready.statusCode, 200)
      assert.deepEqual(ready.json(), { status: 'ready', checks: { database: 'ok', migrations: 'ok' } })
    })

    test('/api/v1/status tells any valid token what the hub runs with, and nobody else', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_RETRY_SCHEDULE: '0,30s,2h', HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true', HOOKHUB_WORKERS: '0' })
      const anonymous = await hub.app.inject({ method: 'GET', url: '/api/v1/status' })
      assert.equal(anonymous.statusCode, 401)
      assert.equal(anonymous.json().error.code, 'HOOKHUB_UNAUTHENTICATED')
      const nobody = await hub.userWith([])
      const res = await hub.app.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: nobody.authorization } })
      assert.equal(res.statusCode, 200)
      const status = res.json()
      assert.equal(status.engine, engine)
      assert.equal(status.ssrf_guard, false)
      assert.equal(status.workers, 0)
      assert.equal(status.retry_schedule, '0,30s,2h')
      assert.equal(status.request_timeout_ms, 15_000)
      assert.doesNotMatch(res.body, /password|secret_key|admin_token/i)
    })

    test('/readyz answers 503 when a migration is missing', async (t) => {
      const hub = await startHub(t, engine)
      await sql`delete from kysely_migration`.execute(hub.database.db)
      const ready = await hub.app.inject({ method: 'GET', url: '/readyz' })
      assert.equal(ready.statusCode, 503)
      assert.equal(ready.json().status, 'not ready')
      assert.match(ready.json().checks.migrations, /^pending: 0001-foundation/)
    })

    test('/metrics is Prometheus text and counts requests', async (t) => {
      const hub = await startHub(t, engine)
      await hub.app.inject({ method: 'GET', url: '/healthz' })
      const res = await hub.app.inject({ method: 'GET', url: '/metrics' })
      assert.equal(res.statusCode, 200)
      assert.match(String(res.headers['content-type']), /text\/plain/)
      assert.match(res.body, /hookhub_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/)
    })

    test('HOOKHUB_METRICS_TOKEN protects /metrics', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_METRICS_TOKEN: 'metrics-token-123456' })
      assert.equal((await hub.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401)
      assert.equal((await hub.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode, 401)
      const ok = await hub.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-123456' } })
      assert.equal(ok.statusCode, 200)
    })

    test('unknown routes answer 404 and known paths with another method 405 with Allow', async (t) => {
      const hub = await startHub(t, engine)
      const missing = await hub.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: hub.admin })
      assert.equal(missing.statusCode, 404)
      assert.deepEqual(missing.json(), {
        error: { code: 'HOOKHUB_ROUTE_NOT_FOUND', message: 'Route GET /api/v1/nothing-here not found', details: {} },
      })
      const wrong = await hub.app.inject({ method: 'PATCH', url: '/api/v1/users', headers: hub.admin })
      assert.equal(wrong.statusCode, 405)
      assert.equal(wrong.headers.allow, 'GET, HEAD, POST')
      assert.deepEqual(wrong.json(), {
        error: {
          code: 'HOOKHUB_METHOD_NOT_ALLOWED',
          message: 'Method PATCH is not allowed on /api/v1/users',
          details: { allow: ['GET', 'HEAD', 'POST'] },
        },
      })
      const withId = await hub.app.inject({ method: 'PUT', url: '/api/v1/users/5', headers: hub.admin })
      assert.equal(withId.statusCode, 405)
      assert.equal(withId.headers.allow, 'GET, HEAD, DELETE')
    })
  })
}
