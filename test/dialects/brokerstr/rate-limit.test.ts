// Per-token API rate limit (HOOKHUB_API_RATE_LIMIT requests per minute; Brokerstr documents 50
// per key): off by default; when on, 429 with Retry-After in the dialect's error shape.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import { APEX, assertError, BASE, basic, call, createNode } from './support.ts'

reportSkippedPostgres()

const LIMITED = { HOOKHUB_API_RATE_LIMIT: '3' }

/** A second API token of an existing user, issued by the admin. */
async function secondToken (hub: TestHub, userId: number): Promise<string> {
  const res = await hub.app.inject({ method: 'POST', url: `/api/v1/users/${userId}/tokens`, headers: hub.admin })
  assert.equal(res.statusCode, 201, res.body)
  return (res.json() as { token: string }).token
}

for (const engine of engines) {
  describe(`[${engine}] Brokerstr per-token rate limit`, () => {
    test('HOOKHUB_API_RATE_LIMIT=3: the 4th request of a token within the minute answers 429 RATE_LIMIT_EXCEEDED with Retry-After', async (t) => {
      const hub = await startHub(t, engine, LIMITED)
      const user = await hub.userWith(['nodes.*'], 'limited') // admin request 1
      const other = await hub.userWith(['nodes.*'], 'other') // admin request 2
      const headers = { authorization: user.authorization, 'x-target-server': 'integration' }

      const apex = await createNode(hub, { name: 'Apex', type: APEX }, headers) // 1
      for (let i = 2; i <= 3; i++) {
        const res = await call(hub, 'GET', `${BASE}/nodes/${apex.id}`, undefined, headers)
        assert.equal(res.statusCode, 200, `request ${i}: ${res.body}`)
      }
      const refused = await call(hub, 'GET', `${BASE}/nodes/${apex.id}`, undefined, headers)
      const error = assertError(refused, 429, 'RATE_LIMIT_EXCEEDED', undefined, '4th request')
      const retryAfter = String(refused.headers['retry-after'])
      assert.match(retryAfter, /^\d+$/, `Retry-After in seconds: ${retryAfter}`)
      assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After within the minute: ${retryAfter}`)
      assert.ok(error.message.length > 0)

      // Still refused: for every route and method, and with the same token sent as Basic.
      assertError(await call(hub, 'POST', `${BASE}/nodes`, { name: 'more', type: APEX }, headers), 429, 'RATE_LIMIT_EXCEEDED', undefined, 'POST')
      assertError(await call(hub, 'GET', `${BASE}/nodes/${apex.id}/children`, undefined, headers), 429, 'RATE_LIMIT_EXCEEDED', undefined, 'children')
      assertError(await call(hub, 'GET', `${BASE}/nodes/${apex.id}`, undefined, { authorization: basic('limited', user.token) }), 429, 'RATE_LIMIT_EXCEEDED', undefined, 'Basic')

      // Another user's token is unaffected, and so is a second token of the same user.
      const otherHeaders = { authorization: other.authorization, 'x-target-server': 'integration' }
      for (let i = 1; i <= 3; i++) assert.equal((await call(hub, 'GET', `${BASE}/nodes/${apex.id}`, undefined, otherHeaders)).statusCode, 200, `other token, request ${i}`)
      assertError(await call(hub, 'GET', `${BASE}/nodes/${apex.id}`, undefined, otherHeaders), 429, 'RATE_LIMIT_EXCEEDED', undefined, 'other token, 4th')

      const token2 = await secondToken(hub, user.id) // admin request 3
      const second = { authorization: `Bearer ${token2}`, 'x-target-server': 'integration' }
      assert.equal((await call(hub, 'GET', `${BASE}/nodes/${apex.id}`, undefined, second)).statusCode, 200, 'a second token of the same user has its own minute')

      // The admin's token counted its own requests: two users and a token make three.
      const admin = await call(hub, 'GET', `${BASE}/nodes/${apex.id}/children`) // admin request 4
      assertError(admin, 429, 'RATE_LIMIT_EXCEEDED', undefined, 'the admin token is limited too')
    })

    test('requests refused for rate do not create anything', async (t) => {
      const hub = await startHub(t, engine, LIMITED)
      const user = await hub.userWith(['nodes.*']) // admin request 1
      const headers = { authorization: user.authorization, 'x-target-server': 'integration' }
      const created: string[] = []
      for (let i = 1; i <= 6; i++) {
        const res = await call(hub, 'POST', `${BASE}/nodes`, { name: `n${i}`, type: APEX }, headers)
        if (res.statusCode === 201) created.push((res.json() as { id: string }).id)
        else assertError(res, 429, 'RATE_LIMIT_EXCEEDED', undefined, `POST ${i}`)
      }
      assert.equal(created.length, 3)
      const next = await createNode(hub, { name: 'admin', type: APEX }) // admin request 2
      assert.equal(next.int_id, 4, 'exactly three nodes were created before')
    })

    test('without HOOKHUB_API_RATE_LIMIT there is no limit: 60 requests of one token in a row all succeed', async (t) => {
      const hub = await startHub(t, engine)
      const user = await hub.userWith(['nodes.*'])
      const headers = { authorization: user.authorization, 'x-target-server': 'integration' }
      const apex = await createNode(hub, { name: 'Apex', type: APEX }, headers)
      const statuses: number[] = []
      for (let i = 0; i < 60; i++) statuses.push((await call(hub, 'GET', `${BASE}/nodes/${apex.id}`, undefined, headers)).statusCode)
      assert.deepEqual(statuses, Array(60).fill(200))
    })
  })
}
