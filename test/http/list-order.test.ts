// Native lists are newest first unless `order=asc`, and their cursors walk every row exactly
// once in either order, on both engines: a property over page sizes and orders, checked
// against the full list read in one page.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { createEndpoint, publish } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { assertError } from '../helpers/native-errors.ts'

reportSkippedPostgres()

const ROWS = 9

type Row = Record<string, unknown>

async function get (hub: TestHub, url: string) {
  const res = await hub.app.inject({ method: 'GET', url, headers: hub.admin })
  assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
  return res.json() as { data: Row[]; next_cursor: string | null }
}

/** Every row of a list, page by page. */
async function walk (hub: TestHub, path: string, key: string, limit: number, order?: 'asc' | 'desc') {
  const seen: unknown[] = []
  let cursor: string | null = null
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(order && { order }), ...(cursor && { cursor }) })
    const page = await get(hub, `${path}${path.includes('?') ? '&' : '?'}${query}`)
    assert.ok(page.data.length <= limit)
    seen.push(...page.data.map((row) => row[key]))
    cursor = page.next_cursor
  } while (cursor !== null)
  return seen
}

for (const engine of engines) {
  describe(`[${engine}] newest-first lists`, () => {
    test('every native list: default = desc = asc reversed, = creation order reversed; cursors continue in both orders', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_WORKERS: '0' })
      const made: Record<string, unknown[]> = { events: [], endpoints: [], sources: [], users: [1], nodes: [] }
      for (let i = 0; i < ROWS; i++) {
        // A pause now and then, so that text ids of different milliseconds are compared too.
        if (i % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 3))
        made.endpoints.push((await createEndpoint(hub, { url: `https://receiver.example.com/${i}` })).id)
        made.events.push((await publish(hub, 'order.test', { i })).id)
        const source = await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: `s${i}`, verify: 'none' } })
        made.sources.push(source.json().id)
        made.users.push((await hub.userWith(['events.view'], `order${i}`)).id)
        const node = await hub.app.inject({ method: 'POST', url: '/api/v1/integration/nodes', headers: hub.admin, payload: { name: `n${i}`, type: 1 } })
        made.nodes.push(node.json().id)
      }
      const lists = [
        { path: '/api/v1/events', key: 'id', made: made.events },
        { path: '/api/v1/deliveries', key: 'event_id', made: made.events, perItem: ROWS },
        { path: '/api/v1/endpoints', key: 'id', made: made.endpoints },
        { path: '/api/v1/stats/endpoints', key: 'endpoint_id', made: made.endpoints },
        { path: '/api/v1/sources', key: 'id', made: made.sources },
        { path: '/api/v1/users', key: 'id', made: made.users },
        { path: '/api/v1/stats/nodes', key: 'id', made: made.nodes },
      ]
      for (const list of lists) {
        const asc = (await get(hub, `${list.path}?limit=500&order=asc`)).data.map((row) => row[list.key])
        const desc = (await get(hub, `${list.path}?limit=500&order=desc`)).data.map((row) => row[list.key])
        const byDefault = (await get(hub, `${list.path}?limit=500`)).data.map((row) => row[list.key])
        assert.deepEqual(byDefault, desc, `${list.path}: desc by default`)
        assert.deepEqual(desc, [...asc].reverse(), `${list.path}: desc is asc reversed`)
        if (list.perItem) {
          // Each event has one delivery per endpoint: the events appear in creation order, grouped.
          assert.deepEqual([...new Set(asc)], list.made, `${list.path}: oldest first with order=asc`)
        } else {
          assert.deepEqual(asc, list.made, `${list.path}: oldest first with order=asc`)
        }
        await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 7 }), fc.constantFrom<'asc' | 'desc' | undefined>('asc', 'desc', undefined),
          async (limit, order) => {
            assert.deepEqual(await walk(hub, list.path, list.key, limit, order), order === 'asc' ? asc : desc, `${list.path} limit=${limit} order=${order}`)
          }), { numRuns: 12 })
      }
      // A filter keeps the order: one endpoint's deliveries, newest event first.
      const one = made.endpoints[4] as string
      assert.deepEqual(await walk(hub, `/api/v1/deliveries?endpoint_id=${one}`, 'event_id', 2), made.events.slice(4).reverse(), "endpoint 4 got the events published after it")
    })

    test('order is asc or desc; anything else is a 422 naming the field', async (t) => {
      const hub = await startHub(t, engine, { HOOKHUB_WORKERS: '0' })
      for (const path of ['/api/v1/events', '/api/v1/deliveries', '/api/v1/endpoints', '/api/v1/sources', '/api/v1/users', '/api/v1/stats/endpoints', '/api/v1/stats/nodes']) {
        for (const order of ['DESC', 'newest', '', '1']) {
          const res = await hub.app.inject({ method: 'GET', url: `${path}?order=${order}`, headers: hub.admin })
          assertError(res, 422, 'HOOKHUB_VALIDATION_FAILED')
          assert.deepEqual(res.json().error.details.fields, { order: ['must be equal to one of the allowed values'] }, `${path}?order=${order}`)
        }
      }
    })
  })
}
