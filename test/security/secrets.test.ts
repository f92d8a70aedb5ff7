// Secrets at rest and in logs: after integrations, distributors, Thulium webhooks, integration
// points, sources and endpoints are created with secrets, deliveries made with them and inbound
// hooks verified with them, no table (and, on SQLite, no byte of the database file or its WAL)
// holds any of them in plain text, and no log line of the whole file does either (see
// support.ts). A database opened with another HOOKHUB_SECRET_KEY is refused at start and left
// as it was. (The CLI's wording of that refusal is in test/cli/config-errors.real.test.ts.)
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { describe, test } from 'node:test'
import { sql } from 'kysely'
import { createHub, prepareDatabase, type Hub } from '../../src/app.ts'
import { ConfigError, loadConfig, type Config } from '../../src/config.ts'
import { createSecretBox, generateSecretKey } from '../../src/core/secret-box.ts'
import { FAST_DELIVERY, settled } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { ADMIN_TOKEN } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'
import { assertNoSecretsLogged, capturedLogger, durableDatabase, loggedLines, newSecret, rememberSecret, secretsMade } from './support.ts'

reportSkippedPostgres()

type Durable = Awaited<ReturnType<typeof durableDatabase>>

async function openHub (db: Durable, key: Buffer, env: Record<string, string> = {}): Promise<Hub & { config: Config }> {
  const config = { ...loadConfig({ HOOKHUB_ADMIN_TOKEN: ADMIN_TOKEN, ...env }), database: db.target }
  return db.fresh.exclusive(() => createHub({ config, secretKey: key, logger: capturedLogger(), databaseOptions: { schema: db.fresh.schema, poolSize: 4 } }))
}

/** Every row of every table of the hub's database, as text. */
async function everyRow (hub: Hub, schema: string | undefined): Promise<{ text: string; tables: number }> {
  const tables = (await hub.database.db.introspection.getTables()).filter((table) => !schema || table.schema === schema)
  assert.ok(tables.length >= 10, `found ${tables.length} tables`)
  const dumps: string[] = []
  for (const table of tables) {
    const rows = await sql`select * from ${sql.table(schema ? `${schema}.${table.name}` : table.name)}`.execute(hub.database.db)
    dumps.push(JSON.stringify(rows.rows, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('latin1') : typeof value === 'bigint' ? String(value) : value)))
  }
  return { text: dumps.join('\n'), tables: tables.length }
}

/** The forms a secret could take in storage: as is, in a URL, in base64 (HTTP Basic), in hex. */
const formsOf = (secret: string) => [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')]

for (const engine of engines) {
  describe(`[${engine}] secrets at rest and in logs`, () => {
    test('no table, file or log line holds a secret in plain text; another secret key is refused at start', async (t) => {
      const db = await durableDatabase(t, engine)
      const key = generateSecretKey()
      rememberSecret(ADMIN_TOKEN)
      rememberSecret(key.toString('base64'))
      rememberSecret(key.toString('hex'))
      const sink = await startSink(t)
      // A generous timeout: on a busy machine a slow answer would only add a retry.
      // Every request logged, so that every request line is checked for secrets.
      const hub = await openHub(db, key, { ...FAST_DELIVERY, HOOKHUB_REQUEST_TIMEOUT: '5s', HOOKHUB_METRICS_TOKEN: newSecret('metrics'), HOOKHUB_ACCESS_LOG: 'all' })
      let closed = false
      t.after(async () => { if (!closed) await hub.close() })
      const inject = async (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) => {
        const res = await hub.app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-target-server': 'integration', ...headers }, ...(payload !== undefined && { payload: payload as object }) })
        assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`)
        return res.json() as Record<string, any>
      }

      // Users and tokens.
      const user = await inject('POST', '/api/v1/users', { email: 'ops@example.com', name: 'ops', permissions: ['endpoints.view'] })
      rememberSecret(user.token)
      rememberSecret((await inject('POST', `/api/v1/users/${user.id}/tokens`)).token)
      // Native endpoints with every kind of auth, delivering to the sink so that attempts are stored.
      const password = newSecret('basicpw')
      const bearer = newSecret('bearer')
      const queryToken = newSecret('qtoken')
      for (const auth of [{ type: 'basic', username: 'u', password }, { type: 'bearer', token: bearer }, { type: 'query', token: queryToken }]) {
        const endpoint = await inject('POST', '/api/v1/endpoints', { url: `${sink.url}/in`, auth, filter: { types: ['secret.*'] } })
        rememberSecret(endpoint.secret)
        rememberSecret(endpoint.secret.slice('whsec_'.length))
      }
      const rotated = await inject('POST', '/api/v1/endpoints', { url: 'https://receiver.example.com/x', filter: { types: ['never.*'] } })
      rememberSecret(rotated.secret)
      const next = await inject('POST', `/api/v1/endpoints/${rotated.id}/rotate-secret`)
      rememberSecret(next.secret)
      // Sources, and every dialect's secrets.
      const sourceSecret = newSecret('kanboard')
      const source = await inject('POST', '/api/v1/sources', { name: 'k', verify: 'kanboard', secret: sourceSecret })
      await inject('POST', '/api/v1/integrations', {
        name: 'Stripe', type: 'webhook', provider: 'stripe',
        credentials: { webhook_secret: newSecret('whsec'), api_key: newSecret('sk_live'), nested: { client_secret: newSecret('oauth') } },
      })
      await inject('POST', '/api/v1/integrations', { name: 'CRM', type: 'oauth', credentials: { client_id: 'id', client_secret: newSecret('client') } })
      const node = await inject('POST', '/api/v1/integration/nodes', { name: 'Acme', type: 1 })
      await inject('POST', `/api/v1/integration/distributors/nodes/${node.id}`, { meta: { host: 'https://receiver.example.com', path: '/a', method: 2, authentication: { type: 1, username: 'user', password: newSecret('distpw') } } })
      const distributor = await inject('POST', `/api/v1/integration/distributors/nodes/${node.id}`, { meta: { host: 'https://receiver.example.com', path: '/b', method: 2, authentication: { type: 2, token: newSecret('disttoken') } } })
      await inject('PUT', `/api/v1/integration/distributors/${distributor.id}`, { meta: { host: 'https://receiver.example.com', path: '/c', method: 2, authentication: { type: 2, token: newSecret('disttoken2') } } })
      await inject('POST', '/api/webhooks', { actions: ['CALL_ENDED'], subscription_url: 'https://receiver.example.com/t', http_auth_user: 'api', http_auth_password: newSecret('thpw') })
      const point = await inject('POST', '/rest/v1/service/integration_points', { code: 'SEC', type: 'public', url: 'https://receiver.example.com/p', token_remote: newSecret('trem1'), token_remote2: newSecret('trem2') })
      await inject('PATCH', `/rest/v1/service/integration_points/${point.id}`, { token_remote: newSecret('trem3') })

      // Use them: deliveries with each auth, inbound hooks with their secrets, wrong tokens, metrics.
      const event = await inject('POST', '/api/v1/events', { type: 'secret.test', payload: { n: 1 } })
      const deliveries = await settled({ app: hub.app, admin: { authorization: `Bearer ${ADMIN_TOKEN}` } } as Parameters<typeof settled>[0], event.id)
      assert.ok(deliveries.every((d) => d.status === 'succeeded'), JSON.stringify(deliveries.map((d) => d.status)))
      assert.ok(sink.received.length >= 3, 'each endpoint delivered (at least once)')
      const hookPath = new URL(source.inbound_url as string).pathname
      assert.equal((await hub.app.inject({ method: 'POST', url: `${hookPath}?token=${sourceSecret}`, headers: { 'content-type': 'application/json' }, payload: '{"event_name":"task.create"}' })).statusCode, 200)
      assert.equal((await hub.app.inject({ method: 'POST', url: `${hookPath}?token=${newSecret('guess')}`, headers: { 'content-type': 'application/json' }, payload: '{}' })).statusCode, 401)
      assert.equal((await hub.app.inject({ method: 'POST', url: `/hooks/${point.token_local}?token=${newSecret('guess')}`, headers: { 'content-type': 'application/json' }, payload: '{}' })).statusCode, 401)
      assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: { authorization: `Bearer ${newSecret('hh_wrong')}` } })).statusCode, 401)
      assert.equal((await hub.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${newSecret('wrongmetrics')}` } })).statusCode, 401)

      // At rest: no table holds a secret (the sink saw them, so they were real).
      const { text: rows, tables } = await everyRow(hub, db.fresh.schema)
      const delivered = sink.received.map((r) => JSON.stringify(r.headers) + r.url).join('\n')
      for (const secret of [password, bearer, queryToken]) assert.ok(delivered.includes(secret) || delivered.includes(Buffer.from(`u:${secret}`).toString('base64')), 'the receiver got the credential')
      const leaked = (text: string) => [...secretsMade()].filter((secret) => formsOf(secret).some((form) => text.includes(form)))
      assert.ok(rows.includes('ops@example.com') && rows.includes(point.token_local), 'the dump holds the data (a control)')
      assert.deepEqual(leaked(rows), [], 'secrets in the tables')
      await hub.close()
      closed = true
      if (db.file) {
        const bytes = [db.file, `${db.file}-wal`].filter(fs.existsSync).map((f) => fs.readFileSync(f).toString('latin1')).join('')
        assert.ok(bytes.includes('ops@example.com'), 'the database file was read (a control)')
        assert.deepEqual(leaked(bytes), [], 'secrets in the database file')
      }
      assert.ok(loggedLines().some((line) => line.includes('"path":"/hooks/****?token=****')), 'requests were logged, path tokens and query secrets redacted (a control)')
      assertNoSecretsLogged()
      t.diagnostic(`${secretsMade().size} secrets looked for in ${tables} tables${db.file ? ', the database file' : ''} and ${loggedLines().length} log lines`)

      // Another key: refused at start with a clear message, and the database is left as it was.
      await assert.rejects(
        db.fresh.exclusive(() => prepareDatabase({ ...hub.config, database: db.target }, createSecretBox(generateSecretKey()), { schema: db.fresh.schema })),
        (err: Error) => err instanceof ConfigError && /HOOKHUB_SECRET_KEY does not match/.test(err.message))
      const again = await openHub(db, key)
      t.after(() => again.close())
      const integrations = await again.app.inject({ method: 'GET', url: '/api/v1/integrations', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      assert.equal(integrations.json().total, 2, 'the right key still opens the same data')
      const points = await again.app.inject({ method: 'GET', url: `/rest/v1/service/integration_points/${point.id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      assert.equal(points.json().token_remote, '********', 'and reads keep secrets masked')
    })
  })
}
