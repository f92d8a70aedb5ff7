import { notFound, validationFailed } from '../http/errors.ts'
import type { EndpointRepository } from '../storage/endpoint-repository.ts'
import type { EventQuery, EventRepository, EventRow, EventView } from '../storage/event-repository.ts'
import type { Activity } from './activity-feed.ts'
import { newId } from './ids.ts'
import { routes } from './routing.ts'

export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000
const TYPE_PATTERN = /^[A-Za-z0-9_.:\-/]{1,255}$/

export interface PublishInput {
  type: string
  /** The payload as JSON text, kept exactly as received. */
  payload: string
  /** The body's own content type when it was not JSON: the payload is then its {"content_type", "body"} envelope. */
  contentType?: string | null
  nodeId?: string | null
  channel?: string | null
  /** Who published: "api", or the id of the inbound source. */
  source: string
  /** Scoped by the caller (per principal or per source) before it gets here. */
  idempotencyKey?: string
  /** The delivery to this endpoint starts leased to `owner`, who tries it at once (synchronous relay). */
  hold?: { endpointId: string; owner: string; leaseMs: number }
}

export interface PublishResult {
  event: EventRow
  /** True when the idempotency key named an earlier event, which is returned instead. */
  duplicate: boolean
  deliveries: number
  /** The deliveries created leased (see `hold`). */
  leased: { id: number; publicId: string; endpointId: string }[]
}

type Deps = {
  events: EventRepository
  endpoints: Pick<EndpointRepository, 'routable'>
  /** The node and its ancestors, nearest first (an unknown node is its own lineage). */
  nodeLineage: (nodeId: string) => Promise<string[]>
  notify: () => Promise<void>
  clock: () => number
  /** Hears every stored event (live streams, metrics). */
  report?: (activity: Activity) => void
}

export function createEventService ({ events, endpoints, nodeLineage, notify, clock, report }: Deps) {
  return {
    async publish (input: PublishInput): Promise<PublishResult> {
      if (!TYPE_PATTERN.test(input.type)) {
        throw validationFailed({ type: ['must be 1 to 255 letters, digits or . _ - : /'] })
      }
      const now = clock()
      const lineage = input.nodeId ? await nodeLineage(input.nodeId) : []
      const channel = input.channel ?? null
      const candidates = await endpoints.routable(lineage, channel)
      const targets = candidates.filter((e) => routes({
        filterTypes: JSON.parse(e.filter_types) as string[],
        filterNodeId: e.filter_node_id,
        filterChannel: e.filter_channel,
      }, { type: input.type, nodeLineage: lineage, channel }))
      const result = await events.insertWithDeliveries(
        {
          publicId: newId('evt', now),
          type: input.type,
          source: input.source,
          nodeId: input.nodeId ?? null,
          channel,
          payload: input.payload,
          contentType: input.contentType ?? null,
          receivedAt: now,
        },
        targets.map((e) => ({
          publicId: newId('dlv', now),
          endpointId: e.id,
          ...(input.hold?.endpointId === e.id && { lease: { owner: input.hold.owner, until: now + input.hold.leaseMs } }),
        })),
        input.idempotencyKey ? { key: input.idempotencyKey, cutoff: now - IDEMPOTENCY_WINDOW_MS } : null,
      )
      if (!result.duplicate) {
        const { event } = result
        report?.({
          kind: 'event',
          event: {
            id: event.public_id, type: event.type, source: event.source, node_id: event.node_id,
            channel: event.channel, deliveries: result.deliveries, created_at: event.received_at,
          },
        })
        // The event is committed: a failed wake-up only delays delivery until the next poll.
        if (result.deliveries > 0) await notify().catch(() => {})
      }
      return result
    },

    async get (publicId: string): Promise<EventView> {
      const event = await events.findByPublicId(publicId)
      if (!event) throw notFound('Event')
      return event
    },

    list: (query: EventQuery) => events.list(query),
  }
}

export type EventService = ReturnType<typeof createEventService>
