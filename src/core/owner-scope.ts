import { notFound } from './errors.ts'

/** What an event or an endpoint may name that belongs to someone, and what a 404 calls it. */
const NAMED = { nodeId: 'Node', channel: 'Channel', tenantId: 'Tenant' } as const
export type NamedKey = keyof typeof NAMED

/**
 * The owner of what a value names: a user id; null when nobody may use it (a deleted node, a
 * resource without owner); undefined when it names nothing, a label anyone may use.
 */
export type OwnerOf = (value: string) => Promise<number | null | undefined>

/**
 * Someone else's node or channel does not exist for a user acting under an `.own` scope: an
 * `.own` publisher may not publish into it, an `.own` endpoint may not filter on it. Tenants are
 * the operator's: none exists for such a user.
 */
export function createOwnNamesCheck (ownerOf: Record<NamedKey, OwnerOf>) {
  return async (names: Partial<Record<NamedKey, string | null>>, userId: number) => {
    for (const key of Object.keys(NAMED) as NamedKey[]) {
      const value = names[key]
      if (!value) continue
      const owner = await ownerOf[key](value)
      if (owner !== undefined && owner !== userId) throw notFound(NAMED[key])
    }
  }
}

export type CheckOwnNames = ReturnType<typeof createOwnNamesCheck>
