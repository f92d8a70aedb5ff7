import { conflict, notFound } from './errors.ts'
import { newId } from './ids.ts'
import type { Scope } from './permissions.ts'
import { requireUnscoped } from './tenant-scope.ts'
import type { TenantRepository, TenantRow } from '../storage/tenant-repository.ts'

/** The operator's own identifier of a customer: what it can name in its URLs and logs as it is. */
export const TENANT_ID = /^[A-Za-z0-9._:-]{1,255}$/

export interface Tenant {
  id: string
  name: string
  metadata: Record<string, unknown>
  createdAt: number
  updatedAt: number
}

export interface TenantInput {
  id?: string
  name?: string
  metadata?: Record<string, unknown>
}

const toTenant = (row: TenantRow): Tenant => ({
  id: row.id,
  name: row.name,
  metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

type Deps = {
  tenants: Pick<TenantRepository, 'insert' | 'findById' | 'list' | 'update' | 'remove'>
  clock: () => number
}

/** The operator's customers. The request schema checks the fields' shapes; this checks what needs the database. */
export function createTenantService ({ tenants, clock }: Deps) {
  return {
    async create (input: TenantInput & { name: string }, scope: Scope): Promise<Tenant> {
      requireUnscoped(scope, 'tenants.create')
      const now = clock()
      const id = input.id ?? newId('tnt', now)
      const row = await tenants.insert({ id, name: input.name, metadata: JSON.stringify(input.metadata ?? {}), created_at: now, updated_at: now })
      if (!row) throw conflict(`A tenant with id "${id}" already exists`, { field: 'id' })
      return toTenant(row)
    },

    async get (id: string, scope: Scope): Promise<Tenant> {
      requireUnscoped(scope, 'tenants.view')
      const row = await tenants.findById(id)
      if (!row) throw notFound('Tenant')
      return toTenant(row)
    },

    async list (afterId: string, limit: number, scope: Scope): Promise<Tenant[]> {
      requireUnscoped(scope, 'tenants.view')
      return (await tenants.list(afterId, limit)).map(toTenant)
    },

    async update (id: string, input: TenantInput, scope: Scope): Promise<Tenant> {
      requireUnscoped(scope, 'tenants.manage')
      const row = await tenants.update(id, {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.metadata !== undefined && { metadata: JSON.stringify(input.metadata) }),
        updated_at: clock(),
      })
      if (!row) throw notFound('Tenant')
      return toTenant(row)
    },

    /** Deletes the tenant, its endpoints and its portal sessions. */
    async remove (id: string, scope: Scope): Promise<void> {
      requireUnscoped(scope, 'tenants.delete')
      if (!(await tenants.remove(id, clock()))) throw notFound('Tenant')
    },
  }
}

export type TenantService = ReturnType<typeof createTenantService>
