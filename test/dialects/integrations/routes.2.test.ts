// CyberCert integrations dialect (seed 000): GET /api/v1/integrations, the Laravel paginator.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import { BASE, createIntegration, validationFailed, type Wire } from './support.ts'

reportSkippedPostgres()

async function list (hub: TestHub, query = '', headers = hub.admin) {
  const res = await hub.app.inject({ method: 'GET', url: `${BASE}${query}`, headers })
  return { status: res.statusCode, body: res.json() }
}

async function names (hub: TestHub, query: string) {
  const { status, body } = await list(hub, query)
  assert.equal(status, 200, `${query}: ${JSON.stringify(body)}`)
  return (body.data as { name: string }[]).map((row) => row.name)
}

async function createMany (hub: TestHub, count: number): Promise<Wire[]> {
  const rows: Wire[] = []
  for (let i = 1; i <= count; i++) rows.push(await createIntegration(hub, { name: `Integration ${i}`, type: 'api' }))
  return rows
}

const page = (data: unknown[], meta: { current_page: number; per_page: number; total: number; last_page: number; from: number | null; to: number | null }) =>
  ({ data, ...meta })

for (const engine of engines) {
  describe(`[${engine}] CyberCert integrations: list and pagination`, () => {
    test('an empty list is a Laravel paginator with from/to null', async (t) => {
      const hub = await startHub(t, engine)
      const { status, body } = await list(hub)
      assert.equal(status, 200)
      assert.deepEqual(body, page([], { current_page: 1, per_page: 15, total: 0, last_page: 1, from: null, to: null }))
    })

    test('defaults page 1, per_page 15; newest first; rows as the API shows them', async (t) => {
      const hub = await startHub(t, engine)
      const rows = await createMany(hub, 16)
      const newestFirst = [...rows].reverse()
      const first = await list(hub)
      assert.equal(first.status, 200)
      assert.deepEqual(first.body, page(newestFirst.slice(0, 15), { current_page: 1, per_page: 15, total: 16, last_page: 2, from: 1, to: 15 }))
      const second = await list(hub, '?page=2')
      assert.deepEqual(second.body, page(newestFirst.slice(15), { current_page: 2, per_page: 15, total: 16, last_page: 2, from: 16, to: 16 }))
    })

    test('per_page and page pick the slice; last_page rounds up', async (t) => {
      const hub = await startHub(t, engine)
      const newestFirst = (await createMany(hub, 16)).reverse()
      assert.deepEqual((await list(hub, '?per_page=5&page=2')).body,
        page(newestFirst.slice(5, 10), { current_page: 2, per_page: 5, total: 16, last_page: 4, from: 6, to: 10 }))
      assert.deepEqual((await list(hub, '?per_page=5&page=4')).body,
        page(newestFirst.slice(15), { current_page: 4, per_page: 5, total: 16, last_page: 4, from: 16, to: 16 }))
      assert.deepEqual((await list(hub, '?per_page=1')).body,
        page(newestFirst.slice(0, 1), { current_page: 1, per_page: 1, total: 16, last_page: 16, from: 1, to: 1 }))
      assert.deepEqual((await list(hub, '?per_page=100')).body,
        page(newestFirst, { current_page: 1, per_page: 100, total: 16, last_page: 1, from: 1, to: 16 }))
      assert.deepEqual((await list(hub, '?per_page=8&page=2')).body,
        page(newestFirst.slice(8), { current_page: 2, per_page: 8, total: 16, last_page: 2, from: 9, to: 16 }))
    })

    test('a page beyond the last answers 200 with empty data and from/to null', async (t) => {
      const hub = await startHub(t, engine)
      await createMany(hub, 3)
      for (const [query, current, perPage, last] of [['?page=2', 2, 15, 1], ['?page=99', 99, 15, 1], ['?per_page=2&page=3', 3, 2, 2]] as const) {
        const { status, body } = await list(hub, query)
        assert.equal(status, 200, query)
        assert.deepEqual(body, page([], { current_page: current, per_page: perPage, total: 3, last_page: last, from: null, to: null }), query)
      }
    })

    test('blank page/per_page fall back to the defaults; values are trimmed', async (t) => {
      const hub = await startHub(t, engine)
      await createMany(hub, 2)
      const blank = await list(hub, '?page=&per_page=')
      assert.equal(blank.status, 200)
      assert.equal(blank.body.current_page, 1)
      assert.equal(blank.body.per_page, 15)
      const spaced = await list(hub, '?page=%201%20&per_page=%201%20')
      assert.equal(spaced.status, 200)
      assert.equal(spaced.body.per_page, 1)
      assert.equal(spaced.body.data.length, 1)
    })

    test('invalid page, per_page and flags answer 422 with Laravel messages', async (t) => {
      const hub = await startHub(t, engine)
      const cases: [string, Record<string, string[]>][] = [
        ['?per_page=0', { per_page: ['The per page field must be at least 1.'] }],
        ['?per_page=101', { per_page: ['The per page field must not be greater than 100.'] }],
        ['?per_page=1000', { per_page: ['The per page field must not be greater than 100.'] }],
        ['?per_page=abc', { per_page: ['The per page field must be an integer.'] }],
        ['?per_page=2.5', { per_page: ['The per page field must be an integer.'] }],
        ['?page=0', { page: ['The page field must be at least 1.'] }],
        ['?page=-1', { page: ['The page field must be at least 1.'] }],
        ['?page=abc', { page: ['The page field must be an integer.'] }],
        ['?is_active=maybe', { is_active: ['The is active field must be true or false.'] }],
        ['?with_trashed=sure', { with_trashed: ['The with trashed field must be true or false.'] }],
        [`?search=${'s'.repeat(256)}`, { search: ['The search field must not be greater than 255 characters.'] }],
        ['?page=0&per_page=abc', { page: ['The page field must be at least 1.'], per_page: ['The per page field must be an integer.'] }],
      ]
      for (const [query, errors] of cases) {
        const { status, body } = await list(hub, query)
        assert.equal(status, 422, query)
        assert.deepEqual(body, validationFailed(errors), query)
      }
    })

    test('ordering is newest first, also across filters and pages', async (t) => {
      const hub = await startHub(t, engine)
      for (const [name, type] of [['w1', 'webhook'], ['a1', 'api'], ['w2', 'webhook'], ['o1', 'oauth'], ['w3', 'webhook']]) {
        await createIntegration(hub, { name, type })
      }
      assert.deepEqual(await names(hub, ''), ['w3', 'o1', 'w2', 'a1', 'w1'])
      assert.deepEqual(await names(hub, '?type=webhook'), ['w3', 'w2', 'w1'])
      assert.deepEqual(await names(hub, '?type=webhook&per_page=2&page=2'), ['w1'])
    })
  })

  describe(`[${engine}] CyberCert integrations: list filters`, () => {
    async function seedRows (hub: TestHub) {
      const rows: [string, Record<string, unknown>][] = [
        ['Stripe Webhook', { type: 'webhook', provider: 'stripe', description: 'Stripe ödeme webhook entegrasyonu', status: 'active' }],
        ['GitHub Push', { type: 'webhook', provider: 'github', description: 'Repository events', status: 'pending', is_active: false }],
        ['Google OAuth', { type: 'oauth', provider: 'google', description: null, status: 'active' }],
        ['CRM API', { type: 'api', provider: 'hubspot', description: 'Sync contacts to STRIPE customers', status: 'error', is_active: false }],
        ['Plain', { type: 'api', status: 'inactive' }],
      ]
      for (const [name, fields] of rows) await createIntegration(hub, { name, ...fields })
    }

    test('type, provider and status filter exactly', async (t) => {
      const hub = await startHub(t, engine)
      await seedRows(hub)
      assert.deepEqual(await names(hub, '?type=webhook'), ['GitHub Push', 'Stripe Webhook'])
      assert.deepEqual(await names(hub, '?type=oauth'), ['Google OAuth'])
      assert.deepEqual(await names(hub, '?type=ftp'), [])
      assert.deepEqual(await names(hub, '?provider=stripe'), ['Stripe Webhook'])
      assert.deepEqual(await names(hub, '?provider=strip'), [], 'provider is not a substring match')
      assert.deepEqual(await names(hub, '?status=active'), ['Google OAuth', 'Stripe Webhook'])
      assert.deepEqual(await names(hub, '?status=error'), ['CRM API'])
      assert.deepEqual(await names(hub, '?status=inactive'), ['Plain'])
      assert.deepEqual(await names(hub, '?type=webhook&status=active'), ['Stripe Webhook'], 'filters combine with AND')
      const { body } = await list(hub, '?type=api')
      assert.equal(body.total, 2, 'total counts the filtered rows')
    })

    test('is_active accepts true/false/1/0', async (t) => {
      const hub = await startHub(t, engine)
      await seedRows(hub)
      for (const value of ['true', '1', 'TRUE']) {
        assert.deepEqual(await names(hub, `?is_active=${value}`), ['Plain', 'Google OAuth', 'Stripe Webhook'], value)
      }
      for (const value of ['false', '0', 'False']) {
        assert.deepEqual(await names(hub, `?is_active=${value}`), ['CRM API', 'GitHub Push'], value)
      }
      assert.equal((await list(hub, '?is_active=0')).body.total, 2)
      assert.equal((await names(hub, '?is_active=')).length, 5, 'blank means no filter')
    })

    test('search matches name, provider or description, case-insensitively', async (t) => {
      const hub = await startHub(t, engine)
      await seedRows(hub)
      assert.deepEqual(await names(hub, '?search=stripe'), ['CRM API', 'Stripe Webhook'], 'name and description')
      assert.deepEqual(await names(hub, '?search=STRIPE'), ['CRM API', 'Stripe Webhook'])
      assert.deepEqual(await names(hub, '?search=sTrIpE'), ['CRM API', 'Stripe Webhook'])
      assert.deepEqual(await names(hub, '?search=hubspot'), ['CRM API'], 'provider')
      assert.deepEqual(await names(hub, '?search=GOOG'), ['Google OAuth'])
      assert.deepEqual(await names(hub, '?search=repository'), ['GitHub Push'], 'description')
      assert.deepEqual(await names(hub, '?search=nothing-matches'), [])
      assert.deepEqual(await names(hub, '?search=%20%20stripe%20'), ['CRM API', 'Stripe Webhook'], 'search is trimmed')
      assert.equal((await names(hub, '?search=')).length, 5, 'blank search means no filter')
      assert.deepEqual(await names(hub, '?search=stripe&type=webhook'), ['Stripe Webhook'], 'search combines with filters')
      assert.equal((await list(hub, '?search=stripe')).body.total, 2)
    })

    test('search is case-insensitive for Turkish text too (ö/Ö, ç/Ç, ğ/Ğ, ş/Ş, ü/Ü)', async (t) => {
      const hub = await startHub(t, engine)
      await createIntegration(hub, { name: 'ÖDEME AĞI', type: 'api' })
      await createIntegration(hub, { name: 'çağrı merkezi', type: 'api', description: 'ŞUBE ÜYELER' })
      assert.deepEqual(await names(hub, `?search=${encodeURIComponent('ödeme')}`), ['ÖDEME AĞI'])
      assert.deepEqual(await names(hub, `?search=${encodeURIComponent('ÖDEME')}`), ['ÖDEME AĞI'])
      assert.deepEqual(await names(hub, `?search=${encodeURIComponent('ÇAĞ')}`), ['çağrı merkezi'])
      assert.deepEqual(await names(hub, `?search=${encodeURIComponent('şube üye')}`), ['çağrı merkezi'])
    })

    test('% and _ in search are literal characters, not wildcards', async (t) => {
      const hub = await startHub(t, engine)
      for (const name of ['100% uptime', '100 uptime', 'my_hook', 'myXhook', 'back\\slash', 'backslash', "O'Brien"]) {
        await createIntegration(hub, { name, type: 'api' })
      }
      assert.deepEqual(await names(hub, '?search=%25'), ['100% uptime'])
      assert.deepEqual(await names(hub, '?search=100%25'), ['100% uptime'])
      assert.deepEqual(await names(hub, '?search=_'), ['my_hook'])
      assert.deepEqual(await names(hub, '?search=my_hook'), ['my_hook'])
      assert.deepEqual(await names(hub, '?search=%25%25'), [])
      assert.deepEqual(await names(hub, `?search=${encodeURIComponent('\\')}`), ['back\\slash'])
      assert.deepEqual(await names(hub, `?search=${encodeURIComponent("'")}`), ["O'Brien"])
    })

    test('soft-deleted rows are hidden unless with_trashed, which shows deleted_at', async (t) => {
      const hub = await startHub(t, engine)
      const keep = await createIntegration(hub, { name: 'Keep', type: 'api' })
      const gone = await createIntegration(hub, { name: 'Gone', type: 'api' })
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `${BASE}/${gone.uuid}`, headers: hub.admin })).statusCode, 204)

      const hidden = await list(hub)
      assert.deepEqual(hidden.body, page([keep], { current_page: 1, per_page: 15, total: 1, last_page: 1, from: 1, to: 1 }))
      for (const value of ['0', 'false']) assert.deepEqual(await names(hub, `?with_trashed=${value}`), ['Keep'], value)

      for (const value of ['1', 'true']) {
        const { status, body } = await list(hub, `?with_trashed=${value}`)
        assert.equal(status, 200)
        assert.equal(body.total, 2)
        assert.deepEqual(body.data.map((row: Wire) => row.name), ['Gone', 'Keep'])
        const [deleted, live] = body.data
        assert.match(deleted.deleted_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
        assert.equal('deleted_at' in live, false)
        const { deleted_at: _d, updated_at: _u, ...rest } = deleted
        const { updated_at: _u2, ...before } = gone
        assert.deepEqual(rest, before, 'the deleted row is otherwise unchanged')
      }
      assert.deepEqual(await names(hub, '?with_trashed=1&search=gone'), ['Gone'])
    })

    test('403 {"message":"Forbidden"} without integrations.view', async (t) => {
      const hub = await startHub(t, engine)
      for (const permissions of [[], ['integrations.create', 'integrations.manage', 'integrations.delete'], ['users.view']]) {
        const user = await hub.userWith(permissions)
        const { status, body } = await list(hub, '?per_page=abc', { authorization: user.authorization })
        assert.equal(status, 403, permissions.join())
        assert.deepEqual(body, { message: 'Forbidden' })
      }
    })
  })
}
