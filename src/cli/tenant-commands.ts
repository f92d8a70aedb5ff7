import { connectToHub, segment, type ApiOptions } from './api-client.ts'
import { printJson, printLine, printPage, shortTime } from './output.ts'
import { UsageError } from './run-command.ts'
import type { ListOptions } from './user-commands.ts'

// Tenants and their portal sessions over the API: /api/v1/tenants.

interface WireTenant { id: string; name: string; metadata: Record<string, unknown>; created_at: string }
interface WirePortalSession { url: string; token: string; expires_at: string }

export interface TenantCreateOptions extends ApiOptions { id?: string; metadata?: string; json?: boolean }

export async function tenantCreate (name: string, o: TenantCreateOptions) {
  let metadata: unknown
  if (o.metadata !== undefined) {
    try {
      metadata = JSON.parse(o.metadata)
    } catch (err) {
      throw new UsageError(`--metadata is not valid JSON (${(err as Error).message}); pass e.g. --metadata '{"plan":"pro"}'`)
    }
  }
  const hub = connectToHub(o)
  const tenant = await hub.post<WireTenant>('/api/v1/tenants', { json: { id: o.id, name, metadata } })
  if (o.json) return printJson(tenant)
  printLine(`created tenant ${tenant.id} (${tenant.name})`)
}

export async function tenantList (options: ListOptions) {
  const hub = connectToHub(options)
  const page = await hub.page<WireTenant>('/api/v1/tenants', { limit: options.limit, cursor: options.cursor })
  if (options.json) return printJson(page)
  printPage(page, [
    ['ID', (t) => t.id],
    ['CREATED', (t) => shortTime(t.created_at)],
    ['NAME', (t) => t.name],
  ], 'no tenants')
}

export async function tenantDelete (id: string, options: ApiOptions) {
  const hub = connectToHub(options)
  await hub.delete(`/api/v1/tenants/${segment(id)}`, { subject: `tenant ${id}` })
  printLine(`deleted tenant ${id} with its endpoints and portal sessions`)
}

export interface PortalOptions extends ApiOptions { expiresIn?: number; readOnly?: boolean; revoke?: boolean; json?: boolean }

export async function tenantPortal (id: string, o: PortalOptions) {
  const hub = connectToHub(o)
  const path = `/api/v1/tenants/${segment(id)}/portal-sessions`
  if (o.revoke) {
    await hub.delete(path, { subject: `tenant ${id}` })
    return printLine(`revoked every portal session of tenant ${id}`)
  }
  const session = await hub.post<WirePortalSession>(path, { subject: `tenant ${id}`, json: { expires_in: o.expiresIn, read_only: o.readOnly } })
  if (o.json) return printJson(session)
  printLine(`portal session for tenant ${id}${o.readOnly ? ' (read-only)' : ''}, until ${shortTime(session.expires_at)}:`, `  ${session.url}`)
}
