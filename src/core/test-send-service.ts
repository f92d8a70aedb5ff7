// "Send test event": one event delivered to one endpoint, whatever its filter (DESIGN.md
// "Tenants and the portal"), so a receiver can be checked without publishing to anyone else.
import type { DeliveryRepository } from '../storage/delivery-repository.ts'
import type { EndpointRepository } from '../storage/endpoint-repository.ts'
import type { EventTypeRepository } from '../storage/event-type-repository.ts'
import type { EndpointService } from './endpoint-service.ts'
import { conflict, notFound } from './errors.ts'
import type { EventService } from './event-service.ts'
import type { Scope } from './permissions.ts'
import { typeMatches } from './routing.ts'
import type { Principal } from './user-service.ts'

/** The type of a test event when the caller names none and neither the catalog nor the filter suggests one. */
export const DEFAULT_TEST_TYPE = 'hookhub.test'
/** Catalog entries looked at for a type the endpoint receives. */
const CATALOG_SCAN = 1000

export interface TestSendInput {
  type?: string
  /** JSON text, kept as received; the catalog's example of the type, else `{}`, when absent. */
  payload?: string
}

type Deps = {
  endpoints: Pick<EndpointService, 'get'>
  rows: Pick<EndpointRepository, 'findById'>
  events: Pick<EventService, 'publish'>
  deliveries: Pick<DeliveryRepository, 'list'>
  catalog: Pick<EventTypeRepository, 'findByName' | 'list'>
}

export function createTestSendService ({ endpoints, rows, events, deliveries, catalog }: Deps) {
  /** The first catalog type the filter receives, current before deprecated; else the filter's first plain type. */
  async function typeFor (filterTypes: readonly string[]): Promise<string> {
    const received = (await catalog.list('', CATALOG_SCAN)).filter((t) => typeMatches(filterTypes, t.name))
    const fromCatalog = received.find((t) => t.deprecated === 0) ?? received[0]
    return fromCatalog?.name ?? filterTypes.find((t) => !t.includes('*')) ?? DEFAULT_TEST_TYPE
  }

  return {
    /** Publishes the test event; returns the id of its one delivery. */
    async send (id: string, input: TestSendInput, scope: Scope, actor: Principal): Promise<string> {
      const endpoint = await endpoints.get(id, scope, actor)
      // A test the receiver would get only later, or never, would tell nothing.
      if (!endpoint.enabled) throw conflict(`Endpoint ${id} is disabled; enable it to send a test event`)
      if (endpoint.paused) throw conflict(`Endpoint ${id} is paused; resume it to send a test event`)
      const row = await rows.findById(id)
      if (!row) throw notFound('Endpoint')
      const type = input.type ?? await typeFor(endpoint.filter.types)
      // The catalog's example is JSON text already; a payload its type's schema refuses is refused by publish (422).
      const payload = input.payload ?? (await catalog.findByName(type))?.example ?? '{}'
      const { event } = await events.publish({ type, payload, tenantId: row.tenant_id, source: 'test', only: row })
      const [delivery] = await deliveries.list({ eventId: event.id, afterId: 0, limit: 1 })
      return delivery.public_id
    },
  }
}

export type TestSendService = ReturnType<typeof createTestSendService>
