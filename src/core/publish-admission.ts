import { validationFailed } from './errors.ts'
import type { EventTypeService } from './event-type-service.ts'
import type { PublishInput } from './event-service.ts'
import type { TenantRepository } from '../storage/tenant-repository.ts'

type Deps = {
  tenants: Pick<TenantRepository, 'exists'>
  catalog: Pick<EventTypeService, 'checkPayload'>
}

/** What an event must pass before anything of it is stored (EventService's `admit`). */
export function createPublishAdmission ({ tenants, catalog }: Deps) {
  return async (input: PublishInput) => {
    if (input.tenantId && !(await tenants.exists(input.tenantId))) {
      throw validationFailed({ tenant_id: [`names no tenant: ${input.tenantId}`] })
    }
    // A body kept as {"content_type", "body"} is not the payload a schema describes.
    if (!input.contentType) await catalog.checkPayload(input.type, input.payload)
  }
}
