import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { ADMIN_TOKEN, startHub } from '../helpers/hub.ts'

reportSkippedPostgres()

for (const engine of engines) {
  describe(`[${engine}] native users API`, () => {
    test('POST /api/v1/users creates a user and shows its token once', async (t) => {
      const hub = await startHub(t, engine)
      const res = await hub.app.inject({
        method: 'POST', url: '/api/v1/users', headers: hub.admin,
        payload: { email: 'ops@example.com', name: 'ops', permissions: ['integrations.view', 'integrations.create.own'] },
      })
      assert.equal(res.statusCode, 201)
      const body = res.json()
      assert.equal(typeof body.id, 'number')
      assert.equal(body.email, 'ops@example.com')
      assert.equal(body.name, 'ops')
      assert.deepEqual(body.permissions, ['integrations.view', 'integrations.create.own'])
      assert.match(body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      assert.match(body.token, /^hh_/)

      const got = await hub.app.inject({ method: 'GET', url: `/api/v1/users/${body.id}`, headers: hub.admin })
      assert.equal(got.statusCode, 200)
      assert.equal(got.json().token, undefined, 'the token is never shown again')
      assert.deepEqual(Object.keys(got.json()).sort(), ['created_at', 'email', 'id', 'name', 'permissions'])
    })

    test('the new token works with Bearer and with Basic name:token', async (t) => {
      const hub = await startHub(t, engine)
      const user = await hub.userWith(['users.view.own'], 'basicuser')
      const bearer = await hub.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}`, headers: { authorization: user.authorization } })
      assert.equal(bearer.statusCode, 200)
      const basic = Buffer.from(`basicuser:${user.token}`).toString('base64')
      const viaBasic = await hub.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}`, headers: { authorization: `Basic ${basic}` } })
      assert.equal(viaBasic.statusCode, 200)
      const wrongName = Buffer.from(`admin:${user.token}`).toString('base64')
      const denied = await hub.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}`, headers: { authorization: `Basic ${wrongName}` } })
      assert.equal(denied.statusCode, 401)
    })

    test('missing, unknown or malformed credentials answer 401 in the native shape', async (t) => {
      const hub = await startHub(t, engine)
      for (const authorization of [undefined, 'Bearer nope', 'Bearer', 'Token abc', 'Basic !!!', `Basic ${Buffer.from('admin').toString('base64')}`]) {
        const res = await hub.app.inject({ method: 'GET', url: '/api/v1/users', headers: authorization ? { authorization } : {} })
        assert.equal(res.statusCode, 401, String(authorization))
        assert.deepEqual(res.json(), {
          error: { code: 'HOOKHUB_UNAUTHENTICATED', message: 'Missing or invalid credentials', details: {} },
        })
        assert.match(String(res.headers['www-authenticate']), /Bearer/)
      }
    })

    test('without users.* the routes answer 403 naming the permission', async (t) => {
      const hub = await startHub(t, engine)
      const user = await hub.userWith(['integrations.view'])
      const res = await hub.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: user.authorization } })
      assert.equal(res.statusCode, 403)
      assert.deepEqual(res.json(), {
        error: { code: 'HOOKHUB_FORBIDDEN', message: 'Permission users.view is required', details: {} },
      })
      const create = await hub.app.inject({
        method: 'POST', url: '/api/v1/users', headers: { authorization: user.authorization },
        payload: { email: 'x@example.com', name: 'x', permissions: [] },
      })
      assert.equal(create.statusCode, 403)
    })

    test('a user cannot grant permissions it does not hold', async (t) => {
      const hub = await startHub(t, engine)
      const manager = await hub.userWith(['users.create', 'integrations.view'])
      const res = await hub.app.inject({
        method: 'POST', url: '/api/v1/users', headers: { authorization: manager.authorization },
        payload: { email: 'x@example.com', name: 'x', permissions: ['integrations.view', '*'] },
      })
      assert.equal(res.statusCode, 403)
      assert.equal(res.json().error.code, 'HOOKHUB_FORBIDDEN')
      const ok = await hub.app.inject({
        method: 'POST', url: '/api/v1/users', headers: { authorization: manager.authorization },
        payload: { email: 'x@example.com', name: 'x', permissions: ['integrations.view.own'] },
      })
      assert.equal(ok.statusCode, 201)
    })

    test('validation: wrong types, missing fields, unknown permissions and extra fields answer 422', async (t) => {
      const hub = await startHub(t, engine)
      const cases: [unknown, string][] = [
        [{ name: 'a', permissions: [] }, 'email'],
        [{ email: 5, name: 'a' }, 'email'],
        [{ email: 'a@b.c', name: 'a', permissions: 'integrations.view' }, 'permissions'],
        [{ email: 'a@b.c', name: 'a', permissions: ['planets.view'] }, 'permissions'],
        [{ email: 'not-an-email', name: 'a' }, 'email'],
        [{ email: 'a@b.c', name: 'has space' }, 'name'],
        [{ email: 'a@b.c', name: 'a', admin: true }, 'admin'],
      ]
      for (const [payload, field] of cases) {
        const res = await hub.app.inject({ method: 'POST', url: '/api/v1/users', headers: hub.admin, payload: payload as object })
        assert.equal(res.statusCode, 422, JSON.stringify(payload))
        const body = res.json()
        assert.equal(body.error.code, 'HOOKHUB_VALIDATION_FAILED')
        assert.ok(body.error.details.fields[field], `${JSON.stringify(payload)} names ${field}: ${res.body}`)
      }
    })

    test('malformed JSON answers 400 and an oversized body 413', async (t) => {
      const hub = await startHub(t, engine)
      const bad = await hub.app.inject({
        method: 'POST', url: '/api/v1/users', headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{"email":',
      })
      assert.equal(bad.statusCode, 400)
      assert.deepEqual(bad.json(), { error: { code: 'HOOKHUB_INVALID_JSON', message: 'Body is not valid JSON', details: {} } })
      const big = await hub.app.inject({
        method: 'POST', url: '/api/v1/users', headers: { ...hub.admin, 'content-type': 'application/json' },
        payload: JSON.stringify({ email: 'a@b.c', name: 'x', pad: 'x'.repeat(1024 * 1024) }),
      })
      assert.equal(big.statusCode, 413)
      assert.equal(big.json().error.code, 'HOOKHUB_BODY_TOO_LARGE')
      const text = await hub.app.inject({
        method: 'POST', url: '/api/v1/users', headers: { ...hub.admin, 'content-type': 'text/plain' }, payload: 'hi',
      })
      assert.equal(text.statusCode, 415)
      assert.equal(text.json().error.code, 'HOOKHUB_UNSUPPORTED_MEDIA_TYPE')
    })

    test('a duplicate name answers 409; the name is free again once the user is deleted', async (t) => {
      const hub = await startHub(t, engine)
      const first = await hub.userWith([], 'dup')
      const again = await hub.app.inject({
        method: 'POST', url: '/api/v1/users', headers: hub.admin, payload: { email: 'dup@example.com', name: 'dup', permissions: [] },
      })
      assert.equal(again.statusCode, 409)
      assert.equal(again.json().error.code, 'HOOKHUB_CONFLICT')
      const del = await hub.app.inject({ method: 'DELETE', url: `/api/v1/users/${first.id}`, headers: hub.admin })
      assert.equal(del.statusCode, 204)
      assert.equal(del.body, '')
      const reuse = await hub.app.inject({
        method: 'POST', url: '/api/v1/users', headers: hub.admin, payload: { email: 'dup@example.com', name: 'dup', permissions: [] },
      })
      assert.equal(reuse.statusCode, 201)
    })

    test('deleting a user revokes its tokens; unknown ids answer 404', async (t) => {
      const hub = await startHub(t, engine)
      const user = await hub.userWith(['users.view.own'])
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `/api/v1/users/${user.id}`, headers: hub.admin })).statusCode, 204)
      const after = await hub.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}`, headers: { authorization: user.authorization } })
      assert.equal(after.statusCode, 401)
      for (const id of [user.id, 999999, 'abc', '0', '-1']) {
        const res = await hub.app.inject({ method: 'DELETE', url: `/api/v1/users/${id}`, headers: hub.admin })
        assert.equal(res.statusCode, 404, String(id))
        assert.deepEqual(res.json(), { error: { code: 'HOOKHUB_NOT_FOUND', message: 'User not found', details: {} } })
      }
    })

    test('the signed-in user cannot delete itself', async (t) => {
      const hub = await startHub(t, engine)
      const res = await hub.app.inject({ method: 'DELETE', url: '/api/v1/users/1', headers: hub.admin })
      assert.equal(res.statusCode, 409)
    })

    test('tokens: issue another, use it, revoke it', async (t) => {
      const hub = await startHub(t, engine)
      const user = await hub.userWith(['users.view.own', 'users.manage.own'])
      const issued = await hub.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/tokens`, headers: { authorization: user.authorization } })
      assert.equal(issued.statusCode, 201)
      const { id, token, created_at: createdAt } = issued.json()
      assert.equal(typeof id, 'number')
      assert.match(token, /^hh_/)
      assert.match(createdAt, /Z$/)
      const second = { authorization: `Bearer ${token}` }
      assert.equal((await hub.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}`, headers: second })).statusCode, 200)
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: { authorization: user.authorization } })).statusCode, 204)
      assert.equal((await hub.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}`, headers: second })).statusCode, 401)
      assert.equal((await hub.app.inject({ method: 'GET', url: `/api/v1/users/${user.id}`, headers: { authorization: user.authorization } })).statusCode, 200)
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: hub.admin })).statusCode, 404)
    })

    test('.own on users: only the caller itself', async (t) => {
      const hub = await startHub(t, engine)
      const a = await hub.userWith(['users.view.own', 'users.manage.own'])
      const b = await hub.userWith(['users.view.own'])
      const other = await hub.app.inject({ method: 'GET', url: `/api/v1/users/${b.id}`, headers: { authorization: a.authorization } })
      assert.equal(other.statusCode, 403)
      const list = await hub.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: a.authorization } })
      assert.deepEqual(list.json().data.map((u: { id: number }) => u.id), [a.id])
      const foreignToken = await hub.app.inject({ method: 'POST', url: `/api/v1/users/${b.id}/tokens`, headers: { authorization: a.authorization } })
      assert.equal(foreignToken.statusCode, 403)
      // The admin's token id 1 belongs to someone else: reported as missing, not revoked.
      const revoke = await hub.app.inject({ method: 'DELETE', url: '/api/v1/tokens/1', headers: { authorization: a.authorization } })
      assert.equal(revoke.statusCode, 404)
      assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/users', headers: hub.admin })).statusCode, 200)
    })

    test('list: cursor pagination walks every user once', async (t) => {
      const hub = await startHub(t, engine)
      for (let i = 0; i < 5; i++) await hub.userWith([])
      const seen: number[] = []
      let cursor: string | null = null
      do {
        const url: string = `/api/v1/users?order=asc&limit=2${cursor ? `&cursor=${cursor}` : ''}`
        const res = await hub.app.inject({ method: 'GET', url, headers: hub.admin })
        assert.equal(res.statusCode, 200)
        const page = res.json()
        assert.ok(page.data.length <= 2)
        seen.push(...page.data.map((u: { id: number }) => u.id))
        cursor = page.next_cursor
      } while (cursor)
      assert.equal(seen.length, 6)
      assert.deepEqual(seen, [...seen].sort((x, y) => x - y))
      for (const url of ['/api/v1/users?limit=0', '/api/v1/users?limit=501', '/api/v1/users?limit=abc']) {
        const res = await hub.app.inject({ method: 'GET', url, headers: hub.admin })
        assert.equal(res.statusCode, 422, url)
      }
      const badCursor = await hub.app.inject({ method: 'GET', url: '/api/v1/users?cursor=zzz', headers: hub.admin })
      assert.equal(badCursor.statusCode, 400)
      assert.equal(badCursor.json().error.code, 'HOOKHUB_BAD_REQUEST')
    })

    test('HOOKHUB_ADMIN_TOKEN signs in the bootstrap admin holding *', async (t) => {
      const hub = await startHub(t, engine)
      const res = await hub.app.inject({ method: 'GET', url: '/api/v1/users/1', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      assert.equal(res.statusCode, 200)
      assert.equal(res.json().name, 'admin')
      assert.deepEqual(res.json().permissions, ['*'])
    })
  })
}
