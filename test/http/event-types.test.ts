// The event-type catalog: /api/v1/event-types, and payloads checked against their type's schema on publish.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { assertError, assertFieldNamed } from '../helpers/native-errors.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'

reportSkippedPostgres()

const API_ONLY = { HOOKHUB_WORKERS: '0' }
type Auth = { authorization: string }

const inject = (hub: TestHub, method: string, url: string, payload?: unknown, headers: Auth = hub.admin) =>
  hub.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined && { payload: payload as object }) })

async function ok<T = Record<string, any>> (hub: TestHub, method: string, url: string, payload?: unknown, status = 200): Promise<T> {
  const res = await inject(hub, method, url, payload)
  assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`)
  return res.json() as T
}

const PAID = {
  type: 'object',
  required: ['invoice_id', 'amount'],
  properties: { invoice_id: { type: 'string' }, amount: { type: 'number', minimum: 0 }, paid_at: { type: 'string', format: 'date-time' } },
}

const eventCount = async (hub: TestHub) => (await ok<{ data: unknown[] }>(hub, 'GET', '/api/v1/events?limit=500')).data.length

for (const engine of engines) {
  describe(`[${engine}] event-type catalog`, () => {
    test('create, read, list, update and delete', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const created = await ok(hub, 'POST', '/api/v1/event-types', { name: 'invoice.paid', description: 'Paid', schema: PAID, example: { invoice_id: 'i1', amount: 3 } }, 201)
      assert.deepEqual(Object.keys(created).sort(), ['created_at', 'deprecated', 'description', 'example', 'name', 'schema', 'updated_at'])
      assert.deepEqual([created.name, created.description, created.schema, created.example, created.deprecated], ['invoice.paid', 'Paid', PAID, { invoice_id: 'i1', amount: 3 }, false])
      const bare = await ok(hub, 'POST', '/api/v1/event-types', { name: 'crm/contact.created' }, 201)
      assert.deepEqual([bare.description, bare.schema, bare.example, bare.deprecated], [null, null, null, false])
      assert.deepEqual(await ok(hub, 'GET', '/api/v1/event-types/invoice.paid'), created)
      assert.equal((await ok(hub, 'GET', '/api/v1/event-types/crm%2Fcontact.created')).name, 'crm/contact.created')
      const page = await ok<{ data: { name: string }[] }>(hub, 'GET', '/api/v1/event-types?limit=500')
      assert.deepEqual(page.data.map((x) => x.name).sort(), ['crm/contact.created', 'invoice.paid'])
      const first = await ok<{ data: unknown[]; next_cursor: string }>(hub, 'GET', '/api/v1/event-types?limit=1')
      const second = await ok<{ data: unknown[]; next_cursor: null }>(hub, 'GET', `/api/v1/event-types?limit=1&cursor=${first.next_cursor}`)
      assert.equal(first.data.length + second.data.length, 2)

      const deprecated = await ok(hub, 'PATCH', '/api/v1/event-types/invoice.paid', { deprecated: true, description: null })
      assert.deepEqual([deprecated.deprecated, deprecated.description, deprecated.schema], [true, null, PAID])
      assert.equal((await inject(hub, 'DELETE', '/api/v1/event-types/invoice.paid')).statusCode, 204)
      assertError(await inject(hub, 'GET', '/api/v1/event-types/invoice.paid'), 404, 'HOOKHUB_NOT_FOUND')
      assertError(await inject(hub, 'PATCH', '/api/v1/event-types/invoice.paid', { deprecated: false }), 404, 'HOOKHUB_NOT_FOUND')
      assertError(await inject(hub, 'DELETE', '/api/v1/event-types/invoice.paid'), 404, 'HOOKHUB_NOT_FOUND')
    })

    test('bad input: a taken name 409, an invalid schema or an example it rejects 422, bad fields 422, no auth 401, no permission 403', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      await ok(hub, 'POST', '/api/v1/event-types', { name: 'a' }, 201)
      assertError(await inject(hub, 'POST', '/api/v1/event-types', { name: 'a' }), 409, 'HOOKHUB_CONFLICT')
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/event-types', { name: 'b', schema: { type: 'nope' } }), 'schema', 'invalid schema')
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/event-types', { name: 'b', schema: { $ref: 'https://example.com/s.json' } }), 'schema', 'remote $ref')
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/event-types', { name: 'b', schema: 'string' }), 'schema', 'schema of a wrong type')
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/event-types', { name: 'b', schema: PAID, example: { amount: -1 } }), 'example', 'example the schema rejects')
      assertFieldNamed(await inject(hub, 'PATCH', '/api/v1/event-types/a', { schema: { minimum: 'x' } }), 'schema', 'invalid schema on update')
      await ok(hub, 'PATCH', '/api/v1/event-types/a', { example: { amount: -1 } })
      assertFieldNamed(await inject(hub, 'PATCH', '/api/v1/event-types/a', { schema: PAID }), 'example', 'a schema rejecting the stored example')
      for (const name of ['', 'a b', 'x'.repeat(256)]) assertFieldNamed(await inject(hub, 'POST', '/api/v1/event-types', { name }), 'name', JSON.stringify(name))
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/event-types', { name: 'c', deprecated: 'yes' }), 'deprecated', 'deprecated of a wrong type')
      assertFieldNamed(await inject(hub, 'POST', '/api/v1/event-types', { name: 'c', extra: 1 }), 'extra', 'unknown field')
      assertFieldNamed(await inject(hub, 'PATCH', '/api/v1/event-types/a', { name: 'renamed' }), 'name', 'the name is not changed')
      const malformed = await hub.app.inject({ method: 'POST', url: '/api/v1/event-types', headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{' })
      assertError(malformed, 400, 'HOOKHUB_INVALID_JSON')
      assertError(await inject(hub, 'POST', '/api/v1/event-types', { name: 'big', description: 'x'.repeat(1024 * 1024) }), 413, 'HOOKHUB_BODY_TOO_LARGE')
      assertError(await hub.app.inject({ method: 'GET', url: '/api/v1/event-types' }), 401, 'HOOKHUB_UNAUTHENTICATED')
      const viewer = await hub.userWith(['event_types.view'])
      assert.equal((await inject(hub, 'GET', '/api/v1/event-types/a', undefined, viewer)).statusCode, 200)
      assertError(await inject(hub, 'POST', '/api/v1/event-types', { name: 'd' }, viewer), 403, 'HOOKHUB_FORBIDDEN')
      assertError(await inject(hub, 'DELETE', '/api/v1/event-types/a', undefined, viewer), 403, 'HOOKHUB_FORBIDDEN')
      const own = await hub.userWith(['event_types.view.own'])
      assertError(await inject(hub, 'GET', '/api/v1/event-types', undefined, own), 403, 'HOOKHUB_FORBIDDEN')
    })

    test('a payload its type\'s schema rejects answers 422 HOOKHUB_PAYLOAD_INVALID with the paths, and nothing is stored', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      await ok(hub, 'POST', '/api/v1/event-types', { name: 'invoice.paid', schema: PAID }, 201)
      const refused = await inject(hub, 'POST', '/api/v1/events', { type: 'invoice.paid', payload: { invoice_id: 'i1', amount: -5, paid_at: 'yesterday' } })
      const error = assertError(refused, 422, 'HOOKHUB_PAYLOAD_INVALID')
      const errors = (error.details as { errors: { path: string; message: string }[] }).errors
      assert.deepEqual(errors.map((e) => e.path).sort(), ['/amount', '/paid_at'])
      assert.ok(errors.every((e) => typeof e.message === 'string' && e.message.length > 0))
      const missing = assertError(await inject(hub, 'POST', '/api/v1/events', { type: 'invoice.paid', payload: { amount: 1 } }), 422, 'HOOKHUB_PAYLOAD_INVALID')
      assert.deepEqual((missing.details as { errors: { path: string }[] }).errors.map((e) => e.path), ['/invoice_id'])
      assertError(await inject(hub, 'POST', '/api/v1/events', { type: 'invoice.paid', payload: [1] }), 422, 'HOOKHUB_PAYLOAD_INVALID')
      assert.equal(await eventCount(hub), 0, 'nothing stored')

      await ok(hub, 'POST', '/api/v1/events', { type: 'invoice.paid', payload: { invoice_id: 'i1', amount: 5 } }, 202)
      await ok(hub, 'POST', '/api/v1/events', { type: 'not.in.catalog', payload: 'anything' }, 202)
      await ok(hub, 'POST', '/api/v1/event-types', { name: 'described.only' }, 201)
      await ok(hub, 'POST', '/api/v1/events', { type: 'described.only', payload: 42 }, 202)
      assert.equal(await eventCount(hub), 3)
    })

    test('a changed schema applies to the next publish; a cleared or deleted one lets every payload through', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      await ok(hub, 'POST', '/api/v1/event-types', { name: 'n', schema: { type: 'integer' } }, 201)
      const publish = (payload: unknown) => inject(hub, 'POST', '/api/v1/events', { type: 'n', payload })
      assert.equal((await publish(1)).statusCode, 202)
      assert.equal((await publish('one')).statusCode, 422)
      // Changed twice within the same millisecond or not, each version is compiled anew.
      await ok(hub, 'PATCH', '/api/v1/event-types/n', { schema: { type: 'string' } })
      assert.equal((await publish(1)).statusCode, 422)
      assert.equal((await publish('one')).statusCode, 202)
      await ok(hub, 'PATCH', '/api/v1/event-types/n', { schema: false })
      assert.equal((await publish('one')).statusCode, 422)
      await ok(hub, 'PATCH', '/api/v1/event-types/n', { schema: null })
      assert.equal((await publish(true)).statusCode, 202)
      await ok(hub, 'PATCH', '/api/v1/event-types/n', { schema: { type: 'integer' } })
      assert.equal((await publish(true)).statusCode, 422)
      assert.equal((await inject(hub, 'DELETE', '/api/v1/event-types/n')).statusCode, 204)
      assert.equal((await publish(true)).statusCode, 202)
    })
  })
}
