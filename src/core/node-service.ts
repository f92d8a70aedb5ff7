import { randomUUID } from 'node:crypto'
import { notFound, validationFailed } from './errors.ts'
import type { NodeRepository, NodeRow } from '../storage/node-repository.ts'
import { inScope, type Scope } from './permissions.ts'
import type { Principal } from './user-service.ts'

// A tree of tenants: Apex (1) → Account (2) → SubAccount (3). Events carry a node id; an
// endpoint scoped to a node sees the events of its whole subtree.

export const NODE_TYPES = { APEX: 1, ACCOUNT: 2, SUB_ACCOUNT: 3 } as const
const PARENT_TYPE: Record<number, number | null> = { 1: null, 2: 1, 3: 2 }
const TYPE_NAMES: Record<number, string> = { 1: 'an Apex', 2: 'an Account', 3: 'a SubAccount' }

type Deps = {
  nodes: NodeRepository
  /** Called with the uuids of a deleted subtree, so that their endpoints stop. */
  onSubtreeDeleted: (uuids: string[]) => Promise<void>
  clock: () => number
}

/** Who asks: a caller with `.own` permissions sees only the nodes it created. */
export interface NodeAccess { scope: Scope; actor: Principal }

export function createNodeService ({ nodes, onSubtreeDeleted, clock }: Deps) {
  async function find (uuid: string, access?: NodeAccess): Promise<NodeRow> {
    const node = await nodes.findByUuid(uuid)
    if (!node || (access && !inScope(node, access.scope, access.actor.id))) throw notFound('Node')
    return node
  }

  /** The parent a node of `type` needs: none for an Apex, an Apex for an Account, an Account for a SubAccount. */
  async function parentFor (type: number, parentUuid: string | null | undefined, access: NodeAccess): Promise<NodeRow | null> {
    const wanted = PARENT_TYPE[type]
    if (wanted === null) {
      if (parentUuid) throw validationFailed({ parent_id: ['an Apex has no parent'] })
      return null
    }
    if (!parentUuid) throw validationFailed({ parent_id: [`${TYPE_NAMES[type]} needs ${TYPE_NAMES[wanted]} as parent`] })
    const parent = await nodes.findByUuid(parentUuid)
    if (!parent || !inScope(parent, access.scope, access.actor.id)) throw notFound('Parent node')
    if (parent.type !== wanted) {
      throw validationFailed({ parent_id: [`the parent of ${TYPE_NAMES[type]} must be ${TYPE_NAMES[wanted]}, not ${TYPE_NAMES[parent.type]}`] })
    }
    return parent
  }

  return {
    find,

    async create (input: { name: string; type: number; parentId?: string | null }, access: NodeAccess) {
      const parent = await parentFor(input.type, input.parentId, access)
      return nodes.insert({
        uuid: randomUUID(), parentUuid: parent?.uuid ?? null, parentPath: parent?.path ?? null,
        name: input.name, type: input.type, userId: access.actor.id,
      }, clock())
    },

    /** Renames, and moves when `parentId` is given (the subtree's paths follow). */
    async update (uuid: string, input: { name?: string; parentId?: string | null }, access: NodeAccess) {
      let node = await find(uuid, access)
      const now = clock()
      if (input.parentId !== undefined && input.parentId !== node.parent_uuid) {
        const parent = await parentFor(node.type, input.parentId, access)
        node = await nodes.move(node, parent, now)
      }
      if (input.name !== undefined) node = (await nodes.rename(uuid, input.name, now)) ?? node
      return node
    },

    async remove (uuid: string, access: NodeAccess) {
      const node = await find(uuid, access)
      const deleted = await nodes.softDeleteSubtree(node, clock())
      await onSubtreeDeleted(deleted)
    },

    async children (uuid: string, page: number, perPage: number, access: NodeAccess) {
      await find(uuid, access)
      return nodes.children(uuid, (page - 1) * perPage, perPage)
    },

    /** Whose node a uuid names, for publishing into it (see OwnerOf): nobody's once deleted; undefined for an id the tree does not know. */
    async ownerOf (uuid: string): Promise<number | null | undefined> {
      const node = await nodes.findAnyByUuid(uuid)
      return node && (node.deleted_at === null ? node.user_id : null)
    },

    /**
     * The uuids of a node and its ancestors, nearest first. A node id the tree does not know
     * is its own lineage (native endpoints may scope to any id); a node in a deleted subtree
     * has none, so its events reach no node-scoped endpoint.
     */
    async lineage (uuid: string): Promise<string[]> {
      const node = await nodes.findAnyByUuid(uuid)
      if (!node) return [uuid]
      if (node.deleted_at !== null) return []
      const ids = node.path.split('.').map(Number)
      const rows = await nodes.byIntIds(ids)
      if (rows.length !== ids.length || rows.some((r) => r.deleted_at !== null)) return []
      const byId = new Map(rows.map((r) => [r.id, r.uuid]))
      return ids.reverse().map((id) => byId.get(id) as string)
    },
  }
}

export type NodeService = ReturnType<typeof createNodeService>
