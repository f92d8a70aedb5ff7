import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ServerResponse } from 'node:http'
import { Type } from 'typebox'
import type { Activity, ActivityFeed } from '../core/activity-feed.ts'
import { HookhubError } from '../core/errors.ts'
import { scopeOf } from '../core/permissions.ts'
import { typeMatches } from '../core/routing.ts'
import type { UserService } from '../core/user-service.ts'
import { principalOf, scopeFor } from './auth.ts'
import { nativeErrors, toTimestamp, withExamples } from './native-schemas.ts'

const PING_MS = 15_000
/** A client that reads slower than this much backlog is cut off rather than buffered without end. */
const MAX_BACKLOG_BYTES = 1024 * 1024
/**
 * How often the tokens of open streams are checked again, all in one query: a token revoked or
 * a user deleted, in this process or another one of the deployment, ends its streams within this
 * (plus the query's time), well inside the 5 s promised.
 */
const TOKEN_CHECK_MS = 2_000

function toWire (activity: Activity) {
  if (activity.kind === 'event') {
    const { created_at: createdAt, ...event } = activity.event
    return { ...event, created_at: toTimestamp(createdAt) }
  }
  const { endpoint_user_id: _owner, destination: _kind, next_attempt_at: next, circuit_open_until: held, at, ...delivery } = activity.delivery
  return {
    ...delivery, next_attempt_at: next === null ? null : toTimestamp(next), circuit_open_until: held === null ? null : toTimestamp(held), at: toTimestamp(at),
  }
}

type Deps = {
  feed: Pick<ActivityFeed, 'subscribe'>
  users: Pick<UserService, 'liveTokenIds'>
  /** Open streams per API token, and in the whole process. */
  limits: { perToken: number; total: number }
}

/** An open stream: the token it authenticated with, and how to end it. */
type OpenStream = { tokenId: number; end (): void }

/**
 * `GET /api/v1/stream`: Server-Sent Events of stored events and delivery updates, from this
 * process and (on PostgreSQL) from every worker of the deployment. Backs `hookhub tail` and
 * the console's live views.
 */
export const streamRoutes = ({ feed, users, limits }: Deps): FastifyPluginAsyncTypebox => async (app) => {
  const open = new Map<ServerResponse, OpenStream>()
  let checking = false

  async function endRevoked () {
    if (checking || open.size === 0) return
    checking = true
    try {
      // Only the tokens asked about: a stream opened while the query runs is checked next time.
      const asked = new Set([...open.values()].map((s) => s.tokenId))
      const live = new Set(await users.liveTokenIds([...asked]))
      for (const stream of open.values()) if (asked.has(stream.tokenId) && !live.has(stream.tokenId)) stream.end()
    } catch (err) {
      // The database is away: the streams stay until a check can tell.
      app.log.warn({ err }, 'could not check the tokens of open streams')
    } finally {
      checking = false
    }
  }
  const checker = setInterval(() => { void endRevoked() }, TOKEN_CHECK_MS).unref()
  // Streams never end by themselves; closing the server ends them.
  app.addHook('preClose', async () => {
    clearInterval(checker)
    for (const stream of open.values()) stream.end()
  })

  function admit (tokenId: number) {
    if (open.size >= limits.total) throw new HookhubError('HOOKHUB_TOO_MANY_STREAMS', [`${limits.total} per process`])
    let ofToken = 0
    for (const stream of open.values()) if (stream.tokenId === tokenId) ofToken++
    if (ofToken >= limits.perToken) throw new HookhubError('HOOKHUB_TOO_MANY_STREAMS', [`${limits.perToken} per token`])
  }

  app.get('/api/v1/stream', {
    config: { permission: ['deliveries', 'view'] },
    schema: {
      operationId: 'streamActivity',
      tags: ['deliveries'],
      summary: 'Live delivery updates (and events, with events.view) as Server-Sent Events',
      description: '`event: delivery` data {"id","event_id","event_type","endpoint_id","status","attempt","max_attempts",' +
        '"status_code","duration_ms","error","next_attempt_at","circuit_open_until" (set while the endpoint\'s open circuit holds the retry),"at"}; `event: event` data {"id","type","source","node_id",' +
        '"channel","deliveries","created_at"}; `: ping` every 15 s. deliveries.view.own sees its own endpoints only. ' +
        'At most HOOKHUB_MAX_STREAMS_PER_TOKEN (5) open streams per token and HOOKHUB_MAX_STREAMS (500) per process, ' +
        'else 429 HOOKHUB_TOO_MANY_STREAMS; a stream ends within 5 s of its token being revoked or its user deleted, ' +
        'and when its client falls 1 MiB behind.',
      querystring: Type.Object({
        endpoint_id: Type.Optional(Type.String({ description: 'only deliveries to this endpoint (and no events)' })),
        type: Type.Optional(Type.String({ description: 'event type pattern, * as wildcard: task.*' })),
      }),
      produces: ['text/event-stream'],
      response: {
        200: withExamples(Type.String({ description: 'text/event-stream' }), 'retry: 2000\n: connected\n\n' +
          'id: 1\nevent: delivery\ndata: {"id":"dlv_01kdyak3tpam6npbjrc4639vkd","event_id":"evt_01kdyak3sexqymdydx0fpxxrry",' +
          '"event_type":"order.created","endpoint_id":"ep_01kdvr6csem08zedck8bpvt7ck","status":"succeeded","attempt":1,"max_attempts":8,' +
          '"status_code":200,"duration_ms":84,"error":null,"next_attempt_at":null,"circuit_open_until":null,"at":"2026-01-02T03:04:05.815Z"}\n\n'),
        ...nativeErrors(),
      },
    },
  }, async (request, reply) => {
    const principal = principalOf(request)
    admit(principal.tokenId)
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
    // Detached before ending, so that nothing is written after the end.
    const detach = () => {
      clearInterval(ping)
      unsubscribe()
      open.delete(raw)
    }
    open.set(raw, { tokenId: principal.tokenId, end: () => { detach(); raw.end() } })
    raw.on('close', detach)
  })
}
