// CyberCert integrations dialect (seed 000): an integration is addressed by its integer `id`
// as well as by its `uuid`, the two identifiers every response carries.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import { BASE, createIntegration, SEED_REQUEST, storedRow, type Headers } from './support.ts'

reportSkippedPostgres()

const NOT_FOUND = { message: 'Not Found' }

async function call (hub: TestHub, method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST', url: string, payload?: unknown, headers: Headers = hub.admin) {
  const res = await hub.app.inject({ method, url, headers, payload: payload as Record<string, unknown> | undefined })
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json() as Record<string, unknown> }
}

for (const engine of engines) {
  describe(`[${engine}] CyberCert integrations: addressed by integer id or uuid`, () => {
    test('GET, PATCH, PUT, DELETE and restore accept the integer id from the response', async (t) => {
      const hub = await startHub(t, engine)
      await createIntegration(hub, { name: 'Other', type: 'api' })
      const created = await createIntegration(hub, SEED_REQUEST)
      const byId = `${BASE}/${created.id}`

      const got = await call(hub, 'GET', byId)
      assert.equal(got.status, 200)
      assert.deepEqual(got.body, created)

      const patched = await call(hub, 'PATCH', byId, { status: 'active' })
      assert.equal(patched.status, 200)
      assert.deepEqual([patched.body?.uuid, patched.body?.status], [created.uuid, 'active'])

      const put = await call(hub, 'PUT', byId, { name: 'Stripe Webhook 2', type: 'webhook' })
      assert.equal(put.status, 200)
      assert.deepEqual([put.body?.uuid, put.body?.name], [created.uuid, 'Stripe Webhook 2'])

      assert.equal((await call(hub, 'DELETE', byId)).status, 204)
      assert.deepEqual(await call(hub, 'GET', byId), { status: 404, body: NOT_FOUND })
      const restored = await call(hub, 'POST', `${byId}/restore`)
      assert.equal(restored.status, 200)
      assert.equal(restored.body?.uuid, created.uuid)
      assert.equal((await storedRow(hub, created.uuid)).deleted_at, null)
      assert.deepEqual((await call(hub, 'GET', `${BASE}/${created.uuid}`)).body, (await call(hub, 'GET', byId)).body, 'id and uuid name the same row')
    })

    test('integers out of range, zero, negative or not plain digits answer 404, never 500', async (t) => {
      const hub = await startHub(t, engine)
      const created = await createIntegration(hub, { name: 'Exists', type: 'api' })
      const keys = ['0', '-1', `${created.id}.0`, '1e0', '2147483648', '9223372036854775808', '99999999999999999999999999', `+${created.id}`]
      for (const key of keys) {
        for (const [method, payload] of [['GET', undefined], ['PUT', { name: 'n', type: 'api' }], ['PATCH', { name: 'n' }], ['DELETE', undefined]] as const) {
          assert.deepEqual(await call(hub, method, `${BASE}/${encodeURIComponent(key)}`, payload), { status: 404, body: NOT_FOUND }, `${method} ${key}`)
        }
        assert.deepEqual(await call(hub, 'POST', `${BASE}/${encodeURIComponent(key)}/restore`), { status: 404, body: { message: 'Integration not found' } }, `restore ${key}`)
      }
      assert.equal((await storedRow(hub, created.uuid)).name, 'Exists')
    })

    test('.own: another user\'s integration is 404 by its integer id too', async (t) => {
      const hub = await startHub(t, engine)
      const theirs = await createIntegration(hub, { name: 'Admin', type: 'api' })
      const user = await hub.userWith(['integrations.view.own', 'integrations.manage.own', 'integrations.delete.own', 'integrations.restore.own'])
      const headers = { authorization: user.authorization }
      for (const [method, url] of [['GET', `${BASE}/${theirs.id}`], ['PATCH', `${BASE}/${theirs.id}`], ['DELETE', `${BASE}/${theirs.id}`]] as const) {
        assert.equal((await call(hub, method, url, method === 'PATCH' ? { name: 'x' } : undefined, headers)).status, 404, method)
      }
      assert.equal((await call(hub, 'POST', `${BASE}/${theirs.id}/restore`, undefined, headers)).status, 404)
    })
  })
}
