// Brokerstr nodes: the tenant tree Apex (1) → Account (2) → SubAccount (3) under /api/v1/integration/nodes.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub } from '../../helpers/hub.ts'
import {
  ACCOUNT, APEX, assertError, assertTimestamp, assertValidation, BASE, brokerstrHeaders, call, createNode, createTree, eachCase, getJson,
  sleep, SUB_ACCOUNT, UUID, type WireNode,
} from './support.ts'

reportSkippedPostgres()

type Children = { nodes: WireNode[]; total: number; page: number; per_page: number }

for (const engine of engines) {
  describe(`[${engine}] Brokerstr nodes`, () => {
    test('POST /nodes creates Apex, Account and SubAccount: sequential int_id, dot-joined path, RFC 3339 microsecond timestamps', async (t) => {
      const hub = await startHub(t, engine)
      const apex = await createNode(hub, { name: 'Acme Holding', type: APEX })
      const account = await createNode(hub, { name: 'Acme Türkiye', type: ACCOUNT, parent_id: apex.id })
      const sub = await createNode(hub, { name: 'İstanbul Şube', type: SUB_ACCOUNT, parent_id: account.id })
      for (const node of [apex, account, sub]) {
        assert.match(node.id, UUID)
        assertTimestamp(node.created_at, `${node.name} created_at`)
        assert.equal(node.updated_at, node.created_at)
      }
      assert.deepEqual(apex, {
        id: apex.id, parent_id: null, name: 'Acme Holding', type: 1, path: '1', int_id: 1, created_at: apex.created_at, updated_at: apex.created_at,
      })
      assert.deepEqual(account, {
        id: account.id, parent_id: apex.id, name: 'Acme Türkiye', type: 2, path: '1.2', int_id: 2, created_at: account.created_at, updated_at: account.created_at,
      })
      assert.deepEqual(sub, {
        id: sub.id, parent_id: account.id, name: 'İstanbul Şube', type: 3, path: '1.2.3', int_id: 3, created_at: sub.created_at, updated_at: sub.created_at,
      })
      assert.equal(new Set([apex.id, account.id, sub.id]).size, 3)

      // A second tree continues the sequence; parent_id: null is an explicit "no parent".
      const apex2 = await createNode(hub, { name: 'Second', type: APEX, parent_id: null })
      const account2 = await createNode(hub, { name: 'Second account', type: ACCOUNT, parent_id: apex2.id })
      const sibling = await createNode(hub, { name: 'Sibling', type: ACCOUNT, parent_id: apex.id })
      assert.deepEqual([apex2.int_id, apex2.path, apex2.parent_id], [4, '4', null])
      assert.deepEqual([account2.int_id, account2.path], [5, '4.5'])
      assert.deepEqual([sibling.int_id, sibling.path], [6, '1.6'])
    })

    test('type rules: 400 VALIDATION_ERROR with details naming parent_id', async (t) => {
      const hub = await startHub(t, engine)
      const { apex, account, sub } = await createTree(hub)
      const cases: [string, Record<string, unknown>][] = [
        ['an Apex with a parent', { name: 'x', type: APEX, parent_id: apex.id }],
        ['an Account without a parent', { name: 'x', type: ACCOUNT }],
        ['an Account with parent_id null', { name: 'x', type: ACCOUNT, parent_id: null }],
        ['an Account under an Account', { name: 'x', type: ACCOUNT, parent_id: account.id }],
        ['an Account under a SubAccount', { name: 'x', type: ACCOUNT, parent_id: sub.id }],
        ['a SubAccount without a parent', { name: 'x', type: SUB_ACCOUNT }],
        ['a SubAccount under an Apex', { name: 'x', type: SUB_ACCOUNT, parent_id: apex.id }],
        ['a SubAccount under a SubAccount', { name: 'x', type: SUB_ACCOUNT, parent_id: sub.id }],
      ]
      await eachCase(cases, async ([label, payload]) => {
        const error = assertValidation(await call(hub, 'POST', `${BASE}/nodes`, payload), ['parent_id'], label)
        assert.equal(error.message, 'Validation failed', label)
      })
      const children = await getJson<Children>(hub, `${BASE}/nodes/${apex.id}/children`)
      assert.equal(children.total, 1, 'nothing was created')
    })

    test('a parent that does not exist answers 404 NOT_FOUND', async (t) => {
      const hub = await startHub(t, engine)
      const { apex, account } = await createTree(hub)
      const deleted = await createNode(hub, { name: 'gone', type: APEX })
      assert.equal((await call(hub, 'DELETE', `${BASE}/nodes/${deleted.id}`)).statusCode, 204)
      for (const parent of [randomUUID(), 'not-a-uuid', deleted.id]) {
        const res = await call(hub, 'POST', `${BASE}/nodes`, { name: 'x', type: ACCOUNT, parent_id: parent })
        assertError(res, 404, 'NOT_FOUND', {}, parent)
      }
      const res = await call(hub, 'POST', `${BASE}/nodes`, { name: 'x', type: SUB_ACCOUNT, parent_id: randomUUID() })
      assertError(res, 404, 'NOT_FOUND', {})
      assert.equal((await getJson<Children>(hub, `${BASE}/nodes/${apex.id}/children`)).total, 1)
      assert.equal((await getJson<Children>(hub, `${BASE}/nodes/${account.id}/children`)).total, 1)
    })

    test('name 1–255 characters; type 1, 2 or 3; wrong JSON types: 400 VALIDATION_ERROR naming the field', async (t) => {
      const hub = await startHub(t, engine)
      const apex = await createNode(hub, { name: 'Apex', type: APEX })
      const longest = await createNode(hub, { name: 'ş'.repeat(255), type: APEX })
      assert.equal(longest.name, 'ş'.repeat(255))
      const cases: [string, unknown, string[]][] = [
        ['empty name', { name: '', type: APEX }, ['name']],
        ['256-character name', { name: 'x'.repeat(256), type: APEX }, ['name']],
        ['no name', { type: APEX }, ['name']],
        ['name null', { name: null, type: APEX }, ['name']],
        ['name a number', { name: 5, type: APEX }, ['name']],
        ['name an array', { name: ['a'], type: APEX }, ['name']],
        ['type 4', { name: 'x', type: 4 }, ['type']],
        ['type 0', { name: 'x', type: 0 }, ['type']],
        ['type 1.5', { name: 'x', type: 1.5 }, ['type']],
        ['no type', { name: 'x' }, ['type']],
        ['type a string', { name: 'x', type: '1' }, ['type']],
        ['type a boolean', { name: 'x', type: true }, ['type']],
        ['parent_id a number', { name: 'x', type: ACCOUNT, parent_id: 5 }, ['parent_id']],
        ['parent_id an object', { name: 'x', type: ACCOUNT, parent_id: { id: apex.id } }, ['parent_id']],
        ['name and type both missing', {}, ['name', 'type']],
      ]
      await eachCase(cases, async ([label, payload, fields]) => {
        assertValidation(await call(hub, 'POST', `${BASE}/nodes`, payload), fields, label)
      })
      const children = await getJson<Children>(hub, `${BASE}/nodes/${apex.id}/children`)
      assert.equal(children.total, 0)
      const next = await createNode(hub, { name: 'next', type: APEX })
      assert.equal(next.int_id, 3, 'no rejected request created a node')
    })

    test('GET /nodes/{id} answers the node as created; unknown ids 404', async (t) => {
      const hub = await startHub(t, engine)
      const { apex, account, sub } = await createTree(hub)
      for (const node of [apex, account, sub]) assert.deepEqual(await getJson(hub, `${BASE}/nodes/${node.id}`), node)
      for (const id of [randomUUID(), 'not-a-uuid', '1', String(apex.int_id)]) {
        assertError(await call(hub, 'GET', `${BASE}/nodes/${id}`), 404, 'NOT_FOUND', {}, id)
      }
    })

    test('PUT /nodes/{id} renames: only name and updated_at change', async (t) => {
      const hub = await startHub(t, engine)
      const { account } = await createTree(hub)
      await sleep(15)
      const res = await call(hub, 'PUT', `${BASE}/nodes/${account.id}`, { name: 'Renamed Ağ' })
      assert.equal(res.statusCode, 200, res.body)
      const renamed = res.json() as WireNode
      assertTimestamp(renamed.updated_at, 'updated_at')
      assert.ok(Date.parse(renamed.updated_at) > Date.parse(account.updated_at), `updated_at moved on: ${account.updated_at} → ${renamed.updated_at}`)
      assert.deepEqual(renamed, { ...account, name: 'Renamed Ağ', updated_at: renamed.updated_at })
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${account.id}`), renamed)

      // The same parent again is no move.
      const same = await call(hub, 'PUT', `${BASE}/nodes/${account.id}`, { parent_id: account.parent_id })
      assert.equal(same.statusCode, 200, same.body)
      assert.equal((same.json() as WireNode).path, '1.2')
    })

    test('PUT moving an Account under another Apex rewrites the path of its whole subtree', async (t) => {
      const hub = await startHub(t, engine)
      const { apex, account, sub } = await createTree(hub) // 1, 1.2, 1.2.3
      const apex2 = await createNode(hub, { name: 'Apex 2', type: APEX }) // 4
      const sibling = await createNode(hub, { name: 'Sibling', type: ACCOUNT, parent_id: apex.id }) // 1.5
      const siblingSub = await createNode(hub, { name: 'Sibling sub', type: SUB_ACCOUNT, parent_id: sibling.id }) // 1.5.6

      const res = await call(hub, 'PUT', `${BASE}/nodes/${account.id}`, { parent_id: apex2.id })
      assert.equal(res.statusCode, 200, res.body)
      const moved = res.json() as WireNode
      assert.deepEqual(moved, { ...account, parent_id: apex2.id, path: '4.2', updated_at: moved.updated_at })
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${account.id}`), moved)
      const movedSub = await getJson<WireNode>(hub, `${BASE}/nodes/${sub.id}`)
      assert.deepEqual(movedSub, { ...sub, path: '4.2.3', updated_at: movedSub.updated_at }, 'the SubAccount follows its Account')
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${sibling.id}`), sibling, 'a sibling subtree is untouched')
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${siblingSub.id}`), siblingSub)
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${apex.id}`), apex)

      const under1 = await getJson<Children>(hub, `${BASE}/nodes/${apex.id}/children`)
      assert.deepEqual(under1.nodes.map((n) => n.id), [sibling.id])
      const under4 = await getJson<Children>(hub, `${BASE}/nodes/${apex2.id}/children`)
      assert.deepEqual(under4.nodes.map((n) => n.id), [account.id])

      // Moving a SubAccount to another Account, and renaming in the same request.
      const both = await call(hub, 'PUT', `${BASE}/nodes/${sub.id}`, { parent_id: sibling.id, name: 'Moved sub' })
      assert.equal(both.statusCode, 200, both.body)
      const subAgain = both.json() as WireNode
      assert.deepEqual([subAgain.parent_id, subAgain.path, subAgain.name], [sibling.id, '1.5.3', 'Moved sub'])
      const underSibling = await getJson<Children>(hub, `${BASE}/nodes/${sibling.id}/children`)
      assert.deepEqual(underSibling.nodes.map((n) => n.id).sort(), [siblingSub.id, sub.id].sort())
      assert.deepEqual((await getJson<Children>(hub, `${BASE}/nodes/${account.id}/children`)).total, 0)
    })

    test('a move rewrites only the moved subtree, not nodes whose path merely starts with the same digits', async (t) => {
      const hub = await startHub(t, engine)
      const apex = await createNode(hub, { name: 'Apex', type: APEX }) // 1
      const accounts: WireNode[] = []
      for (let i = 2; i <= 20; i++) accounts.push(await createNode(hub, { name: `Account ${i}`, type: ACCOUNT, parent_id: apex.id }))
      const two = accounts[0]
      const twenty = accounts[18]
      assert.deepEqual([two.path, twenty.path], ['1.2', '1.20'])
      const subOfTwo = await createNode(hub, { name: 'sub of 2', type: SUB_ACCOUNT, parent_id: two.id }) // 1.2.21
      const subOfTwenty = await createNode(hub, { name: 'sub of 20', type: SUB_ACCOUNT, parent_id: twenty.id }) // 1.20.22
      const apex2 = await createNode(hub, { name: 'Apex 2', type: APEX }) // 23
      assert.deepEqual([subOfTwo.path, subOfTwenty.path, apex2.path], ['1.2.21', '1.20.22', '23'])

      const res = await call(hub, 'PUT', `${BASE}/nodes/${two.id}`, { parent_id: apex2.id })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal((await getJson<WireNode>(hub, `${BASE}/nodes/${two.id}`)).path, '23.2')
      assert.equal((await getJson<WireNode>(hub, `${BASE}/nodes/${subOfTwo.id}`)).path, '23.2.21')
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${twenty.id}`), twenty)
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${subOfTwenty.id}`), subOfTwenty)
    })

    test('PUT validation: type rules → 400 naming parent_id, unknown parent → 404, bad name → 400, unknown node → 404', async (t) => {
      const hub = await startHub(t, engine)
      const { apex, account, sub } = await createTree(hub)
      const other = await createNode(hub, { name: 'Other account', type: ACCOUNT, parent_id: apex.id })
      const cases: [string, string, Record<string, unknown>][] = [
        ['an Apex given a parent', apex.id, { parent_id: other.id }],
        ['an Account under an Account', account.id, { parent_id: other.id }],
        ['an Account under a SubAccount', account.id, { parent_id: sub.id }],
        ['an Account without a parent', account.id, { parent_id: null }],
        ['a SubAccount under an Apex', sub.id, { parent_id: apex.id }],
        ['a SubAccount without a parent', sub.id, { parent_id: null }],
      ]
      await eachCase(cases, async ([label, id, payload]) => {
        assertValidation(await call(hub, 'PUT', `${BASE}/nodes/${id}`, payload), ['parent_id'], label)
      })
      assertError(await call(hub, 'PUT', `${BASE}/nodes/${account.id}`, { parent_id: randomUUID() }), 404, 'NOT_FOUND', {})
      await eachCase([['empty', { name: '' }], ['too long', { name: 'x'.repeat(256) }], ['number', { name: 7 }], ['null', { name: null }]] as const, async ([label, payload]) => {
        assertValidation(await call(hub, 'PUT', `${BASE}/nodes/${account.id}`, payload), ['name'], `name ${label}`)
      })
      assertError(await call(hub, 'PUT', `${BASE}/nodes/${randomUUID()}`, { name: 'x' }), 404, 'NOT_FOUND', {})
      for (const node of [apex, account, sub]) assert.deepEqual(await getJson(hub, `${BASE}/nodes/${node.id}`), node, `${node.name} unchanged`)
    })

    test('DELETE /nodes/{id} answers 204; the node and its whole subtree answer 404 afterwards', async (t) => {
      const hub = await startHub(t, engine)
      const { apex, account, sub } = await createTree(hub)
      const sibling = await createNode(hub, { name: 'Sibling', type: ACCOUNT, parent_id: apex.id })
      const res = await call(hub, 'DELETE', `${BASE}/nodes/${account.id}`)
      assert.equal(res.statusCode, 204)
      assert.equal(res.body, '')
      for (const node of [account, sub]) {
        assertError(await call(hub, 'GET', `${BASE}/nodes/${node.id}`), 404, 'NOT_FOUND', {}, `GET ${node.name}`)
        assertError(await call(hub, 'GET', `${BASE}/nodes/${node.id}/children`), 404, 'NOT_FOUND', {}, `children of ${node.name}`)
        assertError(await call(hub, 'PUT', `${BASE}/nodes/${node.id}`, { name: 'back' }), 404, 'NOT_FOUND', {}, `PUT ${node.name}`)
        assertError(await call(hub, 'DELETE', `${BASE}/nodes/${node.id}`), 404, 'NOT_FOUND', {}, `DELETE ${node.name}`)
      }
      assertError(await call(hub, 'POST', `${BASE}/nodes`, { name: 'x', type: SUB_ACCOUNT, parent_id: account.id }), 404, 'NOT_FOUND', {})
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${apex.id}`), apex)
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${sibling.id}`), sibling)
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${apex.id}/children`), { nodes: [sibling], total: 1, page: 1, per_page: 100 })
      assertError(await call(hub, 'DELETE', `${BASE}/nodes/${randomUUID()}`), 404, 'NOT_FOUND', {})

      // Deleting the Apex takes the rest of the tree.
      assert.equal((await call(hub, 'DELETE', `${BASE}/nodes/${apex.id}`)).statusCode, 204)
      for (const node of [apex, sibling]) assertError(await call(hub, 'GET', `${BASE}/nodes/${node.id}`), 404, 'NOT_FOUND', {})
    })

    test('GET /nodes/{id}/children pages the direct children: {nodes, total, page, per_page}', async (t) => {
      const hub = await startHub(t, engine)
      const apex = await createNode(hub, { name: 'Apex', type: APEX })
      const a = await createNode(hub, { name: 'A', type: ACCOUNT, parent_id: apex.id })
      const b = await createNode(hub, { name: 'B', type: ACCOUNT, parent_id: apex.id })
      const c = await createNode(hub, { name: 'C', type: ACCOUNT, parent_id: apex.id })
      const grandchild = await createNode(hub, { name: 'A1', type: SUB_ACCOUNT, parent_id: a.id })
      const children = (query: string) => call(hub, 'GET', `${BASE}/nodes/${apex.id}/children${query}`)

      assert.deepEqual((await children('')).json(), { nodes: [a, b, c], total: 3, page: 1, per_page: 100 }, 'defaults: page 1, per_page 100, oldest first')
      assert.deepEqual((await children('?page=1&per_page=2')).json(), { nodes: [a, b], total: 3, page: 1, per_page: 2 })
      assert.deepEqual((await children('?page=2&per_page=2')).json(), { nodes: [c], total: 3, page: 2, per_page: 2 })
      assert.deepEqual((await children('?page=3&per_page=2')).json(), { nodes: [], total: 3, page: 3, per_page: 2 })
      assert.deepEqual((await children('?page=2&per_page=1')).json(), { nodes: [b], total: 3, page: 2, per_page: 1 })
      assert.deepEqual((await children('?per_page=100')).json(), { nodes: [a, b, c], total: 3, page: 1, per_page: 100 })
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${a.id}/children`), { nodes: [grandchild], total: 1, page: 1, per_page: 100 })
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${grandchild.id}/children`), { nodes: [], total: 0, page: 1, per_page: 100 })

      for (const [query, field] of [
        ['?per_page=101', 'per_page'], ['?per_page=0', 'per_page'], ['?per_page=-1', 'per_page'], ['?per_page=abc', 'per_page'],
        ['?page=0', 'page'], ['?page=-2', 'page'], ['?page=abc', 'page'], ['?page=1.5', 'page'],
      ]) {
        assertValidation(await children(query), [field], query)
      }
      assertError(await call(hub, 'GET', `${BASE}/nodes/${randomUUID()}/children`), 404, 'NOT_FOUND', {})
    })

    test('nodes.*.own: a caller sees and changes only the nodes it created', async (t) => {
      const hub = await startHub(t, engine)
      const theirs = await createNode(hub, { name: 'Admin apex', type: APEX })
      const user = await hub.userWith(['nodes.view.own', 'nodes.create.own', 'nodes.manage.own', 'nodes.delete.own'])
      const headers = brokerstrHeaders(user)
      const mine = await createNode(hub, { name: 'My apex', type: APEX }, headers)
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${mine.id}`, headers), mine)
      assertError(await call(hub, 'GET', `${BASE}/nodes/${theirs.id}`, undefined, headers), 404, 'NOT_FOUND', {}, 'GET')
      assertError(await call(hub, 'PUT', `${BASE}/nodes/${theirs.id}`, { name: 'taken' }, headers), 404, 'NOT_FOUND', {}, 'PUT')
      assertError(await call(hub, 'DELETE', `${BASE}/nodes/${theirs.id}`, undefined, headers), 404, 'NOT_FOUND', {}, 'DELETE')
      assert.deepEqual(await getJson(hub, `${BASE}/nodes/${theirs.id}`), theirs, "the admin's node is untouched")
    })
  })
}
