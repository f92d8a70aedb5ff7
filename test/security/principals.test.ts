// Who may act on whom: nobody issues tokens for, revokes the tokens of, or deletes a principal
// holding a permission they lack (so only an admin acts on an admin); the last principal holding
// `*` is never deleted; `.own` on users means the caller itself, so users.create.own creates none.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { ADMIN_TOKEN, type TestHub } from '../helpers/hub.ts'
import { assertError } from '../helpers/native-errors.ts'
import { caller, hubForSuite } from './support.ts'

reportSkippedPostgres()

const as = (user: { authorization: string }) => ({ authorization: user.authorization })

async function tokensOf (hub: TestHub, userId: number): Promise<number> {
  const row = await hub.database.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Whether the credentials still authenticate (a 403 for lack of users.view still does). */
async function signsIn (hub: TestHub, authorization: string): Promise<boolean> {
  const res = await hub.app.inject({ method: 'GET', url: '/api/v1/users?limit=1', headers: { authorization } })
  return res.statusCode !== 401
}

for (const engine of engines) {
  describe(`[${engine}] who may act on whom`, () => {
    const suiteHub = hubForSuite(engine, { HOOKHUB_WORKERS: '0' })

    test('users.manage cannot issue a token for the admin, nor for anyone holding more than it: 403, no token made', async () => {
      const hub = suiteHub()
      const manager = await caller(hub, ['users.manage', 'users.view'])
      const richer = await caller(hub, ['endpoints.view'])
      for (const target of [1, richer.id]) {
        const before = await tokensOf(hub, target)
        const res = await hub.app.inject({ method: 'POST', url: `/api/v1/users/${target}/tokens`, headers: as(manager) })
        assertError(res, 403, 'HOOKHUB_FORBIDDEN')
        assert.equal(await tokensOf(hub, target), before, `no token was made for user ${target}`)
      }
      // Holding at least what the target holds is enough; users.manage covers users.manage.own.
      for (const permissions of [[], ['users.view'], ['users.manage.own']]) {
        const target = await caller(hub, permissions)
        const res = await hub.app.inject({ method: 'POST', url: `/api/v1/users/${target.id}/tokens`, headers: as(manager) })
        assert.equal(res.statusCode, 201, `${permissions.join(',')}: ${res.body}`)
      }
      // The admin acts on anyone, another admin included.
      const admin2 = await caller(hub, ['*'])
      assert.equal((await hub.app.inject({ method: 'POST', url: `/api/v1/users/${admin2.id}/tokens`, headers: hub.admin })).statusCode, 201)
    })

    test('users.manage cannot revoke a token of a principal holding more than it: 403, the token still works', async () => {
      const hub = suiteHub()
      const manager = await caller(hub, ['users.manage'])
      const issued = await hub.app.inject({ method: 'POST', url: '/api/v1/users/1/tokens', headers: hub.admin })
      assert.equal(issued.statusCode, 201)
      const adminToken = issued.json() as { id: number; token: string }
      const res = await hub.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${adminToken.id}`, headers: as(manager) })
      assertError(res, 403, 'HOOKHUB_FORBIDDEN')
      assert.ok(await signsIn(hub, `Bearer ${adminToken.token}`), 'the admin token still works')
      // A token of a principal holding no more than the caller can be revoked.
      const plain = await caller(hub, ['users.manage.own'])
      const plainToken = await hub.app.inject({ method: 'POST', url: `/api/v1/users/${plain.id}/tokens`, headers: as(plain) })
      const revoked = await hub.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${plainToken.json().id}`, headers: as(manager) })
      assert.equal(revoked.statusCode, 204, revoked.body)
    })

    test('users.delete cannot delete the admin, nor anyone holding more than it: 403, nothing deleted', async () => {
      const hub = suiteHub()
      const deleter = await caller(hub, ['users.delete'])
      const richer = await caller(hub, ['users.delete', 'events.view'])
      for (const target of [1, richer.id]) {
        const res = await hub.app.inject({ method: 'DELETE', url: `/api/v1/users/${target}`, headers: as(deleter) })
        assertError(res, 403, 'HOOKHUB_FORBIDDEN')
      }
      assert.ok(await signsIn(hub, `Bearer ${ADMIN_TOKEN}`), 'the admin still signs in')
      assert.ok(await signsIn(hub, richer.authorization), 'the richer user still signs in')
      const equal = await caller(hub, ['users.delete'])
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `/api/v1/users/${equal.id}`, headers: as(deleter) })).statusCode, 204)
    })

    test('users.create.own creates no user: 403, nothing created', async () => {
      const hub = suiteHub()
      const self = await caller(hub, ['users.create.own'])
      const res = await hub.app.inject({
        method: 'POST', url: '/api/v1/users', headers: as(self), payload: { email: 'own@example.com', name: 'own-made', permissions: [] },
      })
      assertError(res, 403, 'HOOKHUB_FORBIDDEN')
      const list = await hub.app.inject({ method: 'GET', url: '/api/v1/users?limit=500', headers: hub.admin })
      assert.ok(!(list.json().data as { name: string }[]).some((u) => u.name === 'own-made'))
    })

    test('the last principal holding * is never deleted, even by the storage itself', async () => {
      const hub = suiteHub()
      // Other admins made by earlier tests go first, so that the bootstrap admin is the last.
      const others = (await hub.app.inject({ method: 'GET', url: '/api/v1/users?limit=500', headers: hub.admin })).json().data as { id: number; permissions: string[] }[]
      for (const u of others) {
        if (u.id !== 1 && u.permissions.includes('*')) {
          assert.equal((await hub.app.inject({ method: 'DELETE', url: `/api/v1/users/${u.id}`, headers: hub.admin })).statusCode, 204)
        }
      }
      assert.equal(await hub.repositories.users.softDelete(1, Date.now()), 'last-admin')
      assert.ok(await signsIn(hub, `Bearer ${ADMIN_TOKEN}`), 'the admin still signs in')
    })
  })

  describe(`[${engine}] the last admin, raced`, () => {
    const suiteHub = hubForSuite(engine, { HOOKHUB_WORKERS: '0' })

    test('two admins deleting each other at once: one stays (the other answers 409, or 401 once deleted)', async () => {
      const hub = suiteHub()
      const second = await caller(hub, ['*'])
      const [a, b] = await Promise.all([
        hub.app.inject({ method: 'DELETE', url: `/api/v1/users/${second.id}`, headers: hub.admin }),
        hub.app.inject({ method: 'DELETE', url: '/api/v1/users/1', headers: as(second) }),
      ])
      const statuses = [a.statusCode, b.statusCode]
      assert.equal(statuses.filter((s) => s === 204).length, 1, `exactly one delete succeeds: ${statuses.join(', ')}`)
      assert.ok(statuses.some((s) => s === 409 || s === 401), statuses.join(', '))
      const survivors = await hub.database.db.selectFrom('users').select('id')
        .where('deleted_at', 'is', null).where('permissions', 'like', '%"*"%').execute()
      assert.equal(survivors.length, 1)
      assert.ok(await signsIn(hub, a.statusCode === 204 ? `Bearer ${ADMIN_TOKEN}` : second.authorization))
    })
  })
}
