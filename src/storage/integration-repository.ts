import { sql, type Kysely, type Selectable } from 'kysely'
import type { DB, IntegrationsTable } from './schema.ts'

/** An integration with its owner's e-mail and, for webhook integrations, its inbound source token. */
export type IntegrationRow = Selectable<IntegrationsTable> & { user_email: string | null; inbound_token: string | null }

export type IntegrationValues = Omit<IntegrationsTable, 'id' | 'deleted_at'>

export interface IntegrationQuery {
  ownerId?: number
  search?: string
  type?: string
  provider?: string
  status?: string
  isActive?: boolean
  withTrashed: boolean
  offset: number
  limit: number
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

export function createIntegrationRepository (db: Kysely<DB>) {
  const withUser = () => db.selectFrom('integrations')
    .leftJoin('users', 'users.id', 'integrations.user_id')
    .leftJoin('sources', (join) => join
      .on('sources.owner_dialect', '=', 'integrations')
      .onRef('sources.owner_id', '=', 'integrations.uuid'))
    .selectAll('integrations')
    .select(['users.email as user_email', 'sources.token as inbound_token'])

  function filtered (q: IntegrationQuery) {
    let query = withUser()
    if (!q.withTrashed) query = query.where('integrations.deleted_at', 'is', null)
    if (q.ownerId !== undefined) query = query.where('integrations.user_id', '=', q.ownerId)
    if (q.type !== undefined) query = query.where('integrations.type', '=', q.type)
    if (q.provider !== undefined) query = query.where('integrations.provider', '=', q.provider)
    if (q.status !== undefined) query = query.where('integrations.status', '=', q.status)
    if (q.isActive !== undefined) query = query.where('integrations.is_active', '=', q.isActive ? 1 : 0)
    if (q.search !== undefined && q.search !== '') {
      const pattern = `%${escapeLike(q.search.toLowerCase())}%`
      query = query.where((eb) => eb.or(
        (['name', 'provider', 'description'] as const).map((column) =>
          sql<boolean>`lower(${sql.ref(`integrations.${column}`)}) like ${pattern} escape '\\'`),
      ))
    }
    return query
  }

  return {
    async insert (values: IntegrationValues): Promise<IntegrationRow> {
      const { id } = await db.insertInto('integrations').values({ ...values, deleted_at: null })
        .returning('id').executeTakeFirstOrThrow()
      return withUser().where('integrations.id', '=', id).executeTakeFirstOrThrow()
    },

    /** Includes soft-deleted rows; callers decide what a deleted row means. */
    async findById (id: number): Promise<IntegrationRow | undefined> {
      return withUser().where('integrations.id', '=', id).executeTakeFirst()
    },

    /** Includes soft-deleted rows; callers decide what a deleted row means. */
    async findByUuid (uuid: string): Promise<IntegrationRow | undefined> {
      return withUser().where('integrations.uuid', '=', uuid).executeTakeFirst()
    },

    async list (q: IntegrationQuery): Promise<{ rows: IntegrationRow[]; total: number }> {
      const { total } = await filtered(q).clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow()
      const rows = await filtered(q).orderBy('integrations.id', 'desc').offset(q.offset).limit(q.limit).execute()
      return { rows, total: Number(total) }
    },

    async update (id: number, values: Partial<Omit<IntegrationsTable, 'id'>>): Promise<IntegrationRow> {
      await db.updateTable('integrations').set(values).where('id', '=', id).execute()
      return withUser().where('integrations.id', '=', id).executeTakeFirstOrThrow()
    },

    async setDeletedAt (id: number, deletedAt: number | null, now: number): Promise<IntegrationRow> {
      return this.update(id, { deleted_at: deletedAt, updated_at: now })
    },
  }
}

export type IntegrationRepository = ReturnType<typeof createIntegrationRepository>
