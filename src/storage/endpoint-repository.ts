import type { Insertable, Kysely, Selectable, Updateable } from 'kysely'
import { createKeyBatch } from './key-batch.ts'
import type { DB, EndpointsTable } from './schema.ts'
import { keyset, type Order } from './keyset.ts'

export type EndpointRow = Selectable<EndpointsTable>
export type EndpointInsert = Insertable<EndpointsTable>
export type EndpointUpdate = Updateable<EndpointsTable>

export interface EndpointQuery {
  afterId: string
  limit: number
  order?: Order
  ownerDialect?: string
  userId?: number
  tenantId?: string
}

/** What routing an event needs, and what handing its delivery straight to a worker needs (see DeliveryWorker.offer). */
export type RoutableRow = Pick<EndpointRow, 'id' | 'filter_types' | 'filter_node_id' | 'filter_channel' | 'filter_payload' | 'user_id' | 'tenant_id' | 'paused' | 'ordering'
  | 'consecutive_failures' | 'circuit_open_until' | 'max_in_flight' | 'updated_at'>

/** Which endpoints an event may reach before its type is matched. */
export interface RouteScope {
  /** The event's node and its ancestors; empty without a node. */
  nodeLineage: readonly string[]
  channel: string | null
  /** Only this user's endpoints (a publisher under `events.publish.own`); null: every owner's. */
  userId: number | null
  /** This tenant's endpoints only; null: only endpoints without a tenant. */
  tenantId: string | null
}

/** Whether an endpoint is within a scope; the SQL of `routable` narrows the same way, for many scopes at once. */
const inRouteScope = (row: RoutableRow, scope: RouteScope) =>
  (row.filter_node_id === null || scope.nodeLineage.includes(row.filter_node_id)) &&
  (row.filter_channel === null || row.filter_channel === scope.channel) &&
  (scope.userId === null || row.user_id === scope.userId) &&
  row.tenant_id === scope.tenantId

/**
 * The endpoints the scopes of a batch may reach. Read by tenant through `endpoints_tenant`:
 * publishing to one tenant among 100,000 reads that tenant's endpoints only.
 */
export function routableQuery (db: Kysely<DB>, scopes: readonly RouteScope[]) {
  const nodes = [...new Set(scopes.flatMap((s) => s.nodeLineage))]
  const channels = [...new Set(scopes.map((s) => s.channel).filter((c): c is string => c !== null))]
  const tenants = [...new Set(scopes.map((s) => s.tenantId).filter((t): t is string => t !== null))]
  const untenanted = scopes.some((s) => s.tenantId === null)
  // Owners narrow the query only when every publish of the batch is limited to its own.
  const owners = scopes.some((s) => s.userId === null) ? null : [...new Set(scopes.map((s) => s.userId as number))]
  let query = db.selectFrom('endpoints')
    .select(['id', 'filter_types', 'filter_node_id', 'filter_channel', 'filter_payload', 'user_id', 'tenant_id', 'paused', 'ordering', 'consecutive_failures',
      'circuit_open_until', 'max_in_flight', 'updated_at'])
    .where('deleted_at', 'is', null)
    .where('enabled', '=', 1)
    .where((eb) => nodes.length > 0 ? eb.or([eb('filter_node_id', 'is', null), eb('filter_node_id', 'in', nodes)]) : eb('filter_node_id', 'is', null))
    .where((eb) => channels.length > 0 ? eb.or([eb('filter_channel', 'is', null), eb('filter_channel', 'in', channels)]) : eb('filter_channel', 'is', null))
    .where((eb) => {
      if (tenants.length === 0) return eb('tenant_id', 'is', null)
      return untenanted ? eb.or([eb('tenant_id', 'is', null), eb('tenant_id', 'in', tenants)]) : eb('tenant_id', 'in', tenants)
    })
  if (owners) query = query.where('user_id', 'in', owners)
  return query
}

export function createEndpointRepository (db: Kysely<DB>) {
  const live = () => db.selectFrom('endpoints').selectAll().where('deleted_at', 'is', null)

  /** One query for the routes of many publishes: the union of their scopes, then each one's share. */
  const routableBatch = createKeyBatch<RoutableRow[]>(async (keys) => {
    const scopes = keys.map((key) => JSON.parse(key) as RouteScope)
    const rows = await routableQuery(db, scopes).execute()
    return scopes.map((scope) => rows.filter((row) => inRouteScope(row, scope)))
  })

  return {
    async insert (row: EndpointInsert): Promise<EndpointRow> {
      return db.insertInto('endpoints').values(row).returningAll().executeTakeFirstOrThrow()
    },

    async findById (id: string): Promise<EndpointRow | undefined> {
      return live().where('id', '=', id).executeTakeFirst()
    },

    async findByOwner (dialect: string, ownerId: string): Promise<EndpointRow | undefined> {
      return live().where('owner_dialect', '=', dialect).where('owner_id', '=', ownerId).executeTakeFirst()
    },

    async list (q: EndpointQuery): Promise<EndpointRow[]> {
      let query = live()
      if (q.ownerDialect !== undefined) query = query.where('owner_dialect', '=', q.ownerDialect)
      if (q.userId !== undefined) query = query.where('user_id', '=', q.userId)
      if (q.tenantId !== undefined) query = query.where('tenant_id', '=', q.tenantId)
      return keyset(query, 'id', q.afterId, q.order).limit(q.limit).execute()
    },

    /** Endpoints within the scope that may receive new deliveries; routing filters them further in memory. */
    routable ({ nodeLineage, channel, userId, tenantId }: RouteScope): Promise<RoutableRow[]> {
      // Built field by field: the key names one scope whatever the caller's object holds.
      return routableBatch(JSON.stringify({ nodeLineage, channel, userId, tenantId }))
    },

    /** Rows of every state whose headers are still the plain JSON object written before they were encrypted. */
    async withPlaintextHeaders (): Promise<Pick<EndpointRow, 'id' | 'headers'>[]> {
      return db.selectFrom('endpoints').select(['id', 'headers']).where('headers', 'like', '{%').execute()
    },

    /** Swaps the stored headers unless someone changed them meanwhile. */
    async replaceHeaders (id: string, from: string, to: string): Promise<void> {
      await db.updateTable('endpoints').set({ headers: to }).where('id', '=', id).where('headers', '=', from).execute()
    },

    async update (id: string, values: EndpointUpdate): Promise<EndpointRow | undefined> {
      return db.updateTable('endpoints').set(values).where('id', '=', id).where('deleted_at', 'is', null)
        .returningAll().executeTakeFirst()
    },

    /** Deletes the endpoint and cancels its deliveries still waiting; in-flight ones finish. */
    async softDelete (id: string, now: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const res = await trx.updateTable('endpoints').set({ deleted_at: now, updated_at: now, enabled: 0 })
          .where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst()
        await trx.updateTable('deliveries').set({ status: 'cancelled', next_attempt_at: null, updated_at: now })
          .where('endpoint_id', '=', id).where('status', '=', 'pending').execute()
        return Number(res.numUpdatedRows) > 0
      })
    },

    /** Clears an endpoint's failure state; true when this call cleared it. */
    async recordSuccess (id: string): Promise<boolean> {
      const res = await db.updateTable('endpoints')
        .set({ consecutive_failures: 0, failing_since: null, circuit_open_until: null })
        .where('id', '=', id).where('consecutive_failures', '>', 0).executeTakeFirst()
      return Number(res.numUpdatedRows) > 0
    },

    /** Counts a failure and returns the endpoint's failure state after it. */
    async recordFailure (id: string, now: number) {
      return db.updateTable('endpoints')
        .set((eb) => ({
          consecutive_failures: eb('consecutive_failures', '+', 1),
          failing_since: eb.fn.coalesce('failing_since', eb.val(now)),
        }))
        .where('id', '=', id)
        .returning(['consecutive_failures', 'failing_since', 'enabled'])
        .executeTakeFirst()
    },

    async openCircuit (id: string, until: number): Promise<void> {
      await db.updateTable('endpoints').set({ circuit_open_until: until }).where('id', '=', id).execute()
    },

    /** Disables an endpoint once; true when this call disabled it. */
    async disable (id: string, reason: string, now: number): Promise<boolean> {
      const res = await db.updateTable('endpoints').set({ enabled: 0, disabled_reason: reason, updated_at: now })
        .where('id', '=', id).where('enabled', '=', 1).executeTakeFirst()
      return Number(res.numUpdatedRows) > 0
    },
  }
}

export type EndpointRepository = ReturnType<typeof createEndpointRepository>
