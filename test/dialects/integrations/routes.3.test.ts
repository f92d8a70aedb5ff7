// CyberCert integrations dialect (seed 000): show, update, delete, restore and `.own` isolation.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import {
  assertNoCredentials, BASE, createIntegration, LARAVEL_TIMESTAMP, sleep, storedCredentials, storedRow, validationFailed,
  type Headers, type Wire,
} from './support.ts'

reportSkippedPostgres()

const NOT_FOUND = { message: 'Not Found' }
const FORBIDDEN = { message: 'Forbidden' }
const ALL_ACTIONS = ['view', 'create', 'manage', 'delete', 'restore'] as const

async function call (hub: TestHub, method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST', url: string, payload?: unknown, headers: Headers = hub.admin) {
  const res = await hub.app.inject({ method, url, headers, payload: payload as Record<string, unknown> | undefined })
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json(), raw: res.body }
}

const later = (a: string, b: string) => Date.parse(b) > Date.parse(a)

for (const engine of engines) {
  describe(`[${engine}] CyberCert integrations: show`, () => {
    test('GET /{uuid} answers 200 with the integration as created', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, {
        name: 'Show me', type: 'oauth', provider: 'google', description: 'd', status: 'active', is_active: false,
      })
      const { status, body } = await call(hub, 'GET', `${BASE}/${created.uuid}`)
      assert.equal(status, 200)
      assert.deepEqual(body, created)
    })

    test('unknown or garbage uuids answer 404 {"message":"Not Found"} on get, put, patch and delete', async (t) => {
      const hub = await startHub(t, engine)
      const existing = await createIntegration(hub, { name: 'Exists', type: 'api' })
      const missing = [
        randomUUID(), 'not-a-uuid', String(existing.id + 1), existing.uuid.replace(/-/g, ''), `${existing.uuid}x`, '%E2%9C%93', "'%20or%201=1--",
      ]
      for (const key of missing) {
        for (const [method, payload] of [['GET', undefined], ['PUT', { name: 'n', type: 'api' }], ['PATCH', { name: 'n' }], ['DELETE', undefined]] as const) {
          const { status, body } = await call(hub, method, `${BASE}/${key}`, payload)
          assert.equal(status, 404, `${method} ${key}`)
          assert.deepEqual(body, NOT_FOUND, `${method} ${key}`)
        }
      }
      const row = await storedRow(hub, existing.uuid)
      assert.equal(row.name, 'Exists')
      assert.equal(row.deleted_at, null)
    })

    test('an unknown uuid answers 404 before the body is validated', async (t) => {
      const hub = await startHub(t, engine)
      for (const method of ['PUT', 'PATCH'] as const) {
        const { status, body } = await call(hub, method, `${BASE}/${randomUUID()}`, { name: '', type: 'ftp' })
        assert.equal(status, 404, method)
        assert.deepEqual(body, NOT_FOUND)
      }
    })
  })

  describe(`[${engine}] CyberCert integrations: update`, () => {
    test('PATCH changes only the fields sent and moves updated_at', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, {
        name: 'Original', type: 'webhook', provider: 'stripe', description: 'old', status: 'pending',
      })
      await sleep(5)
      const { status, body } = await call(hub, 'PATCH', `${BASE}/${created.uuid}`, { description: 'new', status: 'active' })
      assert.equal(status, 200)
      assert.match(body.updated_at, LARAVEL_TIMESTAMP)
      assert.ok(later(created.updated_at, body.updated_at), `${created.updated_at} < ${body.updated_at}`)
      assert.deepEqual(body, { ...created, description: 'new', status: 'active', updated_at: body.updated_at })
      assert.deepEqual((await call(hub, 'GET', `${BASE}/${created.uuid}`)).body, body)
    })

    test('PATCH with an empty body changes nothing but updated_at', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Same', type: 'api', provider: 'p' })
      await sleep(5)
      const { status, body } = await call(hub, 'PATCH', `${BASE}/${created.uuid}`, {})
      assert.equal(status, 200)
      assert.deepEqual(body, { ...created, updated_at: body.updated_at })
    })

    test('PATCH sets config, metadata, is_active and clears nullable fields with null', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Fields', type: 'api', provider: 'p', description: 'd' })
      const config = { url: 'https://example.com/x', events: ['a.b'] }
      const metadata = { team: 'ödeme' }
      const set = await call(hub, 'PATCH', `${BASE}/${created.uuid}`, { config, metadata, is_active: false, type: 'oauth' })
      assert.equal(set.status, 200)
      assert.deepEqual(set.body, { ...created, config, metadata, is_active: false, type: 'oauth', updated_at: set.body.updated_at })
      const cleared = await call(hub, 'PATCH', `${BASE}/${created.uuid}`, { provider: null, description: '', config: null, metadata: null, is_active: 1 })
      assert.equal(cleared.status, 200)
      assert.deepEqual(cleared.body, {
        ...created, type: 'oauth', provider: null, description: null, config: null, metadata: null, is_active: true,
        updated_at: cleared.body.updated_at,
      })
    })

    test('PUT requires name and type; with them it updates what is sent', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Put me', type: 'webhook', provider: 'github', description: 'keep' })
      for (const [payload, errors] of [
        [{ description: 'only' }, { name: ['The name field is required.'], type: ['The type field is required.'] }],
        [{ name: 'n' }, { type: ['The type field is required.'] }],
        [{ type: 'api' }, { name: ['The name field is required.'] }],
        [{ name: '', type: 'api' }, { name: ['The name field is required.'] }],
        [{ name: 'n', type: 'ftp' }, { type: ['The selected type is invalid.'] }],
      ] as const) {
        const { status, body } = await call(hub, 'PUT', `${BASE}/${created.uuid}`, payload)
        assert.equal(status, 422, JSON.stringify(payload))
        assert.deepEqual(body, validationFailed(errors as unknown as Record<string, string[]>), JSON.stringify(payload))
      }
      assert.deepEqual((await call(hub, 'GET', `${BASE}/${created.uuid}`)).body, created, 'failed updates change nothing')

      await sleep(5)
      const { status, body } = await call(hub, 'PUT', `${BASE}/${created.uuid}`, { name: 'Put done', type: 'api', status: 'error' })
      assert.equal(status, 200)
      assert.ok(later(created.updated_at, body.updated_at))
      const { inbound_url: inboundUrl, ...rest } = created
      assert.ok(inboundUrl, 'a webhook integration shows its inbound URL')
      assert.deepEqual(body, { ...rest, name: 'Put done', type: 'api', status: 'error', updated_at: body.updated_at }, 'no inbound URL once it is no webhook')
    })

    test('PATCH validates the fields sent with Laravel wording; nothing changes on 422', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Valid', type: 'api' })
      const cases: [Record<string, unknown>, Record<string, string[]>][] = [
        [{ name: '' }, { name: ['The name field is required.'] }],
        [{ name: null }, { name: ['The name field is required.'] }],
        [{ name: 'x'.repeat(256) }, { name: ['The name field must not be greater than 255 characters.'] }],
        [{ type: null }, { type: ['The type field is required.'] }],
        [{ type: 'ftp' }, { type: ['The selected type is invalid.'] }],
        [{ status: 'finished' }, { status: ['The selected status is invalid.'] }],
        [{ is_active: 'yes' }, { is_active: ['The is active field must be true or false.'] }],
        [{ config: 'x' }, { config: ['The config field must be an array.'] }],
        [{ credentials: 'plain' }, { credentials: ['The credentials field must be an array.'] }],
        [{ metadata: 1, provider: 2 }, { metadata: ['The metadata field must be an array.'], provider: ['The provider field must be a string.'] }],
      ]
      for (const [payload, errors] of cases) {
        const { status, body } = await call(hub, 'PATCH', `${BASE}/${created.uuid}`, payload)
        assert.equal(status, 422, JSON.stringify(payload))
        assert.deepEqual(body, validationFailed(errors), JSON.stringify(payload))
      }
      assert.deepEqual((await call(hub, 'GET', `${BASE}/${created.uuid}`)).body, created)
    })

    test('malformed JSON on PATCH answers 400 with a message body', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Valid', type: 'api' })
      const res = await hub.app.inject({
        method: 'PATCH', url: `${BASE}/${created.uuid}`, headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{"name":',
      })
      assert.equal(res.statusCode, 400)
      assert.deepEqual(Object.keys(res.json()), ['message'])
    })
  })

  describe(`[${engine}] CyberCert integrations: credentials on update`, () => {
    const original = { api_key: 'sk_live_ORIGINAL_111', webhook_secret: 'whsec_ORIGINAL_222' }

    test('"credentials": "********" as a whole keeps the stored value (PATCH and PUT)', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Creds', type: 'webhook', credentials: original })
      const patched = await call(hub, 'PATCH', `${BASE}/${created.uuid}`, { name: 'Renamed', credentials: '********' })
      assert.equal(patched.status, 200)
      assert.equal(patched.body.name, 'Renamed')
      assert.deepEqual(await storedCredentials(hub, created.uuid), original)
      const put = await call(hub, 'PUT', `${BASE}/${created.uuid}`, { name: 'Put', type: 'webhook', credentials: '********' })
      assert.equal(put.status, 200)
      assert.deepEqual(await storedCredentials(hub, created.uuid), original)
      const without = await call(hub, 'PATCH', `${BASE}/${created.uuid}`, { description: 'no credentials sent' })
      assert.equal(without.status, 200)
      assert.deepEqual(await storedCredentials(hub, created.uuid), original)
    })

    test('"********" per key keeps that key; other keys take the new values', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Creds', type: 'webhook', credentials: original })
      const res = await call(hub, 'PATCH', `${BASE}/${created.uuid}`, {
        credentials: { api_key: '********', webhook_secret: 'whsec_ROTATED_333' },
      })
      assert.equal(res.status, 200)
      assertNoCredentials(res.raw, ['sk_live_ORIGINAL_111', 'whsec_ROTATED_333'], 'patch response')
      assert.deepEqual(await storedCredentials(hub, created.uuid), { api_key: 'sk_live_ORIGINAL_111', webhook_secret: 'whsec_ROTATED_333' })

      const put = await call(hub, 'PUT', `${BASE}/${created.uuid}`, {
        name: 'Creds', type: 'webhook', credentials: { api_key: 'sk_live_NEW_444', webhook_secret: '********' },
      })
      assert.equal(put.status, 200)
      assert.deepEqual(await storedCredentials(hub, created.uuid), { api_key: 'sk_live_NEW_444', webhook_secret: 'whsec_ROTATED_333' })
      const row = await storedRow(hub, created.uuid)
      for (const plain of ['sk_live_NEW_444', 'whsec_ROTATED_333', '********']) {
        assert.equal(String(row.credentials).includes(plain), false, `${plain} is not stored in clear`)
      }
    })

    test('new credentials replace the old ones; null clears them', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Creds', type: 'api', credentials: original })
      assert.equal((await call(hub, 'PATCH', `${BASE}/${created.uuid}`, { credentials: { token: 'tok_NEW_555' } })).status, 200)
      assert.deepEqual(await storedCredentials(hub, created.uuid), { token: 'tok_NEW_555' })
      assert.equal(String((await storedRow(hub, created.uuid)).credentials).includes('tok_NEW_555'), false)
      assert.equal((await call(hub, 'PATCH', `${BASE}/${created.uuid}`, { credentials: null })).status, 200)
      assert.equal((await storedRow(hub, created.uuid)).credentials, null)
      // Nothing stored: the mask has nothing to keep and stores nothing.
      assert.equal((await call(hub, 'PATCH', `${BASE}/${created.uuid}`, { credentials: '********' })).status, 200)
      assert.equal((await storedRow(hub, created.uuid)).credentials, null)
    })
  })

  describe(`[${engine}] CyberCert integrations: delete and restore`, () => {
    test('DELETE soft-deletes: 204, then 404 everywhere, hidden from the list unless with_trashed', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Doomed', type: 'api', credentials: { k: 'v_SECRET' } })
      const res = await hub.app.inject({ method: 'DELETE', url: `${BASE}/${created.uuid}`, headers: hub.admin })
      assert.equal(res.statusCode, 204)
      assert.equal(res.body, '')

      const row = await storedRow(hub, created.uuid)
      assert.notEqual(row.deleted_at, null, 'the row is kept, marked deleted')
      assert.deepEqual(await storedCredentials(hub, created.uuid), { k: 'v_SECRET' })

      for (const [method, payload] of [['GET', undefined], ['PUT', { name: 'n', type: 'api' }], ['PATCH', { name: 'n' }], ['DELETE', undefined]] as const) {
        const { status, body } = await call(hub, method, `${BASE}/${created.uuid}`, payload)
        assert.equal(status, 404, method)
        assert.deepEqual(body, NOT_FOUND, method)
      }
      assert.equal((await storedRow(hub, created.uuid)).name, 'Doomed', 'a deleted integration cannot be changed')
      assert.deepEqual((await call(hub, 'GET', BASE)).body.data, [])
      const trashed = (await call(hub, 'GET', `${BASE}?with_trashed=1`)).body.data
      assert.equal(trashed.length, 1)
      assert.equal(trashed[0].uuid, created.uuid)
      assert.match(trashed[0].deleted_at, LARAVEL_TIMESTAMP)
    })

    test('restore answers 200 with the integration, which is visible again', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Phoenix', type: 'webhook', provider: 'stripe' })
      await sleep(5)
      assert.equal((await call(hub, 'DELETE', `${BASE}/${created.uuid}`)).status, 204)
      await sleep(5)
      const { status, body } = await call(hub, 'POST', `${BASE}/${created.uuid}/restore`)
      assert.equal(status, 200)
      assert.ok(later(created.updated_at, body.updated_at))
      assert.deepEqual(body, { ...created, updated_at: body.updated_at }, 'no deleted_at once restored')
      assert.equal((await storedRow(hub, created.uuid)).deleted_at, null)
      assert.deepEqual((await call(hub, 'GET', `${BASE}/${created.uuid}`)).body, body)
      assert.deepEqual((await call(hub, 'GET', BASE)).body.data, [body])
    })

    test('restoring a live integration answers 400; an unknown one 404 "Integration not found"', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Alive', type: 'api' })
      const live = await call(hub, 'POST', `${BASE}/${created.uuid}/restore`)
      assert.equal(live.status, 400)
      assert.deepEqual(live.body, { message: 'Integration is not deleted' })

      assert.equal((await call(hub, 'DELETE', `${BASE}/${created.uuid}`)).status, 204)
      assert.equal((await call(hub, 'POST', `${BASE}/${created.uuid}/restore`)).status, 200)
      const twice = await call(hub, 'POST', `${BASE}/${created.uuid}/restore`)
      assert.equal(twice.status, 400)
      assert.deepEqual(twice.body, { message: 'Integration is not deleted' })

      for (const key of [randomUUID(), 'garbage', String(created.id + 1)]) {
        const unknown = await call(hub, 'POST', `${BASE}/${key}/restore`)
        assert.equal(unknown.status, 404, key)
        assert.deepEqual(unknown.body, { message: 'Integration not found' }, key)
      }
    })

    test('delete, restore, delete again works', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Cycle', type: 'api' })
      for (let i = 0; i < 2; i++) {
        assert.equal((await call(hub, 'DELETE', `${BASE}/${created.uuid}`)).status, 204)
        assert.equal((await call(hub, 'GET', `${BASE}/${created.uuid}`)).status, 404)
        assert.equal((await call(hub, 'POST', `${BASE}/${created.uuid}/restore`)).status, 200)
        assert.equal((await call(hub, 'GET', `${BASE}/${created.uuid}`)).status, 200)
      }
    })
  })

  describe(`[${engine}] CyberCert integrations: permissions and .own isolation`, () => {
    async function twoOwners (hub: TestHub) {
      const own = ALL_ACTIONS.map((action) => `integrations.${action}.own`)
      const a = await hub.userWith(own, 'owner_a')
      const b = await hub.userWith(own, 'owner_b')
      const aRow = await createIntegration(hub, { name: 'A thing', type: 'api', credentials: { k: 'a_SECRET' } }, { authorization: a.authorization })
      const bRow = await createIntegration(hub, { name: 'B thing', type: 'webhook', credentials: { k: 'b_SECRET' } }, { authorization: b.authorization })
      return { a, b, aRow, bRow }
    }

    test(".own: user A cannot see, change, delete or restore user B's integration", async (t) => {
      const hub = await startHub(t, engine)
      const { a, b, bRow } = await twoOwners(hub)
      const asA = { authorization: a.authorization }
      const url = `${BASE}/${bRow.uuid}`
      for (const [method, payload] of [['GET', undefined], ['PUT', { name: 'hijack', type: 'api' }], ['PATCH', { name: 'hijack' }], ['DELETE', undefined]] as const) {
        const { status, body } = await call(hub, method, url, payload, asA)
        assert.equal(status, 404, method)
        assert.deepEqual(body, NOT_FOUND, method)
      }
      // Also when B's integration is deleted: A cannot restore it.
      assert.equal((await call(hub, 'DELETE', url, undefined, { authorization: b.authorization })).status, 204)
      const restore = await call(hub, 'POST', `${url}/restore`, undefined, asA)
      assert.equal(restore.status, 404)
      assert.deepEqual(restore.body, { message: 'Integration not found' })

      const row = await storedRow(hub, bRow.uuid)
      assert.equal(row.name, 'B thing')
      assert.equal(row.type, 'webhook')
      assert.notEqual(row.deleted_at, null, 'still deleted')
      assert.deepEqual(await storedCredentials(hub, bRow.uuid), { k: 'b_SECRET' })
    })

    test('.own: each user lists only their own rows, with_trashed and search included', async (t) => {
      const hub = await startHub(t, engine)
      const { a, b, aRow, bRow } = await twoOwners(hub)
      const listAs = async (user: { authorization: string }, query = '') =>
        (await call(hub, 'GET', `${BASE}${query}`, undefined, { authorization: user.authorization })).body
      const mine = await listAs(a)
      assert.deepEqual(mine, { data: [aRow], current_page: 1, per_page: 15, total: 1, last_page: 1, from: 1, to: 1 })
      assert.deepEqual((await listAs(b)).data.map((r: Wire) => r.uuid), [bRow.uuid])
      assert.deepEqual((await listAs(a, '?search=thing')).data.map((r: Wire) => r.uuid), [aRow.uuid])
      assert.deepEqual((await listAs(a, '?search=B%20thing')).data, [])
      assert.equal((await call(hub, 'DELETE', `${BASE}/${bRow.uuid}`, undefined, { authorization: b.authorization })).status, 204)
      assert.deepEqual((await listAs(a, '?with_trashed=1')).data.map((r: Wire) => r.uuid), [aRow.uuid])
      const all = await call(hub, 'GET', `${BASE}?with_trashed=1`)
      assert.deepEqual(all.body.data.map((r: Wire) => r.uuid), [bRow.uuid, aRow.uuid], 'the admin sees both')
    })

    test('.own: a user manages, deletes and restores its own integration', async (t) => {
      const hub = await startHub(t, engine)
      const { a, aRow } = await twoOwners(hub)
      const asA = { authorization: a.authorization }
      const url = `${BASE}/${aRow.uuid}`
      assert.equal((await call(hub, 'GET', url, undefined, asA)).status, 200)
      const patched = await call(hub, 'PATCH', url, { name: 'A renamed' }, asA)
      assert.equal(patched.status, 200)
      assert.equal(patched.body.name, 'A renamed')
      assert.equal(patched.body.user_id, a.id)
      assert.equal((await call(hub, 'PUT', url, { name: 'A put', type: 'oauth' }, asA)).status, 200)
      assert.equal((await call(hub, 'DELETE', url, undefined, asA)).status, 204)
      const restored = await call(hub, 'POST', `${url}/restore`, undefined, asA)
      assert.equal(restored.status, 200)
      assert.equal(restored.body.name, 'A put')
      assert.equal(restored.body.user_id, a.id)
    })

    test("unscoped permissions act on anyone's integration; ownership does not change", async (t) => {
      const hub = await startHub(t, engine)
      const { b, bRow } = await twoOwners(hub)
      const ops = await hub.userWith(['integrations.view', 'integrations.manage', 'integrations.delete', 'integrations.restore'], 'ops')
      const asOps = { authorization: ops.authorization }
      const url = `${BASE}/${bRow.uuid}`
      assert.deepEqual((await call(hub, 'GET', url, undefined, asOps)).body, bRow)
      const patched = await call(hub, 'PATCH', url, { description: 'by ops' }, asOps)
      assert.equal(patched.status, 200)
      assert.equal(patched.body.user_id, b.id, 'still owned by B')
      assert.deepEqual(patched.body.user, { id: b.id, email: 'owner_b@example.com' })
      assert.equal((await call(hub, 'PUT', url, { name: 'B by ops', type: 'webhook' }, asOps)).status, 200)
      assert.equal((await call(hub, 'DELETE', url, undefined, asOps)).status, 204)
      assert.equal((await call(hub, 'POST', `${url}/restore`, undefined, asOps)).status, 200)
      assert.equal((await call(hub, 'GET', BASE, undefined, asOps)).body.total, 2)
    })

    test('view and manage scopes are independent: view all, manage own', async (t) => {
      const hub = await startHub(t, engine)
      const { bRow } = await twoOwners(hub)
      const mixed = await hub.userWith(['integrations.view', 'integrations.manage.own', 'integrations.delete.own'])
      const asMixed = { authorization: mixed.authorization }
      const url = `${BASE}/${bRow.uuid}`
      assert.equal((await call(hub, 'GET', url, undefined, asMixed)).status, 200)
      const patch = await call(hub, 'PATCH', url, { name: 'nope' }, asMixed)
      assert.equal(patch.status, 404)
      assert.deepEqual(patch.body, NOT_FOUND)
      assert.equal((await call(hub, 'DELETE', url, undefined, asMixed)).status, 404)
      assert.equal((await storedRow(hub, bRow.uuid)).name, 'B thing')
    })

    test('each action answers 403 {"message":"Forbidden"} without its permission', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Guarded', type: 'api' })
      const url = `${BASE}/${created.uuid}`
      const actions: [typeof ALL_ACTIONS[number], 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST', string, unknown][] = [
        ['view', 'GET', url, undefined],
        ['view', 'GET', BASE, undefined],
        ['create', 'POST', BASE, { name: 'n', type: 'api' }],
        ['manage', 'PUT', url, { name: 'n', type: 'api' }],
        ['manage', 'PATCH', url, { name: 'n' }],
        ['delete', 'DELETE', url, undefined],
        ['restore', 'POST', `${url}/restore`, undefined],
      ]
      for (const [action, method, target, payload] of actions) {
        for (const scope of ['', '.own']) {
          const others = ALL_ACTIONS.filter((a) => a !== action).map((a) => `integrations.${a}${scope}`)
          const user = await hub.userWith(others)
          const { status, body } = await call(hub, method, target, payload, { authorization: user.authorization })
          assert.equal(status, 403, `${method} ${target} without integrations.${action}${scope}`)
          assert.deepEqual(body, FORBIDDEN)
        }
      }
      // And with no integrations permission at all, on an unknown uuid too: 403 comes before 404.
      const nobody = await hub.userWith(['users.view.own'])
      for (const [method, target] of [['GET', `${BASE}/${randomUUID()}`], ['DELETE', `${BASE}/garbage`], ['POST', `${BASE}/garbage/restore`]] as const) {
        const { status, body } = await call(hub, method, target, undefined, { authorization: nobody.authorization })
        assert.equal(status, 403, `${method} ${target}`)
        assert.deepEqual(body, FORBIDDEN)
      }
      const row = await storedRow(hub, created.uuid)
      assert.equal(row.name, 'Guarded')
      assert.equal(row.deleted_at, null)
    })
  })
}
