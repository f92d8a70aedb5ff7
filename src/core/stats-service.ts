import type { EndpointRepository } from '../storage/endpoint-repository.ts'
import { HOUR_MS, MINUTE_MS, type OwnerFilter, type StatsRepository } from '../storage/stats-repository.ts'
import { circuitStateOf } from './endpoint-service.ts'
import type { Scope } from './permissions.ts'
import type { Principal } from './user-service.ts'
import type { Order } from '../storage/keyset.ts'

type Deps = {
  stats: StatsRepository
  endpoints: Pick<EndpointRepository, 'list'>
  clock: () => number
}

/** Minutes of events the overview charts; hours of attempts an endpoint's sparkline covers. */
export const OVERVIEW_MINUTES = 60
export const SPARKLINE_HOURS = 24
const FAILING_LIMIT = 20

const ownerOf = (scope: Scope, actor: Principal): OwnerFilter => (scope === 'own' ? actor.id : null)
const rateOf = (s: { total: number; succeeded: number }) => (s.total === 0 ? null : s.succeeded / s.total)

/** Fills the buckets a GROUP BY left out (no rows in that minute or hour) with zero. */
function series<T> (start: number, step: number, count: number, found: Map<number, T>, empty: T) {
  return Array.from({ length: count }, (_, i) => {
    const at = start + i * step
    return { start: at, ...(found.get(at) ?? empty) }
  })
}

/** Aggregates for the console: what is flowing, what is failing, how each endpoint fares. */
export function createStatsService ({ stats, endpoints, clock }: Deps) {
  return {
    /**
     * The last hour at a glance. Event counts only for callers who may view events (null
     * otherwise); under a `.own` scope the delivery figures cover the caller's endpoints only.
     */
    async overview (scope: Scope, actor: Principal, withEvents: boolean) {
      const now = clock()
      const owner = ownerOf(scope, actor)
      // Whole minutes, so that the first bucket is complete and the last one is the current one.
      const firstMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS - (OVERVIEW_MINUTES - 1) * MINUTE_MS
      const [perMinute, attempts, backlog, failing] = await Promise.all([
        withEvents ? stats.eventsPerMinute(firstMinute) : null,
        stats.attemptTotals(now - HOUR_MS, owner),
        stats.backlog(owner),
        stats.failingEndpoints(owner, FAILING_LIMIT),
      ])
      return {
        now,
        eventsPerMinute: perMinute === null
          ? null
          : series(firstMinute, MINUTE_MS, OVERVIEW_MINUTES, new Map(perMinute.map((r) => [r.minute, { count: r.count }])), { count: 0 }),
        attempts,
        successRate: rateOf(attempts),
        backlog,
        failing: failing.map((e) => ({
          id: e.id,
          url: e.url,
          enabled: e.enabled === 1,
          disabledReason: e.disabled_reason,
          consecutiveFailures: e.consecutive_failures,
          failingSince: e.failing_since,
          circuit: circuitStateOf(e, now),
        })),
      }
    },

    /** One page of endpoints (the same pages as the endpoint list) with hourly success over 24 h. */
    async endpointHealth (afterId: string, limit: number, scope: Scope, actor: Principal, order: Order = 'asc') {
      const now = clock()
      const owner = ownerOf(scope, actor)
      const rows = await endpoints.list({ afterId, limit, order, ...(owner !== null && { userId: owner }) })
      const ids = rows.map((r) => r.id)
      const firstHour = Math.floor(now / HOUR_MS) * HOUR_MS - (SPARKLINE_HOURS - 1) * HOUR_MS
      const [hourly, backlog] = await Promise.all([stats.hourlyAttempts(ids, firstHour), stats.backlogByEndpoint(ids)])
      return rows.map((row) => {
        const mine = new Map(hourly.filter((h) => h.endpointId === row.id).map((h) => [h.hour, { attempts: h.total, succeeded: h.succeeded }]))
        return {
          id: row.id,
          circuit: circuitStateOf(row, now),
          consecutiveFailures: row.consecutive_failures,
          backlog: backlog.get(row.id) ?? 0,
          hourly: series(firstHour, HOUR_MS, SPARKLINE_HOURS, mine, { attempts: 0, succeeded: 0 }),
        }
      })
    },

    /** Top-level nodes of the tenant tree, with their counts of children and distributors. */
    async rootNodes (afterId: number, limit: number, scope: Scope, actor: Principal, order: Order = 'asc') {
      return stats.rootNodes(ownerOf(scope, actor), afterId, limit, order)
    },
  }
}

export type StatsService = ReturnType<typeof createStatsService>
