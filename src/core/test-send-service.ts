// "Send test event": one event delivered to one endpoint, whatever its filter (DESIGN.md
// "Tenants and the portal"), so a receiver can be checked without publishing to anyone else.
import type { DeliveryRepository } from '../storage/delivery-repository.ts'
import type { EndpointRepository } from '../storage/endpoint-repository.ts'
import type { EndpointService } from './endpoint-service.ts'
import { conflict, notFound } from './errors.ts'
import type { EventService } from './event-service.ts'
import type { Scope } from './permissions.ts'
import type { Principal } from './user-service.ts'

/** The type of a test event when the caller names none and the endpoint's filter names no plain type. */
export const DEFAULT_TEST_TYPE = 'hookhub.test'

export interface TestSendInput {
  type?: string
  /** JSON text, kept as received; `{}` when absent. */
  payload?: string
}

type Deps = {
  endpoints: Pick<EndpointService, 'get'>
  rows: Pick<EndpointRepository, 'findById'>
  events: Pick<EventService, 'publish'>
  deliveries: Pick<DeliveryRepository, 'list'>
}

export function createTestSendService ({ endpoints, rows, events, deliveries }: Deps) {
  return {
    /** Publishes the test event; returns the id of its one delivery. */
    async send (id: string, input: TestSendInput, scope: Scope, actor: Principal): Promise<string> {
      const endpoint = await endpoints.get(id, scope, actor)
      // A test the receiver would get only later, or never, would tell nothing.
      if (!endpoint.enabled) throw conflict(`Endpoint ${id} is disabled; enable it to send a test event`)
      if (endpoint.paused) throw conflict(`Endpoint ${id} is paused; resume it to send a test event`)
      const row = await rows.findById(id)
      if (!row) throw notFound('Endpoint')
      const type = input.type ?? endpoint.filter.types.find((t) => !t.includes('*')) ?? DEFAULT_TEST_TYPE
      const { event } = await events.publish({ type, payload: input.payload ?? '{}', tenantId: row.tenant_id, source: 'test', only: row })
      const [delivery] = await deliveries.list({ eventId: event.id, afterId: 0, limit: 1 })
      return delivery.public_id
    },
  }
}

export type TestSendService = ReturnType<typeof createTestSendService>
