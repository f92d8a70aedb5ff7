import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { scopeOf } from '../core/permissions.ts'
import { OVERVIEW_MINUTES, SPARKLINE_HOURS, type StatsService } from '../core/stats-service.ts'
import { principalOf, scopeFor } from './auth.ts'
import { listOf, OrderedListQuery, listPage, nativeErrors, numericCursor, textCursor, Timestamp, toTimestamp, withExamples } from './native-schemas.ts'

// Read-only aggregates behind the web console's overview, endpoint health and node tree.

const NullableTimestamp = Type.Union([Timestamp, Type.Null()])
const Rate = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: 'share of attempts answered 2xx; null without attempts' })
const Circuit = Type.String({ enum: ['closed', 'open', 'half-open'] })

// Examples: a fixed hour ending at 2026-01-02T04:00Z, with made-up but plausible figures.
const EXAMPLE_NOW = Date.parse('2026-01-02T04:00:00.000Z')
const exampleSeries = <T>(count: number, stepMs: number, item: (start: string, i: number) => T) =>
  Array.from({ length: count }, (_, i) => item(toTimestamp(EXAMPLE_NOW - (count - i) * stepMs), i))

const Overview = withExamples(Type.Object({
  generated_at: Timestamp,
  events_per_minute: Type.Union([
    Type.Array(Type.Object({ start: Timestamp, count: Type.Integer() }), { minItems: OVERVIEW_MINUTES, maxItems: OVERVIEW_MINUTES }),
    Type.Null(),
  ], { description: `events received in each of the last ${OVERVIEW_MINUTES} minutes, oldest first; null without events.view` }),
  attempts_last_hour: Type.Object({ total: Type.Integer(), succeeded: Type.Integer() }),
  success_rate_last_hour: Rate,
  backlog: Type.Integer({ description: 'deliveries pending or in flight' }),
  failing_endpoints: Type.Array(Type.Object({
    id: Type.String(),
    url: Type.String(),
    enabled: Type.Boolean(),
    disabled_reason: Type.Union([Type.String(), Type.Null()]),
    consecutive_failures: Type.Integer(),
    failing_since: NullableTimestamp,
    circuit: Circuit,
  }), { description: 'failing or disabled endpoints, most consecutive failures first (at most 20)' }),
}), {
  generated_at: toTimestamp(EXAMPLE_NOW),
  events_per_minute: exampleSeries(OVERVIEW_MINUTES, 60_000, (start, i) => ({ start, count: 20 + (i * 7) % 11 })),
  attempts_last_hour: { total: 1530, succeeded: 1496 },
  success_rate_last_hour: 0.978,
  backlog: 17,
  failing_endpoints: [{
    id: 'ep_01kdvr9q2wbn4c8ztm3yx6hd0f',
    url: 'https://partner.example.net/hooks/orders',
    enabled: true,
    disabled_reason: null,
    consecutive_failures: 9,
    failing_since: '2026-01-02T02:41:17.204Z',
    circuit: 'open',
  }],
})

const EndpointStats = withExamples(Type.Object({
  endpoint_id: Type.String(),
  circuit: Type.Object({ state: Circuit, consecutive_failures: Type.Integer() }),
  backlog: Type.Integer(),
  hourly: Type.Array(Type.Object({ start: Timestamp, attempts: Type.Integer(), succeeded: Type.Integer(), success_rate: Rate }),
    { minItems: SPARKLINE_HOURS, maxItems: SPARKLINE_HOURS, description: `the last ${SPARKLINE_HOURS} hours, oldest first` }),
}), {
  endpoint_id: 'ep_01kdvr6csem08zedck8bpvt7ck',
  circuit: { state: 'closed', consecutive_failures: 0 },
  backlog: 0,
  hourly: exampleSeries(SPARKLINE_HOURS, 3_600_000, (start, i) => i < 2
    ? { start, attempts: 0, succeeded: 0, success_rate: null }
    : { start, attempts: 40, succeeded: 40 - (i % 3), success_rate: (40 - (i % 3)) / 40 }),
})

const RootNode = withExamples(Type.Object({
  id: Type.String({ description: 'the node id of the Brokerstr API' }),
  name: Type.String(),
  type: Type.Integer(),
  path: Type.String(),
  int_id: Type.Integer(),
  children: Type.Integer({ description: 'live child nodes' }),
  distributors: Type.Integer({ description: 'live distributors of this node' }),
  created_at: Timestamp,
}), {
  id: 'e40efce4-38a3-46c4-a202-e8db95d0409c', name: 'Acme Holdings', type: 1, path: '1', int_id: 1, children: 3, distributors: 1, created_at: '2025-12-23T16:49:21.110Z',
})

const tags = ['stats']

export const statsRoutes = (stats: StatsService): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/api/v1/stats/overview', {
    config: { permission: ['deliveries', 'view'] },
    schema: {
      operationId: 'getStatsOverview',
      tags,
      summary: 'The last hour: events per minute, attempt success rate, backlog, failing endpoints',
      description: 'With deliveries.view.own the delivery figures cover the caller\'s endpoints only.',
      response: { 200: Overview, ...nativeErrors() },
    },
  }, async (request) => {
    const principal = principalOf(request)
    // Events have no owner: events.view.own reaches none of them.
    const withEvents = scopeOf(principal.permissions, 'events', 'view') === 'all'
    const o = await stats.overview(scopeFor(request), principal, withEvents)
    return {
      generated_at: toTimestamp(o.now),
      events_per_minute: o.eventsPerMinute?.map((m) => ({ start: toTimestamp(m.start), count: m.count })) ?? null,
      attempts_last_hour: o.attempts,
      success_rate_last_hour: o.successRate,
      backlog: o.backlog,
      failing_endpoints: o.failing.map((e) => ({
        id: e.id,
        url: e.url,
        enabled: e.enabled,
        disabled_reason: e.disabledReason,
        consecutive_failures: e.consecutiveFailures,
        failing_since: e.failingSince === null ? null : toTimestamp(e.failingSince),
        circuit: e.circuit,
      })),
    }
  })

  app.get('/api/v1/stats/endpoints', {
    config: { permission: ['endpoints', 'view'] },
    schema: {
      operationId: 'listEndpointStats',
      tags,
      summary: `Health of each endpoint: circuit, backlog and hourly success over ${SPARKLINE_HOURS} h (pages like the endpoint list, newest first)`,
      querystring: OrderedListQuery,
      response: { 200: listOf(EndpointStats), ...nativeErrors() },
    },
  }, async (request) => listPage(request.query.limit,
    (limit) => stats.endpointHealth(textCursor(request.query.cursor), limit, scopeFor(request), principalOf(request), request.query.order),
    (e) => e.id,
    (e) => ({
      endpoint_id: e.id,
      circuit: { state: e.circuit, consecutive_failures: e.consecutiveFailures },
      backlog: e.backlog,
      hourly: e.hourly.map((h) => ({
        start: toTimestamp(h.start),
        attempts: h.attempts,
        succeeded: h.succeeded,
        success_rate: h.attempts === 0 ? null : h.succeeded / h.attempts,
      })),
    })))

  app.get('/api/v1/stats/nodes', {
    config: { permission: ['nodes', 'view'] },
    schema: {
      operationId: 'listRootNodes',
      tags,
      summary: 'Top-level (Apex) nodes with their counts of children and distributors; walk down with the Brokerstr API; newest first',
      querystring: OrderedListQuery,
      response: { 200: listOf(RootNode), ...nativeErrors() },
    },
  }, async (request) => listPage(request.query.limit,
    (limit) => stats.rootNodes(numericCursor(request.query.cursor), limit, scopeFor(request), principalOf(request), request.query.order),
    (n) => n.id,
    (n) => ({
      id: n.uuid, name: n.name, type: n.type, path: n.path, int_id: n.id,
      children: n.children, distributors: n.distributors, created_at: toTimestamp(n.created_at),
    })))
}
