import { validationFailed } from './errors.ts'
import type { PublishInput } from './event-service.ts'
import type { TenantRepository } from '../storage/tenant-repository.ts'

type Deps = {
  tenants: Pick<TenantRepository, 'exists'>
}

/** What an event must pass before anything of it is stored (EventService's `admit`). */
export function createPublishAdmission ({ tenants }: Deps) {
  return async (input: PublishInput) => {
    if (input.tenantId && !(await tenants.exists(input.tenantId))) {
      throw validationFailed({ tenant_id: [`names no tenant: ${input.tenantId}`] })
    }
  }
}
