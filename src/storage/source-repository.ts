import type { Insertable, Kysely, Selectable, Updateable } from 'kysely'
import { createKeyBatch } from './key-batch.ts'
import type { DB, SourcesTable } from './schema.ts'
import { keyset, type Order } from './keyset.ts'

export type SourceRow = Selectable<SourcesTable>

/** A source as its inbound URL takes an event in: with its owner's permissions (JSON), null without a live owner. */
export type InboundSourceRow = SourceRow & { owner_permissions: string | null }

export function createSourceRepository (db: Kysely<DB>) {
  // The owner's permissions ride along: whom an inbound event may reach is decided without another query.
  const byToken = createKeyBatch<InboundSourceRow | undefined>(async (tokens) => {
    const rows = await db.selectFrom('sources')
      .leftJoin('users', (join) => join.onRef('users.id', '=', 'sources.user_id').on('users.deleted_at', 'is', null))
      .selectAll('sources')
      .select('users.permissions as owner_permissions')
      .where('sources.token', 'in', tokens)
      .execute()
    return tokens.map((token) => rows.find((row) => row.token === token))
  })
  // Inbound requests of one source that arrive together move its last_received_at once, in one transaction.
  const receivedAt = new Map<string, number>()
  const touchMany = createKeyBatch<void>(async (ids) => {
    const times = ids.map((id) => receivedAt.get(id) as number)
    for (const id of ids) receivedAt.delete(id)
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < ids.length; i++) {
        await trx.updateTable('sources').set({ last_received_at: times[i] })
          .where('id', '=', ids[i])
          .where((eb) => eb.or([eb('last_received_at', 'is', null), eb('last_received_at', '<', times[i])]))
          .execute()
      }
    })
    return ids.map(() => undefined)
  })

  return {
    async insert (row: Insertable<SourcesTable>): Promise<SourceRow> {
      return db.insertInto('sources').values(row).returningAll().executeTakeFirstOrThrow()
    },
    async findById (id: string): Promise<SourceRow | undefined> {
      return db.selectFrom('sources').selectAll().where('id', '=', id).executeTakeFirst()
    },
    findByToken (token: string): Promise<InboundSourceRow | undefined> {
      return byToken(token)
    },
    async findByOwner (dialect: string, ownerId: string): Promise<SourceRow | undefined> {
      return db.selectFrom('sources').selectAll()
        .where('owner_dialect', '=', dialect).where('owner_id', '=', ownerId).executeTakeFirst()
    },
    /** Every broker source with its owner's permissions: what the source supervisor consumes. */
    async listBroker (): Promise<InboundSourceRow[]> {
      return db.selectFrom('sources')
        .leftJoin('users', (join) => join.onRef('users.id', '=', 'sources.user_id').on('users.deleted_at', 'is', null))
        .selectAll('sources')
        .select('users.permissions as owner_permissions')
        .where('sources.kind', '!=', 'http')
        .execute()
    },
    async list (afterId: string, limit: number, userId?: number, order?: Order): Promise<SourceRow[]> {
      let query = db.selectFrom('sources').selectAll()
      if (userId !== undefined) query = query.where('user_id', '=', userId)
      return keyset(query, 'id', afterId, order).limit(limit).execute()
    },
    async update (id: string, values: Updateable<SourcesTable>): Promise<SourceRow | undefined> {
      return db.updateTable('sources').set(values).where('id', '=', id).returningAll().executeTakeFirst()
    },
    async delete (id: string): Promise<boolean> {
      const res = await db.deleteFrom('sources').where('id', '=', id).executeTakeFirst()
      return Number(res.numDeletedRows) > 0
    },
    touch (id: string, now: number): Promise<void> {
      receivedAt.set(id, Math.max(now, receivedAt.get(id) ?? 0))
      return touchMany(id)
    },
  }
}

export type SourceRepository = ReturnType<typeof createSourceRepository>
