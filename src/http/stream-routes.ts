import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ServerResponse } from 'node:http'
import { Type } from 'typebox'
import type { Activity, ActivityFeed } from '../core/activity-feed.ts'
import { scopeOf } from '../core/permissions.ts'
import { typeMatches } from '../core/routing.ts'
import { principalOf, scopeFor } from './auth.ts'
import { nativeErrors, toTimestamp, withExamples } from './native-schemas.ts'

const PING_MS = 15_000
/** A client that reads slower than this much backlog is cut off rather than buffered without end. */
const MAX_BACKLOG_BYTES = 1024 * 1024

function toWire (activity: Activity) {
  if (activity.kind === 'event') {
    const { created_at: createdAt, ...event } = activity.event
    return { ...event, created_at: toTimestamp(createdAt) }
  }
  const { endpoint_user_id: _owner, next_attempt_at: next, at, ...delivery } = activity.delivery
  return { ...delivery, next_attempt_at: next === null ? null : toTimestamp(next), at: toTimestamp(at) }
}

/**
 * `GET /api/v1/stream`: Server-Sent Events of stored events and delivery updates, from this
 * process and (on PostgreSQL) from every worker of the deployment. Backs `hookhub tail` and
 * the console's live views.
 */
export const streamRoutes = (feed: Pick<ActivityFeed, 'subscribe'>): FastifyPluginAsyncTypebox => async (app) => {
  const open = new Set<ServerResponse>()
  // Streams never end by themselves; closing the server ends them.
  app.addHook('preClose', async () => { for (const raw of open) raw.end() })

  app.get('/api/v1/stream', {
    config: { permission: ['deliveries', 'view'] },
    schema: {
      operationId: 'streamActivity',
      tags: ['deliveries'],
      summary: 'Live delivery updates (and events, with events.view) as Server-Sent Events',
      description: '`event: delivery` data {"id","event_id","event_type","endpoint_id","status","attempt","max_attempts",' +
        '"status_code","duration_ms","error","next_attempt_at","at"}; `event: event` data {"id","type","source","node_id",' +
        '"channel","deliveries","created_at"}; `: ping` every 15 s. deliveries.view.own sees its own endpoints only.',
      querystring: Type.Object({
        endpoint_id: Type.Optional(Type.String({ description: 'only deliveries to this endpoint (and no events)' })),
        type: Type.Optional(Type.String({ description: 'event type pattern, * as wildcard: task.*' })),
      }),
      produces: ['text/event-stream'],
      response: {
        200: withExamples(Type.String({ description: 'text/event-stream' }), 'retry: 2000\n: connected\n\n' +
          'id: 1\nevent: delivery\ndata: {"id":"dlv_01kdyak3tpam6npbjrc4639vkd","event_id":"evt_01kdyak3sexqymdydx0fpxxrry",' +
          '"event_type":"order.created","endpoint_id":"ep_01kdvr6csem08zedck8bpvt7ck","status":"succeeded","attempt":1,"max_attempts":8,' +
          '"status_code":200,"duration_ms":84,"error":null,"next_attempt_at":null,"at":"2026-01-02T03:04:05.815Z"}\n\n'),
        ...nativeErrors(),
      },
    },
  }, async (request, reply) => {
    const principal = principalOf(request)
    const ownOnly = scopeFor(request) === 'own'
    // Events have no owner: events.view.own reaches none of them.
    const withEvents = scopeOf(principal.permissions, 'events', 'view') === 'all' && !request.query.endpoint_id
    const { endpoint_id: endpointId, type } = request.query
    const wanted = (activity: Activity) => {
      if (activity.kind === 'event') return withEvents && (!type || typeMatches([type], activity.event.type))
      const d = activity.delivery
      if (ownOnly && d.endpoint_user_id !== principal.id) return false
      if (endpointId && d.endpoint_id !== endpointId) return false
      return !type || typeMatches([type], d.event_type)
    }

    reply.hijack()
    const raw = reply.raw
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    raw.write('retry: 2000\n: connected\n\n')
    let sequence = 0
    const unsubscribe = feed.subscribe((activity) => {
      if (!wanted(activity)) return
      if (raw.writableLength > MAX_BACKLOG_BYTES) { raw.destroy(); return }
      raw.write(`id: ${++sequence}\nevent: ${activity.kind}\ndata: ${JSON.stringify(toWire(activity))}\n\n`)
    })
    const ping = setInterval(() => raw.write(': ping\n\n'), PING_MS)
    open.add(raw)
    raw.on('close', () => {
      clearInterval(ping)
      unsubscribe()
      open.delete(raw)
    })
  })
}
