import { notFound, validationFailed } from './errors.ts'
import type { ClaimedDelivery } from '../storage/delivery-repository.ts'
import type { EndpointRepository, RoutableRow } from '../storage/endpoint-repository.ts'
import type { EventQuery, EventRepository, EventRow, EventView, InsertResult } from '../storage/event-repository.ts'
import type { Activity } from './activity-feed.ts'
import type { CheckOwnNames } from './owner-scope.ts'
import { newId } from './ids.ts'
import { routes } from './routing.ts'
import { filterablePayload, storedPayloadFilter } from './filters.ts'

export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000
export const TYPE_PATTERN = /^[A-Za-z0-9_.:\-/]{1,255}$/

export interface PublishInput {
  type: string
  /** The payload as JSON text, kept exactly as received. */
  payload: string
  /** The body's own content type when it was not JSON: the payload is then its {"content_type", "body"} envelope. */
  contentType?: string | null
  nodeId?: string | null
  channel?: string | null
  /** The event reaches this tenant's endpoints only; without one, only endpoints without a tenant. */
  tenantId?: string | null
  /**
   * Set for a publisher under `events.publish.own`, and for a source whose owner does not hold the
   * unscoped `events.publish`: the event reaches only this user's routes, and may name only a node
   * or channel the user can see.
   */
  publisherId?: number
  /** The node and channel come from the hub's own settings (a source's channel), not from the publisher: not checked. */
  namesFromHub?: boolean
  /** Who published: "api", or the id of the inbound source. */
  source: string
  /** Scoped by the caller (per principal or per source) before it gets here. */
  idempotencyKey?: string
  /** The delivery to this endpoint starts leased to `owner`, who tries it at once (synchronous relay). */
  hold?: { endpointId: string; owner: string; leaseMs: number }
  /** The event goes to this endpoint alone, whatever its filter (a test send). */
  only?: RoutableRow
}

export interface PublishResult {
  event: EventRow
  /** True when the idempotency key named an earlier event, which is returned instead. */
  duplicate: boolean
  deliveries: number
  /** The deliveries created leased: to the synchronous relay (see `hold`) or handed to this process's worker. */
  leased: { id: number; publicId: string; endpointId: string }[]
}

/** A delivery worker of this process that new deliveries can be handed to (DeliveryWorker.offer and settle). */
export interface Handoff {
  id: string
  leaseMs: number
  offer: (endpoint: RoutableRow, now: number) => boolean
  settle: (endpointId: string, delivery: ClaimedDelivery | null) => void
}

type Deps = {
  events: EventRepository
  endpoints: Pick<EndpointRepository, 'routable'>
  /** Throws when a node or channel belongs to someone other than the user (see CheckOwnNames). */
  checkOwnNames: CheckOwnNames
  /** The node and its ancestors, nearest first (an unknown node is its own lineage). */
  nodeLineage: (nodeId: string) => Promise<string[]>
  notify: () => Promise<void>
  clock: () => number
  /** Refuses an event before anything is stored (an unknown tenant, a payload its type's schema rejects). */
  admit?: (input: PublishInput) => Promise<void>
  /** Hears every stored event (live streams, metrics). */
  report?: (activity: Activity) => void
  /** This process's delivery worker, when it runs one. */
  handoff?: () => Handoff | undefined
}

/** Gives the worker each delivery it was offered, as committed; null where the publish stored none (a duplicate). */
function handOver (worker: Handoff, offered: RoutableRow[], { event, leased }: InsertResult) {
  const byEndpoint = new Map(leased.map((d) => [d.endpointId, d]))
  for (const endpoint of offered) {
    const d = byEndpoint.get(endpoint.id)
    worker.settle(endpoint.id, d
      ? {
          id: d.id, publicId: d.publicId, endpointId: d.endpointId, attemptCount: 0, eventPublicId: event.public_id,
          eventType: event.type, payload: event.payload, contentType: event.content_type, receivedAt: event.received_at,
          endpointVersion: endpoint.updated_at,
        }
      : null)
  }
}

export function createEventService ({ events, endpoints, checkOwnNames, nodeLineage, notify, clock, admit, report, handoff }: Deps) {
  return {
    async publish (input: PublishInput): Promise<PublishResult> {
      if (!TYPE_PATTERN.test(input.type)) {
        throw validationFailed({ type: ['must be 1 to 255 letters, digits or . _ - : /'] })
      }
      const publisherId = input.publisherId ?? null
      if (publisherId !== null && !input.namesFromHub) await checkOwnNames(input, publisherId)
      const tenantId = input.tenantId ?? null
      const now = clock()
      const lineage = input.nodeId ? await nodeLineage(input.nodeId) : []
      const channel = input.channel ?? null
      // Admission (tenant, payload schema) is read beside the routes: either fails before anything is stored.
      const [, candidates] = await Promise.all([
        admit?.(input),
        input.only ? [] : endpoints.routable({ nodeLineage: lineage, channel, userId: publisherId, tenantId }),
      ])
      const payload = filterablePayload(input.payload, input.contentType ?? null)
      const targets = input.only ? [input.only] : candidates.filter((e) => routes({
        filterTypes: JSON.parse(e.filter_types) as string[],
        filterNodeId: e.filter_node_id,
        filterChannel: e.filter_channel,
        payloadFilter: storedPayloadFilter(e.id, e.filter_payload),
      }, { type: input.type, nodeLineage: lineage, channel, payload }))
      // Deliveries this process's worker can start now are created leased to it and handed over
      // after the commit, instead of being claimed back from the database.
      const worker = handoff?.()
      const taken = worker ? targets.filter((e) => e.id !== input.hold?.endpointId && worker.offer(e, now)) : []
      const offered = new Set(taken.map((e) => e.id))
      const result = await events.insertWithDeliveries(
        {
          publicId: newId('evt', now),
          type: input.type,
          source: input.source,
          nodeId: input.nodeId ?? null,
          channel,
          tenantId,
          payload: input.payload,
          contentType: input.contentType ?? null,
          receivedAt: now,
        },
        targets.map((e) => ({
          publicId: newId('dlv', now),
          endpointId: e.id,
          ...(input.hold?.endpointId === e.id && { lease: { owner: input.hold.owner, until: now + input.hold.leaseMs } }),
          ...(worker && offered.has(e.id) && { lease: { owner: worker.id, until: now + worker.leaseMs } }),
        })),
        input.idempotencyKey ? { key: input.idempotencyKey, cutoff: now - IDEMPOTENCY_WINDOW_MS } : null,
      ).catch((err) => {
        for (const id of offered) worker?.settle(id, null)
        throw err
      })
      if (worker) handOver(worker, taken, result)
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
        if (result.deliveries > offered.size) await notify().catch(() => {})
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
