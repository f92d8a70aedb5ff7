import { conflict, forbidden, notFound } from './errors.ts'
import type { DeliveryQuery, DeliveryRepository, DeliveryView } from '../storage/delivery-repository.ts'
import type { EndpointRepository } from '../storage/endpoint-repository.ts'
import type { EventRepository } from '../storage/event-repository.ts'
import type { Activity } from './activity-feed.ts'
import { circuitStateOf } from './endpoint-service.ts'
import type { Scope } from './permissions.ts'
import { inTenant, tenantFilter } from './tenant-scope.ts'
import type { Principal } from './user-service.ts'

/**
 * A delivery as what will happen to it: a pending one is due now rather than at a time already
 * past, and held until its endpoint's circuit closes while the circuit is open
 * (`circuit_open_until` is set only then).
 */
export function asScheduled (row: DeliveryView, now: number): DeliveryView {
  const pending = row.status === 'pending' && row.next_attempt_at !== null
  const held = pending && row.circuit_open_until !== null && row.circuit_open_until > now ? row.circuit_open_until : null
  return { ...row, next_attempt_at: pending ? Math.max(row.next_attempt_at!, held ?? now) : row.next_attempt_at, circuit_open_until: held }
}

type Deps = {
  deliveries: Pick<DeliveryRepository, 'findByPublicId' | 'attemptsOf' | 'list' | 'requeue'>
  endpoints: Pick<EndpointRepository, 'findById' | 'openCircuit'>
  events: Pick<EventRepository, 'findByPublicId'>
  notify: () => Promise<void>
  clock: () => number
  maxAttempts: number
  report?: (activity: Activity) => void
}

/**
 * Reading the delivery log and sending a delivery again. `.own` reaches deliveries of one's own
 * endpoints, a portal principal those of its tenant's endpoints.
 */
export function createDeliveryService ({ deliveries, endpoints, events, notify, clock, maxAttempts, report }: Deps) {
  async function assertEndpointVisible (endpointId: string, scope: Scope, actor: Principal, what: string) {
    if (scope === 'all' && actor.tenantId === undefined) return
    const endpoint = await endpoints.findById(endpointId)
    if (!endpoint || (scope === 'own' && endpoint.user_id !== actor.id) || !inTenant(endpoint, actor)) throw notFound(what)
  }

  async function find (publicId: string, scope: Scope, actor: Principal): Promise<DeliveryView> {
    const delivery = await deliveries.findByPublicId(publicId)
    if (!delivery) throw notFound('Delivery')
    await assertEndpointVisible(delivery.endpoint_id, scope, actor, 'Delivery')
    return asScheduled(delivery, clock())
  }

  return {
    async list (query: Omit<DeliveryQuery, 'eventId'> & { eventPublicId?: string }, scope: Scope, actor: Principal) {
      if (scope === 'own') {
        if (!query.endpointId) throw forbidden('deliveries.view (deliveries.view.own lists one endpoint at a time: pass endpoint_id)')
        await assertEndpointVisible(query.endpointId, scope, actor, 'Endpoint')
      }
      let eventId: number | undefined
      if (query.eventPublicId !== undefined) {
        const event = await events.findByPublicId(query.eventPublicId)
        if (!event) return []
        eventId = event.id
      }
      const now = clock()
      return (await deliveries.list({ ...query, eventId, tenantId: tenantFilter(actor, query.tenantId) })).map((row) => asScheduled(row, now))
    },

    /** Every delivery of an event (its detail), oldest first. */
    async ofEvent (eventId: number) {
      const now = clock()
      return (await deliveries.list({ eventId, afterId: 0, limit: 10_000 })).map((row) => asScheduled(row, now))
    },

    async get (publicId: string, scope: Scope, actor: Principal) {
      const delivery = await find(publicId, scope, actor)
      const [attempts, event] = await Promise.all([deliveries.attemptsOf(delivery.id), events.findByPublicId(delivery.event_public_id)])
      // Retention deletes an event with its deliveries: one without the other is being deleted.
      if (!event) throw notFound('Delivery')
      return { delivery, attempts, event }
    },

    /**
     * Sends a finished delivery (succeeded, failed or cancelled) once more, now. Behind an open
     * circuit it is the circuit's probe: the circuit goes half-open at once, so the retry is sent
     * now instead of when the cooldown ends (a failure opens it again, for longer).
     */
    async retry (publicId: string, scope: Scope, actor: Principal) {
      const delivery = await find(publicId, scope, actor)
      const now = clock()
      if (!(await deliveries.requeue(delivery.id, now))) {
        throw conflict(`Delivery ${publicId} is still ${delivery.status}`, { status: delivery.status })
      }
      const [endpoint, event] = await Promise.all([
        endpoints.findById(delivery.endpoint_id),
        report ? events.findByPublicId(delivery.event_public_id) : undefined,
      ])
      if (endpoint && circuitStateOf(endpoint, now) === 'open') await endpoints.openCircuit(endpoint.id, now)
      // Told before the workers are woken, so that the stream shows it before its next attempt.
      if (report) {
        report({
          kind: 'delivery',
          delivery: {
            id: delivery.public_id, event_id: delivery.event_public_id, event_type: event?.type ?? '',
            endpoint_id: delivery.endpoint_id, endpoint_user_id: endpoint?.user_id ?? null, status: 'pending',
            attempt: 0, max_attempts: maxAttempts, status_code: null, duration_ms: null, error: null,
            next_attempt_at: now, circuit_open_until: null, at: now,
          },
        })
      }
      await notify().catch(() => {})
      return find(publicId, scope, actor)
    },
  }
}

export type DeliveryService = ReturnType<typeof createDeliveryService>
