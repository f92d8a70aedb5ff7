import { connectToHub, segment, type ApiOptions, type HubClient } from './api-client.ts'
import { printJson, printLine, printPage, shortTime } from './output.ts'

// Users and tokens over the API: /api/v1/users and /api/v1/tokens.

interface WireUser { id: number; email: string; name: string; permissions: string[]; created_at: string }
interface WireToken { id: number; token: string; created_at: string }

export interface ListOptions extends ApiOptions { limit?: number; cursor?: string; json?: boolean }

/** A user given as an id or a name; names are looked up in the list (the API addresses users by id). */
async function resolveUser (hub: HubClient, idOrName: string): Promise<WireUser> {
  if (/^\d+$/.test(idOrName)) return hub.get<WireUser>(`/api/v1/users/${idOrName}`, { subject: `user ${idOrName}` })
  for await (const user of hub.all<WireUser>('/api/v1/users')) {
    if (user.name === idOrName) return user
  }
  throw new Error(`user "${idOrName}" not found (no user has this name)`)
}

export async function userList (options: ListOptions) {
  const hub = connectToHub(options)
  const page = await hub.page<WireUser>('/api/v1/users', { limit: options.limit, cursor: options.cursor })
  if (options.json) return printJson(page)
  printPage(page, [
    ['ID', (u) => String(u.id)],
    ['NAME', (u) => u.name],
    ['EMAIL', (u) => u.email],
    ['CREATED', (u) => shortTime(u.created_at)],
    ['PERMISSIONS', (u) => u.permissions.join(',') || '(none)'],
  ], 'no users')
}

export async function userDelete (idOrName: string, options: ApiOptions) {
  const hub = connectToHub(options)
  const user = await resolveUser(hub, idOrName)
  await hub.delete(`/api/v1/users/${user.id}`, { subject: `user ${user.id}` })
  printLine(`deleted user ${user.id} (${user.name}); its tokens no longer work`)
}

export async function tokenCreateViaApi (options: ApiOptions & { user: string; json?: boolean }) {
  const hub = connectToHub(options)
  const user = await resolveUser(hub, options.user)
  const token = await hub.post<WireToken>(`/api/v1/users/${user.id}/tokens`, { subject: `user ${user.id}` })
  printToken({ ...token, user_id: user.id }, user.name, options.json)
}

/** What `token create` prints, whether the token came from the API or the database. */
export function printToken (token: WireToken & { user_id: number }, userName: string, json?: boolean) {
  if (json) return printJson(token)
  printLine(`token ${token.id} for user ${token.user_id} (${userName}), shown once: ${token.token}`)
}

export async function tokenRevoke (id: string, options: ApiOptions) {
  const hub = connectToHub(options)
  await hub.delete(`/api/v1/tokens/${segment(id)}`, { subject: `token ${id}` })
  printLine(`revoked token ${id}`)
}
