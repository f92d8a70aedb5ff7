import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createIntegrationPointRepository, type IntegrationPointRow, type PointQuery } from '../../src/storage/integration-point-repository.ts'
import { engines, migratedDatabase, reportSkippedPostgres } from '../helpers/engines.ts'

reportSkippedPostgres()

/** Every page read, and the rows in their order. */
async function readAll (pages: AsyncIterable<IntegrationPointRow[]>) {
  const sizes: number[] = []
  const ids: string[] = []
  for await (const page of pages) {
    sizes.push(page.length)
    ids.push(...page.map((row) => row.id))
  }
  return { sizes, ids }
}

// Lists without a limit are read in pages, each continuing after the last row read (keyset):
// whatever the order asked for, small pages give exactly what one big read gives.
for (const engine of engines) {
  describe(`[${engine}] integration points read in pages`, () => {
    test('pages hold at most pageSize rows and, under any order, offset and limit, add up to one read', async (t) => {
      const database = await migratedDatabase(t, engine)
      const points = createIntegrationPointRepository(database.db)
      // 23 rows with many ties: 3 types, 4 titles, 2 issync values, creation times shared by pairs.
      for (let i = 0; i < 23; i++) {
        await points.insert({
          id: `P${String(22 - i).padStart(2, '0')}`, code: `C${String((i * 7) % 23).padStart(2, '0')}`, type: ['A', 'B', 'C'][i % 3],
          token_local: i.toString(16).padStart(32, '0'), token_remote: '', token_remote2: '', url: '',
          recv_svcscriptcode: '', recv_svcscriptcode_ws: '', send_svcscriptcode: '', send_svcscriptcode_ws: '',
          opts_title: `T${i % 4}`, opts_comment: '', opts_allow_files_api: 0, opts_issync: i % 2, opts_recv_timeout: 5000,
          endpoint_id: null, source_id: `src_${i}`, user_id: i % 5 === 0 ? 2 : 1, created_at: 1_000 + Math.floor(i / 2), updated_at: 1_000 + (i % 3),
        })
      }
      const orders: PointQuery['order'][] = [
        [],
        [{ column: 'code', direction: 'desc' }],
        [{ column: 'type', direction: 'asc' }],
        [{ column: 'type', direction: 'desc' }, { column: 'opts_title', direction: 'asc' }],
        [{ column: 'opts_issync', direction: 'desc' }, { column: 'updated_at', direction: 'asc' }, { column: 'opts_title', direction: 'desc' }],
        [{ column: 'created_at', direction: 'desc' }],
        [{ column: 'id', direction: 'desc' }],
      ]
      const windows: Pick<PointQuery, 'offset' | 'limit'>[] = [
        { offset: 0 }, { offset: 5 }, { offset: 22 }, { offset: 23 }, { offset: 0, limit: 7 }, { offset: 4, limit: 10 }, { offset: 20, limit: 10 }, { offset: 0, limit: 0 },
      ]
      const filterSets: PointQuery['filters'][] = [[], [{ column: 'type', values: ['A', 'C'] }]]
      for (const order of orders) {
        for (const window of windows) {
          for (const filters of filterSets) {
            for (const userId of [undefined, 1]) {
              const q: PointQuery = { filters, order, ...window, userId }
              const label = JSON.stringify(q)
              const whole = await readAll(points.pages(q, 1000))
              assert.ok(whole.sizes.length <= 1, label)
              const paged = await readAll(points.pages(q, 3))
              assert.deepEqual(paged.ids, whole.ids, label)
              assert.ok(paged.sizes.every((size) => size > 0 && size <= 3), `${label}: ${paged.sizes}`)
              assert.equal(new Set(paged.ids).size, paged.ids.length, `${label}: no row twice`)
            }
          }
        }
      }
      // Sanity of the reference itself: all rows, in creation order, then id.
      const all = await readAll(points.pages({ filters: [], order: [], offset: 0 }, 1000))
      assert.equal(all.ids.length, 23)
      assert.deepEqual(all.ids.slice(0, 4), ['P21', 'P22', 'P19', 'P20'])
    })

    test('a reader that stops early stops the reading', async (t) => {
      const database = await migratedDatabase(t, engine)
      const points = createIntegrationPointRepository(database.db)
      for (let i = 0; i < 5; i++) {
        await points.insert({
          id: `P${i}`, code: `C${i}`, type: 'A', token_local: String(i).repeat(32), token_remote: '', token_remote2: '', url: '',
          recv_svcscriptcode: '', recv_svcscriptcode_ws: '', send_svcscriptcode: '', send_svcscriptcode_ws: '',
          opts_title: '', opts_comment: '', opts_allow_files_api: 0, opts_issync: 0, opts_recv_timeout: 5000,
          endpoint_id: null, source_id: `src_${i}`, user_id: 1, created_at: 1_000 + i, updated_at: 1_000 + i,
        })
      }
      const pages = points.pages({ filters: [], order: [], offset: 0 }, 2)
      const first = await pages.next()
      assert.deepEqual(first.value?.map((row: IntegrationPointRow) => row.id), ['P0', 'P1'])
      await pages.return(undefined)
      assert.equal((await pages.next()).done, true)
    })
  })
}
