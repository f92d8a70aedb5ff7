// CyberCert integrations dialect (seed 000): create, validation, auth, request-shape errors.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub } from '../../helpers/hub.ts'
import {
  assertNoCredentials, BASE, createIntegration, INBOUND_URL, WEBHOOK_FIELDS, LARAVEL_TIMESTAMP, SEED_REQUEST, storedCredentials,
  storedRow, UUID_V4, validationFailed,
} from './support.ts'

reportSkippedPostgres()

const MIB = 1024 * 1024

for (const engine of engines) {
  describe(`[${engine}] CyberCert integrations: create and validation`, () => {
    test("the seed's example request answers 201 with the seed's fields and formats", async (t) => {
      const hub = await startHub(t, engine)
      const user = await hub.userWith(['integrations.create', 'integrations.view'], 'seeduser')
      const res = await hub.app.inject({ method: 'POST', url: BASE, headers: { authorization: user.authorization }, payload: SEED_REQUEST })
      assert.equal(res.statusCode, 201)
      assert.match(String(res.headers['content-type']), /^application\/json/)
      assertNoCredentials(res.body, ['sk_live_...'], 'seed create')
      const body = res.json()
      assert.deepEqual(Object.keys(body).sort(), WEBHOOK_FIELDS)
      assert.match(body.inbound_url, INBOUND_URL)
      assert.ok(Number.isInteger(body.id) && body.id > 0, `numeric id: ${body.id}`)
      assert.match(body.uuid, UUID_V4)
      assert.match(body.created_at, LARAVEL_TIMESTAMP)
      assert.match(body.updated_at, LARAVEL_TIMESTAMP)
      assert.equal(body.updated_at, body.created_at)
      assert.ok(Math.abs(Date.parse(body.created_at) - Date.now()) < 60_000, `created_at is now: ${body.created_at}`)
      assert.deepEqual(body, {
        id: body.id,
        uuid: body.uuid,
        name: 'Stripe Webhook',
        type: 'webhook',
        provider: 'stripe',
        description: 'Stripe ödeme webhook entegrasyonu',
        config: {
          webhook_url: 'https://api.example.com/webhooks/stripe',
          events: ['payment.succeeded', 'payment.failed'],
        },
        metadata: null,
        status: 'pending',
        is_active: true,
        user_id: user.id,
        user: { id: user.id, email: 'seeduser@example.com' },
        inbound_url: body.inbound_url,
        created_at: body.created_at,
        updated_at: body.updated_at,
      })

      const got = await hub.app.inject({ method: 'GET', url: `${BASE}/${body.uuid}`, headers: { authorization: user.authorization } })
      assert.equal(got.statusCode, 200)
      assert.deepEqual(got.json(), body, 'the stored integration reads back exactly as created')
    })

    test("the seed's cURL example (no config, no credentials) is created with nulls", async (t) => {
      const hub = await startHub(t, engine)
      const body = await createIntegration(hub, {
        name: 'Stripe Webhook', type: 'webhook', provider: 'stripe', description: 'Stripe ödeme webhook entegrasyonu', status: 'pending',
      })
      assert.deepEqual(body, {
        id: body.id, uuid: body.uuid, name: 'Stripe Webhook', type: 'webhook', provider: 'stripe',
        description: 'Stripe ödeme webhook entegrasyonu', config: null, metadata: null, status: 'pending', is_active: true,
        user_id: 1, user: { id: 1, email: 'admin@localhost' }, inbound_url: body.inbound_url,
        created_at: body.created_at, updated_at: body.updated_at,
      })
      assert.match(String(body.inbound_url), INBOUND_URL)
      assert.equal((await storedRow(hub, body.uuid)).credentials, null)
    })

    test('defaults: status "pending", is_active true, optional fields null', async (t) => {
      const hub = await startHub(t, engine)
      const body = await createIntegration(hub, { name: 'Minimal', type: 'api' })
      assert.deepEqual(body, {
        id: body.id, uuid: body.uuid, name: 'Minimal', type: 'api', provider: null, description: null, config: null,
        metadata: null, status: 'pending', is_active: true, user_id: 1, user: { id: 1, email: 'admin@localhost' },
        created_at: body.created_at, updated_at: body.updated_at,
      })
      const row = await storedRow(hub, body.uuid)
      assert.equal(row.status, 'pending')
      assert.equal(row.is_active, 1)
    })

    test('config and metadata (objects and lists) are stored and returned unchanged', async (t) => {
      const hub = await startHub(t, engine)
      const config = { webhook_url: 'https://api.example.com/hook', retries: 3, nested: { deep: [1, 'two', null, true] } }
      const metadata = { owner: 'billing', tags: ['stripe', 'ödeme'], weight: 1.5 }
      const created = await createIntegration(hub, { name: 'Meta', type: 'oauth', config, metadata })
      assert.deepEqual(created.config, config)
      assert.deepEqual(created.metadata, metadata)
      const row = await storedRow(hub, created.uuid)
      assert.deepEqual(JSON.parse(String(row.config)), config)
      assert.deepEqual(JSON.parse(String(row.metadata)), metadata)
      const got = await hub.app.inject({ method: 'GET', url: `${BASE}/${created.uuid}`, headers: hub.admin })
      assert.deepEqual(got.json().config, config)
      assert.deepEqual(got.json().metadata, metadata)
      const list = await hub.app.inject({ method: 'GET', url: BASE, headers: hub.admin })
      assert.deepEqual(list.json().data[0].config, config)
      assert.deepEqual(list.json().data[0].metadata, metadata)

      const lists = await createIntegration(hub, { name: 'Lists', type: 'api', config: ['a', 'b'], metadata: [] })
      assert.deepEqual(lists.config, ['a', 'b'])
      assert.deepEqual(lists.metadata, [])
    })

    test('every type and status is accepted; is_active takes Laravel booleans', async (t) => {
      const hub = await startHub(t, engine)
      for (const type of ['webhook', 'oauth', 'api']) {
        assert.equal((await createIntegration(hub, { name: type, type })).type, type)
      }
      for (const status of ['active', 'inactive', 'error', 'pending']) {
        assert.equal((await createIntegration(hub, { name: status, type: 'api', status })).status, status)
      }
      const cases: [unknown, boolean][] = [[true, true], [false, false], [1, true], [0, false], ['1', true], ['0', false]]
      for (const [value, expected] of cases) {
        const body = await createIntegration(hub, { name: `active ${String(value)}`, type: 'api', is_active: value })
        assert.equal(body.is_active, expected, JSON.stringify(value))
        assert.equal((await storedRow(hub, body.uuid)).is_active, expected ? 1 : 0)
      }
    })

    test('strings are trimmed and blank optional strings become null', async (t) => {
      const hub = await startHub(t, engine)
      const body = await createIntegration(hub, {
        name: '  Stripe Webhook\t', type: ' webhook ', provider: '   ', description: '', status: ' active ',
      })
      assert.equal(body.name, 'Stripe Webhook')
      assert.equal(body.type, 'webhook')
      assert.equal(body.provider, null)
      assert.equal(body.description, null)
      assert.equal(body.status, 'active')
    })

    test('a name of exactly 255 characters (multibyte counted as one) is accepted', async (t) => {
      const hub = await startHub(t, engine)
      assert.equal((await createIntegration(hub, { name: 'x'.repeat(255), type: 'api' })).name, 'x'.repeat(255))
      assert.equal((await createIntegration(hub, { name: 'ğ'.repeat(255), type: 'api' })).name, 'ğ'.repeat(255))
    })

    test('fields the API does not accept (id, uuid, user_id, timestamps) are ignored', async (t) => {
      const hub = await startHub(t, engine)
      const other = await hub.userWith(['integrations.view'])
      const body = await createIntegration(hub, {
        name: 'Sneaky', type: 'api', id: 4242, uuid: '00000000-0000-4000-8000-000000000000', user_id: other.id,
        user: { id: other.id, email: 'x@example.com' }, created_at: '2000-01-01T00:00:00.000000Z', deleted_at: '2000-01-01T00:00:00.000000Z',
      })
      assert.notEqual(body.id, 4242)
      assert.notEqual(body.uuid, '00000000-0000-4000-8000-000000000000')
      assert.match(body.uuid, UUID_V4)
      assert.equal(body.user_id, 1)
      assert.deepEqual(body.user, { id: 1, email: 'admin@localhost' })
      assert.notEqual(body.created_at, '2000-01-01T00:00:00.000000Z')
      assert.equal('deleted_at' in body, false)
      assert.equal((await storedRow(hub, body.uuid)).deleted_at, null)
    })

    test('every created integration gets its own id and uuid', async (t) => {
      const hub = await startHub(t, engine)
      const a = await createIntegration(hub, { name: 'A', type: 'api' })
      const b = await createIntegration(hub, { name: 'B', type: 'api' })
      assert.ok(b.id > a.id)
      assert.notEqual(a.uuid, b.uuid)
    })
  })

  describe(`[${engine}] CyberCert integrations: credentials`, () => {
    test('credentials are never returned: create, get, list, put, patch, restore', async (t) => {
      const hub = await startHub(t, engine)
      const secrets = ['sk_live_SECRET_1234567890', 'whsec_ROTATED_abcdef']
      const created = await hub.app.inject({
        method: 'POST', url: BASE, headers: hub.admin,
        payload: { ...SEED_REQUEST, credentials: { api_key: secrets[0], nested: { deep: secrets[0] } } },
      })
      assert.equal(created.statusCode, 201)
      assertNoCredentials(created.body, secrets, 'create')
      const { uuid } = created.json()

      const reads = [
        ['get', 'GET', `${BASE}/${uuid}`, undefined],
        ['list', 'GET', BASE, undefined],
        ['list with_trashed', 'GET', `${BASE}?with_trashed=1`, undefined],
        ['search', 'GET', `${BASE}?search=stripe`, undefined],
        ['put', 'PUT', `${BASE}/${uuid}`, { name: 'Stripe', type: 'webhook', credentials: { api_key: secrets[1] } }],
        ['patch', 'PATCH', `${BASE}/${uuid}`, { description: 'x', credentials: { api_key: '********', extra: secrets[0] } }],
        ['patch mask', 'PATCH', `${BASE}/${uuid}`, { credentials: '********' }],
      ] as const
      for (const [label, method, url, payload] of reads) {
        const res = await hub.app.inject({ method, url, headers: hub.admin, payload })
        assert.equal(res.statusCode, 200, `${label}: ${res.body}`)
        assertNoCredentials(res.body, secrets, label)
      }
      assert.equal((await hub.app.inject({ method: 'DELETE', url: `${BASE}/${uuid}`, headers: hub.admin })).statusCode, 204)
      const trashed = await hub.app.inject({ method: 'GET', url: `${BASE}?with_trashed=true`, headers: hub.admin })
      assertNoCredentials(trashed.body, secrets, 'list of trashed')
      const restored = await hub.app.inject({ method: 'POST', url: `${BASE}/${uuid}/restore`, headers: hub.admin })
      assert.equal(restored.statusCode, 200)
      assertNoCredentials(restored.body, secrets, 'restore')
    })

    test('credentials are stored encrypted, not in plaintext, and open with the hub key', async (t) => {
      const hub = await startHub(t, engine)
      const credentials = { api_key: 'sk_live_PLAINTEXT_CHECK_42', client_secret: 'cs_ödeme_secret' }
      const created = await createIntegration(hub, { name: 'Enc', type: 'oauth', credentials })
      const row = await storedRow(hub, created.uuid)
      assert.equal(typeof row.credentials, 'string')
      for (const plain of ['sk_live_PLAINTEXT_CHECK_42', 'cs_ödeme_secret', 'api_key', 'client_secret']) {
        assert.equal(String(row.credentials).includes(plain), false, `${plain} is not stored in clear`)
      }
      assert.deepEqual(await storedCredentials(hub, created.uuid), credentials)

      // The same value sealed twice gives different ciphertexts (random IV).
      const again = await createIntegration(hub, { name: 'Enc2', type: 'oauth', credentials })
      assert.notEqual((await storedRow(hub, again.uuid)).credentials, row.credentials)
    })

    test('credentials "********" on create is not a value to keep: 422', async (t) => {
      const hub = await startHub(t, engine)
      const res = await hub.app.inject({ method: 'POST', url: BASE, headers: hub.admin, payload: { name: 'n', type: 'api', credentials: '********' } })
      assert.equal(res.statusCode, 422)
      assert.deepEqual(res.json(), validationFailed({ credentials: ['The credentials field must be an array.'] }))
    })
  })

  describe(`[${engine}] CyberCert integrations: validation errors (422)`, () => {
    test("missing name and type gives exactly the seed's 422 example", async (t) => {
      const hub = await startHub(t, engine)
      const seedError = {
        message: 'Validation failed',
        errors: {
          name: ['The name field is required.'],
          type: ['The type field is required.'],
        },
      }
      const { name: _n, type: _t, ...withoutBoth } = SEED_REQUEST
      for (const payload of [withoutBoth, {}, { name: '', type: '' }, { name: null, type: null }, { name: '   ', type: ' ' }]) {
        const res = await hub.app.inject({ method: 'POST', url: BASE, headers: hub.admin, payload })
        assert.equal(res.statusCode, 422, JSON.stringify(payload))
        assert.deepEqual(res.json(), seedError, JSON.stringify(payload))
      }
      // No body at all, and a JSON list instead of an object, are an empty input too.
      for (const payload of [undefined, '[]']) {
        const res = await hub.app.inject({
          method: 'POST', url: BASE, headers: { ...hub.admin, 'content-type': 'application/json' }, payload,
        })
        assert.equal(res.statusCode, 422, String(payload))
        assert.deepEqual(res.json(), seedError)
      }
      const count = await hub.database.db.selectFrom('integrations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      assert.equal(Number(count.n), 0, 'nothing was stored')
    })

    test('each rule answers 422 with Laravel wording', async (t) => {
      const hub = await startHub(t, engine)
      const valid = { name: 'Valid', type: 'api' }
      const cases: [Record<string, unknown>, Record<string, string[]>][] = [
        [{ type: 'api' }, { name: ['The name field is required.'] }],
        [{ name: 'n' }, { type: ['The type field is required.'] }],
        [{ ...valid, name: 'x'.repeat(256) }, { name: ['The name field must not be greater than 255 characters.'] }],
        [{ ...valid, name: 123 }, { name: ['The name field must be a string.'] }],
        [{ ...valid, name: { en: 'x' } }, { name: ['The name field must be a string.'] }],
        [{ ...valid, type: 'ftp' }, { type: ['The selected type is invalid.'] }],
        [{ ...valid, type: 'Webhook' }, { type: ['The selected type is invalid.'] }],
        [{ ...valid, type: 7 }, { type: ['The type field must be a string.', 'The selected type is invalid.'] }],
        [{ ...valid, provider: 5 }, { provider: ['The provider field must be a string.'] }],
        [{ ...valid, provider: 'p'.repeat(256) }, { provider: ['The provider field must not be greater than 255 characters.'] }],
        [{ ...valid, description: false }, { description: ['The description field must be a string.'] }],
        [{ ...valid, config: 'https://example.com' }, { config: ['The config field must be an array.'] }],
        [{ ...valid, config: 5 }, { config: ['The config field must be an array.'] }],
        [{ ...valid, credentials: 'sk_live_x' }, { credentials: ['The credentials field must be an array.'] }],
        [{ ...valid, metadata: true }, { metadata: ['The metadata field must be an array.'] }],
        [{ ...valid, status: 'done' }, { status: ['The selected status is invalid.'] }],
        [{ ...valid, status: 'PENDING' }, { status: ['The selected status is invalid.'] }],
        [{ ...valid, status: 3 }, { status: ['The status field must be a string.', 'The selected status is invalid.'] }],
        [{ ...valid, is_active: 'yes' }, { is_active: ['The is active field must be true or false.'] }],
        [{ ...valid, is_active: 'true' }, { is_active: ['The is active field must be true or false.'] }],
        [{ ...valid, is_active: 2 }, { is_active: ['The is active field must be true or false.'] }],
        [{ ...valid, is_active: null }, { is_active: ['The is active field must be true or false.'] }],
      ]
      for (const [payload, errors] of cases) {
        const res = await hub.app.inject({ method: 'POST', url: BASE, headers: hub.admin, payload })
        assert.equal(res.statusCode, 422, JSON.stringify(payload))
        assert.deepEqual(res.json(), validationFailed(errors), JSON.stringify(payload))
      }
    })

    test('a null or blank status fails string and in, as in Laravel', async (t) => {
      const hub = await startHub(t, engine)
      for (const status of [null, '', '  ']) {
        const res = await hub.app.inject({ method: 'POST', url: BASE, headers: hub.admin, payload: { name: 'n', type: 'api', status } })
        assert.equal(res.statusCode, 422, JSON.stringify(status))
        assert.deepEqual(res.json(), validationFailed({
          status: ['The status field must be a string.', 'The selected status is invalid.'],
        }), JSON.stringify(status))
      }
    })

    test('all failing fields are reported together', async (t) => {
      const hub = await startHub(t, engine)
      const res = await hub.app.inject({
        method: 'POST', url: BASE, headers: hub.admin,
        payload: { type: 'ftp', provider: [], config: 'x', metadata: 1, is_active: 'on', status: 'unknown', credentials: 9 },
      })
      assert.equal(res.statusCode, 422)
      assert.deepEqual(res.json(), validationFailed({
        name: ['The name field is required.'],
        type: ['The selected type is invalid.'],
        provider: ['The provider field must be a string.'],
        config: ['The config field must be an array.'],
        credentials: ['The credentials field must be an array.'],
        status: ['The selected status is invalid.'],
        metadata: ['The metadata field must be an array.'],
        is_active: ['The is active field must be true or false.'],
      }))
    })
  })

  describe(`[${engine}] CyberCert integrations: request shape, auth and methods`, () => {
    test('malformed JSON answers 400 with a message body', async (t) => {
      const hub = await startHub(t, engine)
      for (const payload of ['{"name":', '{name: "x"}', "{'name':'x'}", '{"name":"x",}']) {
        const res = await hub.app.inject({
          method: 'POST', url: BASE, headers: { ...hub.admin, 'content-type': 'application/json' }, payload,
        })
        assert.equal(res.statusCode, 400, payload)
        const body = res.json()
        assert.deepEqual(Object.keys(body), ['message'], res.body)
        assert.equal(typeof body.message, 'string')
        assert.ok(body.message.length > 0)
      }
      const count = await hub.database.db.selectFrom('integrations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      assert.equal(Number(count.n), 0)
    })

    test('a body of exactly 1 MiB is accepted; one byte more answers 413', async (t) => {
      const hub = await startHub(t, engine)
      const sized = (bytes: number) => {
        const shell = JSON.stringify({ name: 'Big', type: 'api', config: { pad: '' } })
        return JSON.stringify({ name: 'Big', type: 'api', config: { pad: 'x'.repeat(bytes - shell.length) } })
      }
      const headers = { ...hub.admin, 'content-type': 'application/json' }
      assert.equal(Buffer.byteLength(sized(MIB)), MIB)
      const fits = await hub.app.inject({ method: 'POST', url: BASE, headers, payload: sized(MIB) })
      assert.equal(fits.statusCode, 201, fits.body.slice(0, 200))
      const tooBig = await hub.app.inject({ method: 'POST', url: BASE, headers, payload: sized(MIB + 1) })
      assert.equal(tooBig.statusCode, 413)
      const body = tooBig.json()
      assert.deepEqual(Object.keys(body), ['message'])
      assert.equal(typeof body.message, 'string')
      const count = await hub.database.db.selectFrom('integrations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      assert.equal(Number(count.n), 1, 'only the body that fit was stored')
    })

    test('no or an invalid token answers 401 {"message":"Unauthenticated."} on every route', async (t) => {
      const hub = await startHub(t, engine)
      const { uuid } = await createIntegration(hub, { name: 'A', type: 'api' })
      const routes = [
        ['POST', BASE], ['GET', BASE], ['GET', `${BASE}/${uuid}`], ['PUT', `${BASE}/${uuid}`],
        ['PATCH', `${BASE}/${uuid}`], ['DELETE', `${BASE}/${uuid}`], ['POST', `${BASE}/${uuid}/restore`],
      ] as const
      for (const authorization of [undefined, 'Bearer nope', 'Bearer ', `Basic ${Buffer.from('admin:nope').toString('base64')}`]) {
        for (const [method, url] of routes) {
          const res = await hub.app.inject({
            method, url, headers: authorization ? { authorization } : {}, payload: method === 'GET' || method === 'DELETE' ? undefined : { name: 'x', type: 'api' },
          })
          assert.equal(res.statusCode, 401, `${method} ${url} ${authorization}`)
          assert.deepEqual(res.json(), { message: 'Unauthenticated.' })
        }
      }
      const row = await storedRow(hub, uuid)
      assert.equal(row.name, 'A', 'nothing changed')
      assert.equal(row.deleted_at, null)
    })

    test('401 comes before validation, JSON parsing and the size limit', async (t) => {
      const hub = await startHub(t, engine)
      const json = { 'content-type': 'application/json' }
      for (const payload of ['{}', '{"name":', JSON.stringify({ name: 'x', type: 'api', pad: 'x'.repeat(MIB) })]) {
        const res = await hub.app.inject({ method: 'POST', url: BASE, headers: json, payload })
        assert.equal(res.statusCode, 401, payload.slice(0, 20))
        assert.deepEqual(res.json(), { message: 'Unauthenticated.' })
      }
      const query = await hub.app.inject({ method: 'GET', url: `${BASE}?per_page=abc`, headers: {} })
      assert.equal(query.statusCode, 401)
      assert.deepEqual(query.json(), { message: 'Unauthenticated.' })
    })

    test('Basic <name>:<token> is accepted like Bearer', async (t) => {
      const hub = await startHub(t, engine)
      const user = await hub.userWith(['integrations.create'], 'basiccreator')
      const basic = `Basic ${Buffer.from(`basiccreator:${user.token}`).toString('base64')}`
      const body = await createIntegration(hub, { name: 'Via Basic', type: 'api' }, { authorization: basic })
      assert.equal(body.user_id, user.id)
    })

    test('a user without integrations permissions gets 403 {"message":"Forbidden"}, before validation', async (t) => {
      const hub = await startHub(t, engine)
      const nobody = await hub.userWith(['users.view.own'])
      const viewer = await hub.userWith(['integrations.view', 'integrations.manage', 'integrations.delete', 'integrations.restore'])
      for (const user of [nobody, viewer]) {
        for (const payload of [{ name: 'x', type: 'api' }, {}, { name: 5 }]) {
          const res = await hub.app.inject({ method: 'POST', url: BASE, headers: { authorization: user.authorization }, payload })
          assert.equal(res.statusCode, 403, JSON.stringify(payload))
          assert.deepEqual(res.json(), { message: 'Forbidden' })
        }
        const bad = await hub.app.inject({
          method: 'POST', url: BASE, headers: { authorization: user.authorization, 'content-type': 'application/json' }, payload: '{"x":',
        })
        assert.equal(bad.statusCode, 403)
        assert.deepEqual(bad.json(), { message: 'Forbidden' })
      }
      const count = await hub.database.db.selectFrom('integrations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      assert.equal(Number(count.n), 0)
    })

    test('integrations.create.own assigns user_id to the caller', async (t) => {
      const hub = await startHub(t, engine)
      const owner = await hub.userWith(['integrations.create.own', 'integrations.view.own'], 'ownercreator')
      const other = await hub.userWith(['integrations.view'], 'someoneelse')
      const body = await createIntegration(hub, { name: 'Mine', type: 'webhook', user_id: other.id }, { authorization: owner.authorization })
      assert.equal(body.user_id, owner.id)
      assert.deepEqual(body.user, { id: owner.id, email: 'ownercreator@example.com' })
      assert.equal((await storedRow(hub, body.uuid)).user_id, owner.id)
      const got = await hub.app.inject({ method: 'GET', url: `${BASE}/${body.uuid}`, headers: { authorization: owner.authorization } })
      assert.equal(got.statusCode, 200)
      assert.equal(got.json().user_id, owner.id)
    })

    test('integrations.* and * grant create', async (t) => {
      const hub = await startHub(t, engine)
      for (const permission of ['integrations.*', '*']) {
        const user = await hub.userWith([permission])
        const body = await createIntegration(hub, { name: permission, type: 'api' }, { authorization: user.authorization })
        assert.equal(body.user_id, user.id)
      }
    })

    test('a wrong method answers 405 with Laravel\'s message and Allow header, even without a token', async (t) => {
      const hub = await startHub(t, engine)
      const { uuid } = await createIntegration(hub, { name: 'A', type: 'api' })
      const cases: [string, string, string][] = [
        ['DELETE', BASE, 'GET, HEAD, POST'],
        ['PUT', BASE, 'GET, HEAD, POST'],
        ['PATCH', BASE, 'GET, HEAD, POST'],
        ['POST', `${BASE}/${uuid}`, 'GET, HEAD, PUT, PATCH, DELETE'],
        ['GET', `${BASE}/${uuid}/restore`, 'POST'],
        ['DELETE', `${BASE}/${uuid}/restore`, 'POST'],
      ]
      for (const [method, url, allow] of cases) {
        for (const headers of [hub.admin, {}]) {
          const res = await hub.app.inject({ method: method as 'GET', url, headers })
          assert.equal(res.statusCode, 405, `${method} ${url}`)
          assert.deepEqual(res.json(), {
            message: `The ${method} method is not supported for route ${url.slice(1)}. Supported methods: ${allow}.`,
          })
          assert.equal(res.headers.allow, allow, `${method} ${url}`)
        }
      }
      assert.equal((await storedRow(hub, uuid)).deleted_at, null)
    })
  })
}
