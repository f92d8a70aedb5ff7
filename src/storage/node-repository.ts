import { sql, type Kysely, type Selectable } from 'kysely'
import type { DB, NodesTable } from './schema.ts'

export type NodeRow = Selectable<NodesTable>

export function createNodeRepository (db: Kysely<DB>) {
  const live = () => db.selectFrom('nodes').selectAll().where('deleted_at', 'is', null)
  /** The node itself and everything below it. */
  const subtree = (path: string) => (eb: any) => eb.or([eb('path', '=', path), eb('path', 'like', `${path}.%`)])

  return {
    /** Inserts a node and sets its path from the parent's path and its own new int_id, atomically. */
    async insert (node: { uuid: string; parentUuid: string | null; parentPath: string | null; name: string; type: number; userId: number | null }, now: number): Promise<NodeRow> {
      return db.transaction().execute(async (trx) => {
        const { id } = await trx.insertInto('nodes').values({
          uuid: node.uuid, parent_uuid: node.parentUuid, name: node.name, type: node.type, path: '',
          user_id: node.userId, created_at: now, updated_at: now, deleted_at: null,
        }).returning('id').executeTakeFirstOrThrow()
        const path = node.parentPath === null ? String(id) : `${node.parentPath}.${id}`
        return trx.updateTable('nodes').set({ path }).where('id', '=', id).returningAll().executeTakeFirstOrThrow()
      })
    },

    async findByUuid (uuid: string): Promise<NodeRow | undefined> {
      return live().where('uuid', '=', uuid).executeTakeFirst()
    },

    /** Also a deleted node: to tell "never existed" from "deleted". */
    async findAnyByUuid (uuid: string): Promise<NodeRow | undefined> {
      return db.selectFrom('nodes').selectAll().where('uuid', '=', uuid).executeTakeFirst()
    },

    async children (parentUuid: string, offset: number, limit: number) {
      const base = () => live().where('parent_uuid', '=', parentUuid)
      const { total } = await base().clearSelect().select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow()
      const rows = await base().orderBy('id').offset(offset).limit(limit).execute()
      return { rows, total: Number(total) }
    },

    async rename (uuid: string, name: string, now: number): Promise<NodeRow | undefined> {
      return db.updateTable('nodes').set({ name, updated_at: now }).where('uuid', '=', uuid).where('deleted_at', 'is', null)
        .returningAll().executeTakeFirst()
    },

    /** Moves a node under a new parent, rewriting the path of its whole subtree in one statement. */
    async move (node: NodeRow, parent: NodeRow | null, now: number): Promise<NodeRow> {
      const newPath = parent === null ? String(node.id) : `${parent.path}.${node.id}`
      return db.transaction().execute(async (trx) => {
        await trx.updateTable('nodes')
          .set({ path: sql<string>`${newPath} || substr(path, ${node.path.length + 1})`, updated_at: now })
          .where(subtree(node.path)).where('deleted_at', 'is', null).execute()
        return trx.updateTable('nodes').set({ parent_uuid: parent?.uuid ?? null })
          .where('id', '=', node.id).returningAll().executeTakeFirstOrThrow()
      })
    },

    /** Soft-deletes a node and its subtree; returns the uuids deleted. */
    async softDeleteSubtree (node: NodeRow, now: number): Promise<string[]> {
      const rows = await db.updateTable('nodes').set({ deleted_at: now, updated_at: now })
        .where(subtree(node.path)).where('deleted_at', 'is', null).returning('uuid').execute()
      return rows.map((r) => r.uuid)
    },

    /** Live nodes by int_id, for turning a path into uuids. */
    async byIntIds (ids: number[]): Promise<NodeRow[]> {
      if (ids.length === 0) return []
      return db.selectFrom('nodes').selectAll().where('id', 'in', ids).execute()
    },
  }
}

export type NodeRepository = ReturnType<typeof createNodeRepository>
