import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub } from '../../helpers/hub.ts'
import { apiUser, assertValidation, BASE, basic, createWebhook, MASK, SEED_BODY, SEED_CONTENT_TYPE, type WireWebhook } from './support.ts'

reportSkippedPostgres()

const NOT_FOUND = { error: { code: 'HOOKHUB_NOT_FOUND', message: 'Webhook not found', details: {} } }
const UNAUTHENTICATED = { error: { code: 'HOOKHUB_UNAUTHENTICATED', message: 'Missing or invalid credentials', details: {} } }
const forbidden = (permission: string) => ({ error: { code: 'HOOKHUB_FORBIDDEN', message: `Permission ${permission} is required`, details: {} } })

const WITH_AUTH = {
  actions: ['CHAT_CONVERSATION_CREATED', 'CALL_ENDED'],
  subscription_url: 'https://hooks.example.pl/thulium',
  http_auth_user: 'hook_user',
  http_auth_password: 's3cret:pass',
}

// Thulium `POST /api/webhooks` (seed 004) and the rest of the resource (issue 5, Thulium).
for (const engine of engines) {
  describe(`[${engine}] Thulium /api/webhooks`, () => {
    test("the seed's request verbatim (Basic api_user, escaped slashes) answers 200 with the seed's body", async (t) => {
      const hub = await startHub(t, engine)
      const user = await apiUser(hub)
      const res = await hub.app.inject({
        method: 'POST', url: BASE,
        headers: { ...user.headers, 'content-type': SEED_CONTENT_TYPE, 'content-length': String(Buffer.byteLength(SEED_BODY)) },
        payload: SEED_BODY,
      })
      assert.equal(res.statusCode, 200, res.body)
      assert.match(String(res.headers['content-type']), /^application\/json/)
      const body = res.json() as WireWebhook
      assert.ok(Number.isInteger(body.id) && body.id > 0, `id is a positive integer: ${res.body}`)
      assert.deepEqual(body, {
        id: body.id,
        actions: ['CHAT_CONVERSATION_CREATED'],
        subscription_url: 'https://example.pl',
        http_auth_user: '',
        http_auth_password: '',
      })
      assert.deepEqual(Object.keys(body), ['id', 'actions', 'subscription_url', 'http_auth_user', 'http_auth_password'], 'the seed\'s key order')

      // The curl example of the seed: `-H "Content-type: application/json"`, same body.
      const again = await hub.app.inject({
        method: 'POST', url: BASE, headers: { ...user.headers, 'Content-type': 'application/json' }, payload: SEED_BODY,
      })
      assert.equal(again.statusCode, 200, again.body)
      const second = again.json() as WireWebhook
      assert.ok(Number.isInteger(second.id) && second.id !== body.id, 'every webhook gets its own id')
      assert.deepEqual(second, { ...body, id: second.id })

      const list = await hub.app.inject({ method: 'GET', url: BASE, headers: user.headers })
      assert.equal(list.statusCode, 200)
      assert.deepEqual(list.json(), [body, second])
      const one = await hub.app.inject({ method: 'GET', url: `${BASE}/${body.id}`, headers: user.headers })
      assert.equal(one.statusCode, 200)
      assert.deepEqual(one.json(), body)
    })

    test('Bearer works as well as Basic (DESIGN: the same principals)', async (t) => {
      const hub = await startHub(t, engine)
      const user = await apiUser(hub)
      const res = await hub.app.inject({ method: 'POST', url: BASE, headers: { authorization: user.authorization, 'content-type': 'application/json' }, payload: SEED_BODY })
      assert.equal(res.statusCode, 200, res.body)
      const list = await hub.app.inject({ method: 'GET', url: BASE, headers: user.headers })
      assert.deepEqual(list.json(), [res.json()])
    })

    test('credentials: create echoes the password; GET list and GET one mask it', async (t) => {
      const hub = await startHub(t, engine)
      const user = await apiUser(hub)
      const created = await createWebhook(hub, user.headers, WITH_AUTH)
      assert.deepEqual(created, { id: created.id, ...WITH_AUTH })

      const list = await hub.app.inject({ method: 'GET', url: BASE, headers: user.headers })
      assert.equal(list.statusCode, 200)
      assert.ok(Array.isArray(list.json()), 'the list is a plain array')
      assert.deepEqual(list.json(), [{ ...created, http_auth_password: MASK }])
      const one = await hub.app.inject({ method: 'GET', url: `${BASE}/${created.id}`, headers: user.headers })
      assert.equal(one.statusCode, 200)
      assert.deepEqual(one.json(), { ...created, http_auth_password: MASK })
      assert.ok(!list.body.includes('s3cret') && !one.body.includes('s3cret'), 'the password never shows again')

      // A user without a password stays "" on reads, not the mask.
      const userOnly = await createWebhook(hub, user.headers, { ...WITH_AUTH, http_auth_password: undefined })
      assert.deepEqual(userOnly, { id: userOnly.id, ...WITH_AUTH, http_auth_password: '' })
      const read = await hub.app.inject({ method: 'GET', url: `${BASE}/${userOnly.id}`, headers: user.headers })
      assert.deepEqual(read.json(), userOnly)
    })

    test('PUT replaces every value; "********" keeps the stored password; omitted credentials are removed', async (t) => {
      const hub = await startHub(t, engine)
      const user = await apiUser(hub)
      const created = await createWebhook(hub, user.headers, WITH_AUTH)

      const replaced = {
        actions: ['CALL_STARTED'],
        subscription_url: 'http://other.example.pl/hook?x=1',
        http_auth_user: 'other_user',
        http_auth_password: 'new-pass',
      }
      const put = await hub.app.inject({ method: 'PUT', url: `${BASE}/${created.id}`, headers: user.headers, payload: replaced })
      assert.equal(put.statusCode, 200, put.body)
      assert.deepEqual(put.json(), { id: created.id, ...replaced, http_auth_password: MASK })
      const read = await hub.app.inject({ method: 'GET', url: `${BASE}/${created.id}`, headers: user.headers })
      assert.deepEqual(read.json(), { id: created.id, ...replaced, http_auth_password: MASK })

      const kept = await hub.app.inject({
        method: 'PUT', url: `${BASE}/${created.id}`, headers: user.headers, payload: { ...replaced, actions: ['CALL_ENDED'], http_auth_password: MASK },
      })
      assert.equal(kept.statusCode, 200, kept.body)
      assert.deepEqual(kept.json(), { id: created.id, ...replaced, actions: ['CALL_ENDED'], http_auth_password: MASK })

      const cleared = await hub.app.inject({
        method: 'PUT', url: `${BASE}/${created.id}`, headers: user.headers, payload: { actions: ['CALL_ENDED'], subscription_url: 'https://example.pl' },
      })
      assert.equal(cleared.statusCode, 200, cleared.body)
      const expected = { id: created.id, actions: ['CALL_ENDED'], subscription_url: 'https://example.pl', http_auth_user: '', http_auth_password: '' }
      assert.deepEqual(cleared.json(), expected)
      const list = await hub.app.inject({ method: 'GET', url: BASE, headers: user.headers })
      assert.deepEqual(list.json(), [expected])
    })

    test('DELETE answers 204 with no body; afterwards GET, PUT and DELETE answer 404', async (t) => {
      const hub = await startHub(t, engine)
      const user = await apiUser(hub)
      const keep = await createWebhook(hub, user.headers, { actions: ['CALL_ENDED'], subscription_url: 'https://example.pl/keep' })
      const gone = await createWebhook(hub, user.headers, WITH_AUTH)
      const del = await hub.app.inject({ method: 'DELETE', url: `${BASE}/${gone.id}`, headers: user.headers })
      assert.equal(del.statusCode, 204)
      assert.equal(del.body, '')

      const get = await hub.app.inject({ method: 'GET', url: `${BASE}/${gone.id}`, headers: user.headers })
      assert.equal(get.statusCode, 404)
      assert.deepEqual(get.json(), NOT_FOUND)
      const put = await hub.app.inject({ method: 'PUT', url: `${BASE}/${gone.id}`, headers: user.headers, payload: WITH_AUTH })
      assert.equal(put.statusCode, 404)
      assert.deepEqual(put.json(), NOT_FOUND)
      const again = await hub.app.inject({ method: 'DELETE', url: `${BASE}/${gone.id}`, headers: user.headers })
      assert.equal(again.statusCode, 404)
      assert.deepEqual(again.json(), NOT_FOUND)

      const list = await hub.app.inject({ method: 'GET', url: BASE, headers: user.headers })
      assert.deepEqual(list.json(), [keep])
    })

    test('unknown and non-numeric ids answer 404 on GET, PUT and DELETE', async (t) => {
      const hub = await startHub(t, engine)
      const user = await apiUser(hub)
      const existing = await createWebhook(hub, user.headers, WITH_AUTH)
      // 2147483648 and up do not fit PostgreSQL's integer column: still just an unknown id.
      const ids = [String(existing.id + 1000), 'abc', '0', '-1', '1.5', '1e3', `${existing.id}x`, '0x1',
        '2147483647', '2147483648', '99999999999', '9999999999999999']
      const wrong: string[] = []
      for (const id of ids) {
        for (const method of ['GET', 'PUT', 'DELETE'] as const) {
          const res = await hub.app.inject({
            method, url: `${BASE}/${encodeURIComponent(id)}`, headers: user.headers, ...(method === 'PUT' && { payload: WITH_AUTH }),
          })
          if (res.statusCode !== 404 || res.body !== JSON.stringify(NOT_FOUND)) wrong.push(`${method} ${id} -> ${res.statusCode} ${res.body}`)
        }
      }
      assert.deepEqual(wrong, [], 'every unknown id answers 404 Webhook not found')
      const list = await hub.app.inject({ method: 'GET', url: BASE, headers: user.headers })
      assert.deepEqual(list.json(), [{ ...existing, http_auth_password: MASK }], 'nothing was changed or deleted')
    })

    test('validation: 400 in the native shape naming the field, and nothing is created', async (t) => {
      const hub = await startHub(t, engine)
      const user = await apiUser(hub)
      const url = 'https://example.pl'
      const cases: [unknown, string][] = [
        [{ subscription_url: url }, 'actions'],
        [{ actions: [], subscription_url: url }, 'actions'],
        [{ actions: 'CHAT_CONVERSATION_CREATED', subscription_url: url }, 'actions'],
        [{ actions: { 0: 'CHAT_CONVERSATION_CREATED' }, subscription_url: url }, 'actions'],
        [{ actions: null, subscription_url: url }, 'actions'],
        [{ actions: ['chat_conversation_created'], subscription_url: url }, 'actions'],
        [{ actions: ['Chat_Conversation_Created'], subscription_url: url }, 'actions'],
        [{ actions: ['CHAT CONVERSATION'], subscription_url: url }, 'actions'],
        [{ actions: ['CHAT.CONVERSATION'], subscription_url: url }, 'actions'],
        [{ actions: ['1CHAT'], subscription_url: url }, 'actions'],
        [{ actions: ['*'], subscription_url: url }, 'actions'],
        [{ actions: [''], subscription_url: url }, 'actions'],
        [{ actions: [5], subscription_url: url }, 'actions'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'] }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: '' }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: 5 }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: null }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: ['https://example.pl'] }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: '/relative/path' }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: 'example.pl/hook' }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: '//example.pl/hook' }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: 'ftp://example.pl/hook' }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: 'mailto:ops@example.pl' }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: 'javascript:alert(1)' }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: 'https://' }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: 'https://user:pw@example.pl/' }, 'subscription_url'],
        // The SSRF guard is on by default: a loopback target is refused in Thulium's terms.
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: 'http://127.0.0.1:9/hook' }, 'subscription_url'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: url, http_auth_user: 5 }, 'http_auth_user'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: url, http_auth_user: 'u', http_auth_password: true }, 'http_auth_password'],
        [{ actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: url, http_auth_user: null }, 'http_auth_user'],
      ]
      for (const [payload, field] of cases) {
        const res = await hub.app.inject({ method: 'POST', url: BASE, headers: user.headers, payload: payload as object })
        assertValidation(res, field, `POST ${JSON.stringify(payload)}`)
      }
      for (const payload of ['[]', '"CHAT_CONVERSATION_CREATED"', '42', 'null']) {
        const res = await hub.app.inject({ method: 'POST', url: BASE, headers: { ...user.headers, 'content-type': 'application/json' }, payload })
        assert.equal(res.statusCode, 400, `POST ${payload}: ${res.body}`)
        assert.equal(res.json().error.code, 'HOOKHUB_VALIDATION_FAILED', `POST ${payload}`)
      }
      const list = await hub.app.inject({ method: 'GET', url: BASE, headers: user.headers })
      assert.deepEqual(list.json(), [], 'no invalid request left a webhook behind')
      const endpoints = await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: hub.admin })
      assert.deepEqual(endpoints.json().data, [], 'nor an endpoint')
    })

    test('validation on PUT: 400 naming the field, and the webhook stays as it was', async (t) => {
      const hub = await startHub(t, engine)
      const user = await apiUser(hub)
      const created = await createWebhook(hub, user.headers, WITH_AUTH)
      const cases: [unknown, string][] = [
        [{ subscription_url: 'https://example.pl' }, 'actions'],
        [{ actions: [], subscription_url: 'https://example.pl' }, 'actions'],
        [{ actions: ['call_ended'], subscription_url: 'https://example.pl' }, 'actions'],
        [{ actions: ['CALL_ENDED'] }, 'subscription_url'],
        [{ actions: ['CALL_ENDED'], subscription_url: 'relative/hook' }, 'subscription_url'],
        [{ actions: ['CALL_ENDED'], subscription_url: 'ftp://example.pl' }, 'subscription_url'],
        [{ actions: ['CALL_ENDED'], subscription_url: 'https://example.pl', http_auth_user: 7 }, 'http_auth_user'],
      ]
      for (const [payload, field] of cases) {
        const res = await hub.app.inject({ method: 'PUT', url: `${BASE}/${created.id}`, headers: user.headers, payload: payload as object })
        assertValidation(res, field, `PUT ${JSON.stringify(payload)}`)
      }
      const read = await hub.app.inject({ method: 'GET', url: `${BASE}/${created.id}`, headers: user.headers })
      assert.deepEqual(read.json(), { ...created, http_auth_password: MASK })
    })

    test('malformed JSON and an empty body answer 400', async (t) => {
      const hub = await startHub(t, engine)
      const user = await apiUser(hub)
      const created = await createWebhook(hub, user.headers, WITH_AUTH)
      for (const [method, url] of [['POST', BASE], ['PUT', `${BASE}/${created.id}`]] as const) {
        for (const payload of ['{"actions":["CHAT_CONVERSATION_CREATED"],', "{'actions':['X']}", '{"actions":["A"]}}']) {
          const res = await hub.app.inject({ method, url, headers: { ...user.headers, 'content-type': SEED_CONTENT_TYPE }, payload })
          assert.equal(res.statusCode, 400, `${method} ${payload}: ${res.body}`)
          assert.deepEqual(res.json(), { error: { code: 'HOOKHUB_INVALID_JSON', message: 'Body is not valid JSON', details: {} } })
        }
        const empty = await hub.app.inject({ method, url, headers: { ...user.headers, 'content-type': 'application/json' }, payload: '' })
        assert.equal(empty.statusCode, 400, `${method} with no body: ${empty.body}`)
        assert.equal(empty.json().error.code, 'HOOKHUB_VALIDATION_FAILED')
      }
      const list = await hub.app.inject({ method: 'GET', url: BASE, headers: user.headers })
      assert.deepEqual(list.json(), [{ ...created, http_auth_password: MASK }])
    })

    test('no credentials, a wrong password or a wrong user name answer 401 on every route', async (t) => {
      const hub = await startHub(t, engine)
      const user = await apiUser(hub)
      const created = await createWebhook(hub, user.headers, WITH_AUTH)
      const routes = [
        ['POST', BASE], ['GET', BASE], ['GET', `${BASE}/${created.id}`], ['PUT', `${BASE}/${created.id}`], ['DELETE', `${BASE}/${created.id}`],
      ] as const
      const wrong = [
        {},
        basic('api_user', 'api_pass'),
        basic('api_user', `${user.token}x`),
        basic('someone_else', user.token),
        basic('api_user', ''),
        { authorization: 'Basic' },
        { authorization: `Bearer ${user.token}x` },
      ]
      for (const [method, url] of routes) {
        for (const headers of wrong) {
          // An invalid body too: 401 comes before any validation.
          const res = await hub.app.inject({ method, url, headers, ...(method === 'POST' || method === 'PUT' ? { payload: { actions: [] } } : {}) })
          assert.equal(res.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)}: ${res.body}`)
          assert.deepEqual(res.json(), UNAUTHENTICATED)
          assert.match(String(res.headers['www-authenticate']), /Basic/)
        }
      }
      const read = await hub.app.inject({ method: 'GET', url: `${BASE}/${created.id}`, headers: user.headers })
      assert.equal(read.statusCode, 200, 'nothing was deleted')
    })

    test('without the webhooks permission each route answers 403 naming the permission it needs', async (t) => {
      const hub = await startHub(t, engine)
      const owner = await apiUser(hub)
      const created = await createWebhook(hub, owner.headers, WITH_AUTH)
      const other = await apiUser(hub, ['integrations.*', 'endpoints.*'], 'no_webhooks')
      const viewer = await apiUser(hub, ['webhooks.view'], 'viewer')
      const cases = [
        ['POST', BASE, 'webhooks.create'],
        ['GET', BASE, 'webhooks.view'],
        ['GET', `${BASE}/${created.id}`, 'webhooks.view'],
        ['PUT', `${BASE}/${created.id}`, 'webhooks.manage'],
        ['DELETE', `${BASE}/${created.id}`, 'webhooks.delete'],
      ] as const
      for (const [method, url, permission] of cases) {
        const payload = method === 'POST' || method === 'PUT' ? { payload: WITH_AUTH } : {}
        const res = await hub.app.inject({ method, url, headers: other.headers, ...payload })
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`)
        assert.deepEqual(res.json(), forbidden(permission))
        const asViewer = await hub.app.inject({ method, url, headers: viewer.headers, ...payload })
        if (permission === 'webhooks.view') {
          assert.equal(asViewer.statusCode, 200, `${method} ${url} as viewer`)
        } else {
          assert.equal(asViewer.statusCode, 403, `${method} ${url} as viewer: ${asViewer.body}`)
          assert.deepEqual(asViewer.json(), forbidden(permission))
        }
      }
      const list = await hub.app.inject({ method: 'GET', url: BASE, headers: owner.headers })
      assert.deepEqual(list.json(), [{ ...created, http_auth_password: MASK }], 'nothing was created, changed or deleted')
    })

    test('a wrong method answers 405 and an unknown sub-path 404, in the native shape', async (t) => {
      const hub = await startHub(t, engine)
      const user = await apiUser(hub)
      const created = await createWebhook(hub, user.headers, WITH_AUTH)
      const patch = await hub.app.inject({ method: 'PATCH', url: `${BASE}/${created.id}`, headers: user.headers, payload: { actions: ['X'] } })
      assert.equal(patch.statusCode, 405)
      assert.equal(patch.json().error.code, 'HOOKHUB_METHOD_NOT_ALLOWED')
      const deleteAll = await hub.app.inject({ method: 'DELETE', url: BASE, headers: user.headers })
      assert.equal(deleteAll.statusCode, 405)
      assert.equal(deleteAll.json().error.code, 'HOOKHUB_METHOD_NOT_ALLOWED')
      const unknown = await hub.app.inject({ method: 'GET', url: `${BASE}/${created.id}/actions`, headers: user.headers })
      assert.equal(unknown.statusCode, 404)
      assert.equal(unknown.json().error.code, 'HOOKHUB_ROUTE_NOT_FOUND')
      const list = await hub.app.inject({ method: 'GET', url: BASE, headers: user.headers })
      assert.deepEqual(list.json(), [{ ...created, http_auth_password: MASK }], 'nothing was changed or deleted')
    })

    test('.own permissions: a user sees and changes only its own webhooks', async (t) => {
      const hub = await startHub(t, engine)
      const own = ['webhooks.view.own', 'webhooks.create.own', 'webhooks.manage.own', 'webhooks.delete.own']
      const alice = await apiUser(hub, own, 'alice')
      const bob = await apiUser(hub, own, 'bob')
      const a = await createWebhook(hub, alice.headers, { actions: ['CALL_ENDED'], subscription_url: 'https://example.pl/a' })
      const b = await createWebhook(hub, bob.headers, { actions: ['CALL_ENDED'], subscription_url: 'https://example.pl/b' })
      assert.deepEqual((await hub.app.inject({ method: 'GET', url: BASE, headers: alice.headers })).json(), [a])
      assert.deepEqual((await hub.app.inject({ method: 'GET', url: BASE, headers: bob.headers })).json(), [b])
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const res = await hub.app.inject({
          method, url: `${BASE}/${b.id}`, headers: alice.headers, ...(method === 'PUT' && { payload: { actions: ['X'], subscription_url: 'https://example.pl/x' } }),
        })
        assert.equal(res.statusCode, 404, `${method} of another user's webhook`)
        assert.deepEqual(res.json(), NOT_FOUND)
      }
      const all = await hub.app.inject({ method: 'GET', url: BASE, headers: hub.admin })
      assert.deepEqual(all.json(), [a, b], 'the admin sees both, unchanged')
    })
  })
}
