// Custom endpoint headers: every value is stored encrypted; the values of sensitive names
// (authorization, proxy-authorization, cookie, or containing token, secret, key, signature,
// password, auth) read back as "****" in the endpoint and in the request an attempt recorded
// (hookhub's own webhook-signature included), and reach no log line; "****" sent back in an
// update keeps the stored value. Rows stored in plain text before this keep working and are
// encrypted when the hub starts.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from 'kysely'
import { createHub } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { generateSecretKey } from '../../src/core/secret-box.ts'
import { FAST_DELIVERY, settled } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { ADMIN_TOKEN, startHub, type TestHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'
import { assertError } from '../helpers/native-errors.ts'
import { capturedLogger, durableDatabase, newSecret } from './support.ts'

/** Every request logged, so that the check of the captured log for secrets reads every line there is. */
const ACCESS_LOGGED = { ...FAST_DELIVERY, HOOKHUB_ACCESS_LOG: 'all' }

reportSkippedPostgres()

const MASK = '****'

/** Sensitive names in the spellings clients use, each with a fresh secret value. */
const sensitiveHeaders = () => ({
  Authorization: `Bearer ${newSecret('hdr_auth')}`,
  'Proxy-Authorization': `Basic ${newSecret('hdr_proxy')}`,
  Cookie: `session=${newSecret('hdr_cookie')}`,
  'X-API-KEY': newSecret('hdr_key'),
  'X-Access-Token': newSecret('hdr_token'),
  'X-Client-Secret': newSecret('hdr_secret'),
  'X-Hub-Signature': newSecret('hdr_sig'),
  'X-Password': newSecret('hdr_pw'),
  'X-Authed-User': newSecret('hdr_authed'),
})
const PLAIN = { 'X-Tenant': 'acme-tenant-7', Accept: 'application/json' }

const masked = (headers: Record<string, string>) => Object.fromEntries(Object.keys(headers).map((name) => [name, MASK]))

async function call (hub: Pick<TestHub, 'app'>, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  return hub.app.inject({ method, url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, ...(payload && { payload }) })
}

for (const engine of engines) {
  describe(`[${engine}] custom endpoint headers`, () => {
    test('sensitive values read back as "****" in the endpoint, its list, its health and its attempts; the receiver gets them all', async (t) => {
      const hub = await startHub(t, engine, ACCESS_LOGGED, { logger: capturedLogger() })
      const sink = await startSink(t)
      const secret = sensitiveHeaders()
      const created = await call(hub, 'POST', '/api/v1/endpoints', { url: `${sink.url}/in`, headers: { ...secret, ...PLAIN } })
      assert.equal(created.statusCode, 201, created.body)
      const id = created.json().id as string
      const expected = { ...masked(secret), ...PLAIN }
      assert.deepEqual(created.json().headers, expected, 'the create response')
      assert.deepEqual((await call(hub, 'GET', `/api/v1/endpoints/${id}`)).json().headers, expected, 'one endpoint')
      assert.deepEqual((await call(hub, 'GET', '/api/v1/endpoints')).json().data[0].headers, expected, 'the list')

      const event = (await call(hub, 'POST', '/api/v1/events', { type: 'mask.test', payload: { n: 1 } })).json()
      const [delivery] = await settled(hub, event.id)
      assert.equal(delivery.status, 'succeeded')
      for (const [name, value] of Object.entries({ ...secret, ...PLAIN })) {
        assert.equal(sink.received[0].headers[name.toLowerCase()], value, `the receiver got ${name}`)
      }
      const sent = delivery.attempts![0].request.headers
      for (const name of Object.keys(secret)) assert.equal(sent[name], MASK, `the attempt masks ${name}`)
      assert.equal(sent['webhook-signature'], MASK, 'the signature hookhub sent is masked too')
      assert.match(sent['webhook-id'], /^evt_/)
      assert.equal(sent['X-Tenant'], PLAIN['X-Tenant'])
      const health = (await call(hub, 'GET', `/api/v1/endpoints/${id}/health`)).json()
      assert.equal(health.recent_attempts[0].request.headers['X-API-KEY'], MASK, 'the health view')

      // At rest: the endpoint row holds no header value, plain ones included; attempts hold no secret.
      const endpoints = await sql<{ headers: string }>`select headers from endpoints`.execute(hub.database.db)
      for (const value of [...Object.values(secret), ...Object.values(PLAIN)]) {
        assert.ok(!endpoints.rows[0].headers.includes(value), `${value.slice(0, 12)}… is not stored in plain text`)
      }
      const attempts = JSON.stringify((await sql`select request from attempts`.execute(hub.database.db)).rows)
      for (const value of Object.values(secret)) assert.ok(!attempts.includes(value.split(/[ =]/).pop()!), 'no secret in the stored attempt')
      // No log line holds a secret header value either: support.ts checks when the file ends.
    })

    test('"****" sent back in an update keeps the stored value; "****" with nothing stored is refused', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      const apiKey = newSecret('hdr_key')
      const created = (await call(hub, 'POST', '/api/v1/endpoints', { url: `${sink.url}/in`, headers: { 'X-Api-Key': apiKey, 'X-Tenant': 'a' } })).json()
      const read = (await call(hub, 'GET', `/api/v1/endpoints/${created.id}`)).json()
      const updated = await call(hub, 'PATCH', `/api/v1/endpoints/${created.id}`, { headers: { ...read.headers, 'X-Tenant': 'b' } })
      assert.equal(updated.statusCode, 200, updated.body)
      assert.deepEqual(updated.json().headers, { 'X-Api-Key': MASK, 'X-Tenant': 'b' })
      // The name may come back in another case.
      assert.equal((await call(hub, 'PATCH', `/api/v1/endpoints/${created.id}`, { headers: { 'x-api-key': MASK, 'X-Tenant': 'b' } })).statusCode, 200)
      const event = (await call(hub, 'POST', '/api/v1/events', { type: 'mask.test', payload: {} })).json()
      assert.equal((await settled(hub, event.id))[0].status, 'succeeded')
      assert.equal(sink.received[0].headers['x-api-key'], apiKey, 'the stored value, not the mask, is sent')
      assert.equal(sink.received[0].headers['x-tenant'], 'b')

      const unbacked = await call(hub, 'PATCH', `/api/v1/endpoints/${created.id}`, { headers: { 'X-Other-Key': MASK } })
      const error = assertError(unbacked, 422, 'HOOKHUB_VALIDATION_FAILED')
      assert.match(JSON.stringify(error.details), /X-Other-Key is \\"\*\*\*\*\\" but no value is stored/)
      assertError(await call(hub, 'POST', '/api/v1/endpoints', { url: sink.url, headers: { 'X-Api-Key': MASK } }), 422, 'HOOKHUB_VALIDATION_FAILED')
    })

    test('headers stored in plain text before the upgrade are read, sent and masked, and encrypted at the next start', async (t) => {
      const db = await durableDatabase(t, engine)
      const key = generateSecretKey()
      const open = () => db.fresh.exclusive(() => createHub({
        config: { ...loadConfig({ HOOKHUB_ADMIN_TOKEN: ADMIN_TOKEN, ...FAST_DELIVERY }), database: db.target },
        secretKey: key, logger: false, databaseOptions: { schema: db.fresh.schema, poolSize: 4 },
      }))
      const sink = await startSink(t)
      const apiKey = newSecret('hdr_old')
      let hub = await open()
      const settledOn = (eventId: string) => settled({ app: hub.app, admin: { authorization: `Bearer ${ADMIN_TOKEN}` } } as TestHub, eventId)
      try {
        const id = (await call(hub, 'POST', '/api/v1/endpoints', { url: `${sink.url}/in` })).json().id as string
        // What an earlier version stored: the headers as a plain JSON object.
        await hub.database.db.updateTable('endpoints').set({ headers: JSON.stringify({ 'X-Api-Key': apiKey, 'X-Tenant': 'a' }) }).where('id', '=', id).execute()
        assert.deepEqual((await call(hub, 'GET', `/api/v1/endpoints/${id}`)).json().headers, { 'X-Api-Key': MASK, 'X-Tenant': 'a' })
        const event = (await call(hub, 'POST', '/api/v1/events', { type: 'old.row', payload: {} })).json()
        assert.equal((await settledOn(event.id))[0].status, 'succeeded')
        assert.equal(sink.received[0].headers['x-api-key'], apiKey)
      } finally {
        await hub.close()
      }
      hub = await open()
      try {
        const stored = (await hub.database.db.selectFrom('endpoints').select('headers').executeTakeFirstOrThrow()).headers
        assert.ok(!stored.includes(apiKey) && !stored.includes('X-Tenant'), `encrypted at start: ${stored.slice(0, 40)}`)
        const event = (await call(hub, 'POST', '/api/v1/events', { type: 'old.row', payload: {} })).json()
        assert.equal((await settledOn(event.id))[0].status, 'succeeded')
        assert.equal(sink.received[1].headers['x-api-key'], apiKey, 'and still sent')
      } finally {
        await hub.close()
      }
    })
  })
}
