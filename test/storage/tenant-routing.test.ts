// Routing by tenant reads the tenant's endpoints through an index: with many tenants, publishing
// to one of them must not scan every endpoint. The plan is asked for over a table of thousands
// of tenants' endpoints, with statistics gathered, as a deployment would have them.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CompiledQuery, sql } from 'kysely'
import { routableQuery, type RouteScope } from '../../src/storage/endpoint-repository.ts'
import { engines, migratedDatabase, reportSkippedPostgres } from '../helpers/engines.ts'

reportSkippedPostgres()

const TENANTS = 3000

for (const engine of engines) {
  describe(`[${engine}] routing by tenant`, () => {
    test('reads one tenant\'s endpoints, or the endpoints without a tenant, through endpoints_tenant', async (t) => {
      const { db } = await migratedDatabase(t, engine)
      const rows = Array.from({ length: TENANTS + 10 }, (_, i) => ({
        id: `ep_${String(i).padStart(6, '0')}`, url: 'https://receiver.example.com/hook', method: 'POST', headers: '{}', auth: null,
        secret: 's', format: 'standard', filter_types: '["*"]', enabled: 1, paused: 0, ordering: 'none',
        tenant_id: i < TENANTS ? `tenant-${i}` : null, created_at: 1, updated_at: 1,
      }))
      for (let i = 0; i < rows.length; i += 500) await db.insertInto('endpoints').values(rows.slice(i, i + 500)).execute()
      await sql`analyze`.execute(db)

      const planOf = async (scopes: RouteScope[]) => {
        const query = routableQuery(db, scopes).compile()
        const explain = engine === 'sqlite' ? 'explain query plan ' : 'explain '
        const result = await db.executeQuery<Record<string, string>>(CompiledQuery.raw(explain + query.sql, [...query.parameters]))
        return result.rows.map((r) => r.detail ?? r['QUERY PLAN']).join('\n')
      }
      const scope = (tenantId: string | null): RouteScope => ({ nodeLineage: [], channel: null, userId: null, tenantId })
      assert.match(await planOf([scope('tenant-42')]), /endpoints_tenant/)
      assert.match(await planOf([scope(null)]), /endpoints_tenant/)
      assert.match(await planOf([scope('tenant-1'), scope('tenant-2'), scope(null)]), /endpoints_tenant/)

      const found = await routableQuery(db, [scope('tenant-42')]).execute()
      assert.deepEqual(found.map((r) => r.id), ['ep_000042'])
      assert.equal((await routableQuery(db, [scope(null)]).execute()).length, 10)
    })
  })
}
