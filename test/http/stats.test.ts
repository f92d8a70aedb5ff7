// API contract of the console's aggregates: /api/v1/stats/overview, /api/v1/stats/endpoints, /api/v1/stats/nodes.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createEndpoint, FAST_DELIVERY, publish, settled } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { assertError } from '../helpers/native-errors.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
/** No workers: deliveries stay pending. */
const API_ONLY = { HOOKHUB_WORKERS: '0' }
const BROKERSTR = { 'x-target-server': 'integration' }

type Auth = { authorization: string }
type Overview = {
  generated_at: string
  events_per_minute: { start: string; count: number }[] | null
  attempts_last_hour: { total: number; succeeded: number }
  success_rate_last_hour: number | null
  backlog: number
  failing_endpoints: { id: string; url: string; enabled: boolean; disabled_reason: string | null; consecutive_failures: number; failing_since: string | null; circuit: string }[]
}
type EndpointStats = {
  endpoint_id: string
  circuit: { state: string; consecutive_failures: number }
  backlog: number
  hourly: { start: string; attempts: number; succeeded: number; success_rate: number | null }[]
}
type List<T> = { data: T[]; next_cursor: string | null }

async function getOk<T> (hub: TestHub, url: string, headers: Auth = hub.admin): Promise<T> {
  const res = await hub.app.inject({ method: 'GET', url, headers })
  assert.equal(res.statusCode, 200, res.body)
  return res.json() as T
}

/** An endpoint owned by `headers`' user; `url` defaults to one nothing is sent to. */
async function ownEndpoint (hub: TestHub, headers: Auth, url = 'https://example.com/hook') {
  const res = await hub.app.inject({ method: 'POST', url: '/api/v1/endpoints', headers, payload: { url } })
  assert.equal(res.statusCode, 201, res.body)
  return res.json() as { id: string }
}

for (const engine of engines) {
  describe(`[${engine}] console aggregates`, () => {
    test('overview: events per minute over the last hour, success rate, backlog and failing endpoints', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const good = await startSink(t)
      const bad = await startSink(t, (_req, res) => { res.statusCode = 500; res.end('down') })
      const ok = await createEndpoint(hub, { url: `${good.url}/ok`, filter: { types: ['ok.*'] } })
      const failing = await createEndpoint(hub, { url: `${bad.url}/bad`, filter: { types: ['bad.*'] } })
      const first = await publish(hub, 'ok.created', { n: 1 })
      const second = await publish(hub, 'bad.created', { n: 2 })
      await settled(hub, first.id)
      await settled(hub, second.id)

      const o = await getOk<Overview>(hub, '/api/v1/stats/overview')
      assert.match(o.generated_at, TIMESTAMP)
      assert.ok(o.events_per_minute)
      assert.equal(o.events_per_minute.length, 60)
      assert.equal(o.events_per_minute.reduce((sum, m) => sum + m.count, 0), 2)
      const starts = o.events_per_minute.map((m) => Date.parse(m.start))
      assert.ok(starts.every((s, i) => i === 0 || s - starts[i - 1] === 60_000), 'consecutive whole minutes')
      assert.ok(starts[59] <= Date.parse(o.generated_at) && Date.parse(o.generated_at) < starts[59] + 60_000, 'the last bucket is the current minute')
      // One try to the good receiver, three (the whole schedule) to the failing one.
      assert.deepEqual(o.attempts_last_hour, { total: 4, succeeded: 1 })
      assert.equal(o.success_rate_last_hour, 0.25)
      assert.equal(o.backlog, 0)
      assert.equal(o.failing_endpoints.length, 1)
      const [f] = o.failing_endpoints
      assert.deepEqual({ ...f, failing_since: typeof f.failing_since }, {
        id: failing.id, url: `${bad.url}/bad`, enabled: true, disabled_reason: null, consecutive_failures: 3, failing_since: 'string', circuit: 'closed',
      })
      assert.match(f.failing_since!, TIMESTAMP)
      assert.ok(!o.failing_endpoints.some((e) => e.id === ok.id))
    })

    test('overview on an empty hub: zero minutes, no rate, no backlog', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const o = await getOk<Overview>(hub, '/api/v1/stats/overview')
      assert.ok(o.events_per_minute?.every((m) => m.count === 0))
      assert.deepEqual(o.attempts_last_hour, { total: 0, succeeded: 0 })
      assert.equal(o.success_rate_last_hour, null)
      assert.equal(o.backlog, 0)
      assert.deepEqual(o.failing_endpoints, [])
    })

    test('overview under deliveries.view.own counts the caller\'s endpoints only, and events only with events.view', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const owner = await hub.userWith(['deliveries.view.own', 'endpoints.create'])
      await ownEndpoint(hub, owner)
      await ownEndpoint(hub, hub.admin)
      await publish(hub, 'order.created', {})
      await publish(hub, 'order.created', {})

      assert.equal((await getOk<Overview>(hub, '/api/v1/stats/overview')).backlog, 4)
      const own = await getOk<Overview>(hub, '/api/v1/stats/overview', owner)
      assert.equal(own.backlog, 2)
      assert.equal(own.events_per_minute, null)
      const viewer = await hub.userWith(['deliveries.view.own', 'events.view'])
      const withEvents = await getOk<Overview>(hub, '/api/v1/stats/overview', viewer)
      assert.equal(withEvents.backlog, 0)
      assert.equal(withEvents.events_per_minute?.reduce((sum, m) => sum + m.count, 0), 2)
    })

    test('endpoint stats: 24 hourly buckets of attempts, circuit and backlog, paged like the endpoint list', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const bad = await startSink(t, (_req, res) => { res.statusCode = 500; res.end('down') })
      const good = await startSink(t)
      const failing = await createEndpoint(hub, { url: `${bad.url}/bad`, filter: { types: ['bad.*'] } })
      const healthy = await createEndpoint(hub, { url: `${good.url}/ok`, filter: { types: ['ok.*'] } })
      await settled(hub, (await publish(hub, 'bad.created', {})).id)
      await settled(hub, (await publish(hub, 'ok.created', {})).id)

      const page = await getOk<List<EndpointStats>>(hub, '/api/v1/stats/endpoints')
      assert.equal(page.next_cursor, null)
      const byId = new Map(page.data.map((s) => [s.endpoint_id, s]))
      const f = byId.get(failing.id)!
      const h = byId.get(healthy.id)!
      assert.deepEqual(f.circuit, { state: 'closed', consecutive_failures: 3 })
      assert.equal(f.backlog, 0)
      assert.equal(f.hourly.length, 24)
      assert.ok(f.hourly.every((b) => TIMESTAMP.test(b.start)))
      const starts = f.hourly.map((b) => Date.parse(b.start))
      assert.ok(starts.every((s, i) => s % 3_600_000 === 0 && (i === 0 || s - starts[i - 1] === 3_600_000)), 'consecutive whole hours')
      assert.ok(starts[23] <= Date.now() && Date.now() < starts[23] + 3_600_000, 'the last bucket is the current hour')
      // Summed, so that tries on both sides of an hour's turn count alike.
      const sum = (s: EndpointStats) => s.hourly.reduce((acc, b) => ({ attempts: acc.attempts + b.attempts, succeeded: acc.succeeded + b.succeeded }), { attempts: 0, succeeded: 0 })
      assert.deepEqual(sum(f), { attempts: 3, succeeded: 0 })
      assert.deepEqual(sum(h), { attempts: 1, succeeded: 1 })
      for (const b of [...f.hourly, ...h.hourly]) assert.equal(b.success_rate, b.attempts === 0 ? null : b.succeeded / b.attempts)
      assert.ok(f.hourly.some((b) => b.success_rate === 0) && h.hourly.some((b) => b.success_rate === 1))

      // Same pages, same order as GET /api/v1/endpoints.
      const first = await getOk<List<EndpointStats>>(hub, '/api/v1/stats/endpoints?limit=1')
      const endpoints = await getOk<List<{ id: string }>>(hub, '/api/v1/endpoints?limit=1')
      assert.equal(first.data[0].endpoint_id, endpoints.data[0].id)
      assert.ok(first.next_cursor)
      const second = await getOk<List<EndpointStats>>(hub, `/api/v1/stats/endpoints?limit=1&cursor=${first.next_cursor}`)
      const endpoints2 = await getOk<List<{ id: string }>>(hub, `/api/v1/endpoints?limit=1&cursor=${endpoints.next_cursor}`)
      assert.equal(second.data[0].endpoint_id, endpoints2.data[0].id)
      assert.equal(second.next_cursor, null)
    })

    test('endpoint stats count the backlog per endpoint and keep to the caller\'s endpoints under .own', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const owner = await hub.userWith(['endpoints.view.own', 'endpoints.create'])
      const mine = await ownEndpoint(hub, owner)
      const other = await ownEndpoint(hub, hub.admin)
      await publish(hub, 'order.created', {})
      const all = await getOk<List<EndpointStats>>(hub, '/api/v1/stats/endpoints')
      assert.deepEqual(all.data.map((s) => [s.endpoint_id, s.backlog]).sort(), [[mine.id, 1], [other.id, 1]].sort())
      const own = await getOk<List<EndpointStats>>(hub, '/api/v1/stats/endpoints', owner)
      assert.deepEqual(own.data.map((s) => s.endpoint_id), [mine.id])
    })

    test('root nodes: Apex nodes only, with counts of live children and distributors, under .own the caller\'s', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const post = async (url: string, payload: object, headers: Auth = hub.admin) => {
        const res = await hub.app.inject({ method: 'POST', url, headers: { ...headers, ...BROKERSTR }, payload })
        assert.equal(res.statusCode, 201, res.body)
        return res.json() as { id: string; int_id: number; path: string }
      }
      const apex = await post('/api/v1/integration/nodes', { name: 'Acme', type: 1 })
      const account = await post('/api/v1/integration/nodes', { name: 'Acme EU', type: 2, parent_id: apex.id })
      const gone = await post('/api/v1/integration/nodes', { name: 'Acme US', type: 2, parent_id: apex.id })
      const del = await hub.app.inject({ method: 'DELETE', url: `/api/v1/integration/nodes/${gone.id}`, headers: { ...hub.admin, ...BROKERSTR } })
      assert.equal(del.statusCode, 204, del.body)
      await post(`/api/v1/integration/distributors/nodes/${apex.id}`, { meta: { host: 'https://example.com', path: '/a', method: 2 } })
      await post(`/api/v1/integration/distributors/nodes/${account.id}`, { meta: { host: 'https://example.com', path: '/b', method: 2 } })
      const owner = await hub.userWith(['nodes.view.own', 'nodes.create.own'])
      const theirs = await post('/api/v1/integration/nodes', { name: 'Theirs', type: 1 }, owner)

      const all = await getOk<List<Record<string, unknown>>>(hub, '/api/v1/stats/nodes?order=asc')
      assert.equal(all.next_cursor, null)
      assert.deepEqual(all.data.map((n) => n.name), ['Acme', 'Theirs'])
      const acme = all.data[0]
      assert.match(String(acme.created_at), TIMESTAMP)
      assert.deepEqual({ ...acme, created_at: 'x' }, {
        id: apex.id, name: 'Acme', type: 1, path: apex.path, int_id: apex.int_id, children: 1, distributors: 1, created_at: 'x',
      })
      const paged = await getOk<List<{ id: string }>>(hub, '/api/v1/stats/nodes?order=asc&limit=1')
      assert.deepEqual(paged.data.map((n) => n.id), [apex.id])
      const rest = await getOk<List<{ id: string }>>(hub, `/api/v1/stats/nodes?order=asc&limit=1&cursor=${paged.next_cursor}`)
      assert.deepEqual(rest.data.map((n) => n.id), [theirs.id])
      const own = await getOk<List<{ id: string }>>(hub, '/api/v1/stats/nodes', owner)
      assert.deepEqual(own.data.map((n) => n.id), [theirs.id])
    })

    test('every aggregate needs a token (401) and its permission (403); a foreign cursor is 400', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const nobody = await hub.userWith(['events.view'])
      const routes: [string, string][] = [
        ['/api/v1/stats/overview', 'deliveries.view'],
        ['/api/v1/stats/endpoints', 'endpoints.view'],
        ['/api/v1/stats/nodes', 'nodes.view'],
      ]
      for (const [url, permission] of routes) {
        assertError(await hub.app.inject({ method: 'GET', url }), 401, 'HOOKHUB_UNAUTHENTICATED')
        const forbidden = assertError(await hub.app.inject({ method: 'GET', url, headers: nobody }), 403, 'HOOKHUB_FORBIDDEN')
        assert.equal(forbidden.message, `Permission ${permission} is required`)
      }
      for (const url of ['/api/v1/stats/endpoints?cursor=bm9wZQ', '/api/v1/stats/nodes?cursor=bm9wZQ']) {
        const error = assertError(await hub.app.inject({ method: 'GET', url, headers: hub.admin }), 400, 'HOOKHUB_BAD_REQUEST')
        assert.equal(error.message, 'cursor is not one this API returned')
      }
      assertError(await hub.app.inject({ method: 'GET', url: '/api/v1/stats/nodes?limit=0', headers: hub.admin }), 422, 'HOOKHUB_VALIDATION_FAILED')
    })
  })
}
