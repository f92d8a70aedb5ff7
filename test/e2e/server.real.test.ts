// Real tier: the hookhub executable on a real SQLite file, spoken to over a real socket.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { childEnv, fetchWithin, runHookhub, startServe, tempDir, type Served } from '../helpers/child.ts'

const MARKER = 'sk_live_unique_marker'

/** The body of the seed's cURL example (000_bd0d3c658d0447bd.txt), exactly as written there. */
const SEED_CURL_BODY = `{
"name": "Stripe Webhook",
"type": "webhook",
"provider": "stripe",
"description": "Stripe ödeme webhook entegrasyonu",
"status": "pending"
}`

const LARAVEL_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const api = (hub: Served, token: string, pathname: string, init: RequestInit = {}) =>
  fetchWithin(`${hub.url}${pathname}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) },
  })

/** Every byte of the SQLite files that exist right now (the database and its write-ahead log). */
function databaseBytes (dir: string): Buffer {
  return Buffer.concat(['hub.db', 'hub.db-wal']
    .map((name) => path.join(dir, name))
    .filter((file) => fs.existsSync(file))
    .map((file) => fs.readFileSync(file)))
}

test('first start generates the key (0600) and an admin token once; an integration survives a restart with its credentials encrypted', async (t) => {
  const dir = tempDir(t)
  const env = childEnv({ HOOKHUB_DATABASE_URL: `sqlite:${path.join(dir, 'hub.db')}` })
  const outputs: string[] = []

  // First start: key file next to the database, admin token printed.
  const first = await startServe(t, env)
  const keyFile = path.join(dir, 'secret.key')
  assert.ok(fs.existsSync(keyFile), 'secret.key is generated next to the database file')
  assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600, 'the generated key file is readable by its owner only')
  const keyText = fs.readFileSync(keyFile, 'utf8')
  assert.equal(Buffer.from(keyText.trim(), 'base64').length, 32, 'the key file holds a 32-byte key')
  assert.ok(first.stdout().includes(keyFile), 'the generated key file is logged')
  assert.match(first.adminToken ?? '', /^hh_\S{20,}$/, `the first start prints an admin token:\n${first.stdout()}`)
  const adminToken = first.adminToken!

  const users = await api(first, adminToken, '/api/v1/users')
  assert.equal(users.status, 200, 'the printed admin token signs in')

  // A user created with the CLI while the hub runs.
  const created = await runHookhub(t, [
    'user', 'create', '--email', 'a@b.c', '--name', 'ops', '--permissions', 'integrations.view,integrations.create.own',
  ], env)
  outputs.push(created.stdout, created.stderr)
  assert.equal(created.code, 0, created.stderr)
  const opsId = Number(/created user (\d+)/.exec(created.stdout)?.[1])
  const opsToken = /token \(shown once\): (\S+)/.exec(created.stdout)?.[1]
  assert.ok(Number.isInteger(opsId) && opsId > 0, `user create prints the new user's id:\n${created.stdout}`)
  assert.ok(opsToken, `user create prints the token:\n${created.stdout}`)

  // The seed's cURL example, byte for byte, over a real socket.
  const seeded = await api(first, opsToken, '/api/v1/integrations', { method: 'POST', body: SEED_CURL_BODY })
  assert.equal(seeded.status, 201)
  assert.match(String(seeded.headers.get('content-type')), /^application\/json/)
  const body = await seeded.json() as Record<string, unknown>
  for (const key of ['id', 'uuid', 'name', 'type', 'provider', 'description', 'config', 'status', 'is_active', 'user_id', 'user', 'created_at', 'updated_at']) {
    assert.ok(key in body, `the response has the seed's field ${key}: ${JSON.stringify(body)}`)
  }
  assert.equal(typeof body.id, 'number')
  assert.match(String(body.uuid), UUID)
  assert.equal(body.name, 'Stripe Webhook')
  assert.equal(body.type, 'webhook')
  assert.equal(body.provider, 'stripe')
  assert.equal(body.description, 'Stripe ödeme webhook entegrasyonu')
  assert.equal(body.config, null)
  assert.equal(body.status, 'pending')
  assert.equal(body.is_active, true)
  assert.equal(body.user_id, opsId, '.own assigns the caller as owner')
  assert.deepEqual(body.user, { id: opsId, email: 'a@b.c' })
  assert.match(String(body.created_at), LARAVEL_TIMESTAMP)
  assert.match(String(body.updated_at), LARAVEL_TIMESTAMP)
  assert.equal('credentials' in body, false)

  // The same with credentials: stored, never echoed.
  const withSecret = await api(first, opsToken, '/api/v1/integrations', {
    method: 'POST',
    body: JSON.stringify({ ...JSON.parse(SEED_CURL_BODY), name: 'Stripe Webhook 2', credentials: { api_key: MARKER } }),
  })
  const secretText = await withSecret.text()
  assert.equal(withSecret.status, 201, secretText)
  assert.ok(!secretText.includes(MARKER), 'the credentials are not echoed')
  const secretBody = JSON.parse(secretText) as { uuid: string; user_id: number }
  assert.equal(secretBody.user_id, opsId)

  // While the hub runs: the rows are in the files, the credential is not (in plaintext).
  const live = databaseBytes(dir)
  assert.ok(live.includes(secretBody.uuid), 'control: the integration row is readable in the database files')
  assert.ok(!live.includes(MARKER), 'the credential is not stored in plaintext (hub.db, hub.db-wal)')

  // SIGTERM: a clean exit.
  const stopped = await first.stop('SIGTERM')
  assert.deepEqual(stopped, { code: 0, signal: null }, `SIGTERM exits 0:\n${first.stderr()}`)
  outputs.push(first.stdout(), first.stderr())

  // Second start on the same database: no new token, no new key, data intact.
  const second = await startServe(t, env)
  assert.equal(second.adminToken, undefined, `a second start prints no admin token:\n${second.stdout()}`)
  assert.ok(!/admin token/i.test(second.stdout()), second.stdout())
  assert.ok(!second.stdout().includes(adminToken), 'the first admin token is never printed again')
  assert.ok(!/generated a new secret key/.test(second.stdout()), 'the existing key file is reused')
  assert.equal(fs.readFileSync(keyFile, 'utf8'), keyText, 'the key file is unchanged')
  assert.equal((await api(second, adminToken, '/api/v1/users')).status, 200, 'the first admin token still signs in')

  const again = await api(second, opsToken, `/api/v1/integrations/${body.uuid}`)
  assert.equal(again.status, 200)
  assert.deepEqual(await again.json(), body, 'the integration reads back as it was created')
  const againSecret = await api(second, opsToken, `/api/v1/integrations/${secretBody.uuid}`)
  const againSecretText = await againSecret.text()
  assert.equal(againSecret.status, 200)
  assert.ok(!againSecretText.includes(MARKER))

  const afterRestart = databaseBytes(dir)
  assert.ok(afterRestart.includes(secretBody.uuid), 'control: the integration row is readable in the database files')
  assert.ok(!afterRestart.includes(MARKER), 'the credential is not stored in plaintext after a restart')

  const stoppedAgain = await second.stop('SIGTERM')
  assert.deepEqual(stoppedAgain, { code: 0, signal: null })
  outputs.push(second.stdout(), second.stderr())
  const afterStop = databaseBytes(dir)
  assert.ok(afterStop.includes(secretBody.uuid), 'control: the integration row is readable in the database files')
  assert.ok(!afterStop.includes(MARKER), 'the credential is not stored in plaintext after shutdown')
  for (const output of outputs) assert.ok(!output.includes(MARKER), 'the credential never appears in the process output')
})

test('health, readiness, OpenAPI, docs, 404 and 405 over a real socket', async (t) => {
  const dir = tempDir(t)
  const hub = await startServe(t, childEnv({ HOOKHUB_DATABASE_URL: `sqlite:${path.join(dir, 'hub.db')}` }))
  assert.ok(hub.adminToken)

  const healthz = await fetchWithin(`${hub.url}/healthz`)
  assert.equal(healthz.status, 200)
  assert.deepEqual(await healthz.json(), { status: 'ok' })

  const readyz = await fetchWithin(`${hub.url}/readyz`)
  assert.equal(readyz.status, 200)
  const ready = await readyz.json() as { status: string; checks: Record<string, string> }
  assert.equal(ready.status, 'ready')
  assert.equal(ready.checks.database, 'ok')
  assert.equal(ready.checks.migrations, 'ok')
  assert.ok(!JSON.stringify(ready).includes(hub.adminToken!))

  const openapi = await fetchWithin(`${hub.url}/openapi.json`)
  assert.equal(openapi.status, 200)
  const doc = await openapi.json() as { openapi: string; paths: Record<string, Record<string, unknown>> }
  assert.match(doc.openapi, /^3\.1\./)
  assert.ok(doc.paths['/api/v1/integrations']?.post, 'POST /api/v1/integrations is described')
  assert.ok(doc.paths['/api/v1/integrations/{id}']?.get, 'GET /api/v1/integrations/{id} is described')

  const docs = await fetchWithin(`${hub.url}/docs`)
  assert.equal(docs.status, 200)
  assert.match(String(docs.headers.get('content-type')), /text\/html/)
  assert.match(await docs.text(), /swagger/i)

  // 405 on a dialect path answers in that dialect's (Laravel) shape, with Allow.
  const wrongMethod = await fetchWithin(`${hub.url}/api/v1/integrations`, {
    method: 'DELETE', headers: { authorization: `Bearer ${hub.adminToken}` },
  })
  assert.equal(wrongMethod.status, 405)
  const allow = String(wrongMethod.headers.get('allow')).split(/,\s*/)
  assert.ok(allow.includes('GET') && allow.includes('POST'), `Allow: ${allow.join(', ')}`)
  assert.deepEqual(await wrongMethod.json(), {
    message: `The DELETE method is not supported for route api/v1/integrations. Supported methods: ${allow.join(', ')}.`,
  })

  // 405 on a native path, 404 on unknown routes.
  const nativeWrongMethod = await fetchWithin(`${hub.url}/api/v1/users`, { method: 'PATCH', headers: { authorization: `Bearer ${hub.adminToken}` } })
  assert.equal(nativeWrongMethod.status, 405)
  assert.equal((await nativeWrongMethod.json() as { error: { code: string } }).error.code, 'HOOKHUB_METHOD_NOT_ALLOWED')

  const missing = await fetchWithin(`${hub.url}/api/v1/nope`, { headers: { authorization: `Bearer ${hub.adminToken}` } })
  assert.equal(missing.status, 404)
  assert.deepEqual(await missing.json(), {
    error: { code: 'HOOKHUB_ROUTE_NOT_FOUND', message: 'Route GET /api/v1/nope not found', details: {} },
  })
  const missingIntegration = await fetchWithin(`${hub.url}/api/v1/integrations/00000000-0000-4000-8000-000000000000`, {
    headers: { authorization: `Bearer ${hub.adminToken}` },
  })
  assert.equal(missingIntegration.status, 404)
  assert.equal(typeof (await missingIntegration.json() as { message: unknown }).message, 'string')

  const stopped = await hub.stop('SIGINT')
  assert.deepEqual(stopped, { code: 0, signal: null }, 'SIGINT also exits 0')
})
