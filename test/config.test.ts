import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { ConfigError, loadConfig, parseDatabaseUrl, redactUrl } from '../src/config.ts'
import { generateSecretKey } from '../src/core/secret-box.ts'
import { keyFileFor, resolveSecretKey } from '../src/secret-key.ts'

test('defaults follow the configuration table', () => {
  const config = loadConfig({})
  assert.equal(config.port, 8080)
  assert.equal(config.host, '0.0.0.0')
  assert.deepEqual(config.database, { engine: 'sqlite', file: path.resolve('data/hookhub.db') })
  assert.equal(config.publicUrl, 'http://localhost:8080')
  assert.equal(config.allowPrivateNetworks, false)
  assert.equal(config.workers, 1)
  assert.equal(config.leaseSeconds, 30)
  assert.equal(config.maxStreamsPerToken, 5)
  assert.equal(config.maxStreams, 500)
  assert.equal(config.maxBodyBytesInFlight, 64 * 1024 * 1024)
  assert.equal(config.transformTimeoutMs, 50)
  assert.equal(loadConfig({ HOOKHUB_TRANSFORM_TIMEOUT_MS: '250' }).transformTimeoutMs, 250)
  assert.deepEqual(config.portalFrameAncestors, [], 'nobody may frame the portal')
  assert.equal(config.accessLog, 'errors')
  assert.equal(loadConfig({ HOOKHUB_ACCESS_LOG: 'all' }).accessLog, 'all')
  assert.equal(loadConfig({ PORT: '9000' }).publicUrl, 'http://localhost:9000')
  assert.equal(loadConfig({ HOOKHUB_PUBLIC_URL: 'https://hooks.example.com/' }).publicUrl, 'https://hooks.example.com')
})

test('HOOKHUB_PORTAL_FRAME_ANCESTORS: space-separated origins, wildcard subdomains, ports; \'none\' is nobody', () => {
  assert.deepEqual(loadConfig({ HOOKHUB_PORTAL_FRAME_ANCESTORS: ' https://app.example.com  https://*.shop.example:8443 http://127.0.0.1:5173 ' }).portalFrameAncestors,
    ['https://app.example.com', 'https://*.shop.example:8443', 'http://127.0.0.1:5173'])
  assert.deepEqual(loadConfig({ HOOKHUB_PORTAL_FRAME_ANCESTORS: "'none'" }).portalFrameAncestors, [])
  assert.deepEqual(loadConfig({ HOOKHUB_PORTAL_FRAME_ANCESTORS: "'self'" }).portalFrameAncestors, ["'self'"])
})

test('database URLs: sqlite paths, memory and PostgreSQL', () => {
  assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { engine: 'sqlite', file: ':memory:' })
  assert.deepEqual(parseDatabaseUrl('sqlite:/var/lib/hub.db'), { engine: 'sqlite', file: '/var/lib/hub.db' })
  assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/hub.db'), { engine: 'sqlite', file: '/var/lib/hub.db' })
  assert.deepEqual(parseDatabaseUrl('postgres://u:p@db:5432/hub'), { engine: 'postgres', url: 'postgres://u:p@db:5432/hub' })
  for (const bad of ['mysql://x', 'sqlite:', 'hub.db', 'postgres://']) {
    assert.throws(() => parseDatabaseUrl(bad), ConfigError, bad)
  }
  assert.equal(redactUrl('postgres://user:secret@db/hub'), 'postgres://user:****@db/hub')
})

test('bad values are refused with a message naming the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^PORT "abc"/],
    [{ PORT: '70000' }, /^PORT/],
    [{ HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'maybe' }, /^HOOKHUB_ALLOW_PRIVATE_NETWORKS/],
    [{ HOOKHUB_WORKERS: '-1' }, /^HOOKHUB_WORKERS/],
    [{ HOOKHUB_LOG_LEVEL: 'loud' }, /^HOOKHUB_LOG_LEVEL/],
    [{ HOOKHUB_ACCESS_LOG: 'some' }, /^HOOKHUB_ACCESS_LOG/],
    [{ HOOKHUB_PUBLIC_URL: 'not a url' }, /^HOOKHUB_PUBLIC_URL/],
    [{ HOOKHUB_ADMIN_TOKEN: 'short' }, /^HOOKHUB_ADMIN_TOKEN/],
    [{ HOOKHUB_DATABASE_URL: 'mysql://x' }, /^HOOKHUB_DATABASE_URL/],
    [{ HOOKHUB_MAX_STREAMS_PER_TOKEN: '0' }, /^HOOKHUB_MAX_STREAMS_PER_TOKEN/],
    [{ HOOKHUB_MAX_STREAMS: 'many' }, /^HOOKHUB_MAX_STREAMS/],
    [{ HOOKHUB_MAX_BODY_BYTES_IN_FLIGHT: '1000' }, /^HOOKHUB_MAX_BODY_BYTES_IN_FLIGHT/],
    [{ HOOKHUB_TRANSFORM_TIMEOUT_MS: '0' }, /^HOOKHUB_TRANSFORM_TIMEOUT_MS/],
    [{ HOOKHUB_TRANSFORM_TIMEOUT_MS: '50ms' }, /^HOOKHUB_TRANSFORM_TIMEOUT_MS/],
    [{ HOOKHUB_TRANSFORM_TIMEOUT_MS: '10001' }, /^HOOKHUB_TRANSFORM_TIMEOUT_MS/],
    [{ HOOKHUB_PORTAL_FRAME_ANCESTORS: "https://a.example.com; script-src 'unsafe-inline'" }, /^HOOKHUB_PORTAL_FRAME_ANCESTORS: "https:\/\/a.example.com;"/],
    [{ HOOKHUB_PORTAL_FRAME_ANCESTORS: 'a.example.com' }, /^HOOKHUB_PORTAL_FRAME_ANCESTORS/],
    [{ HOOKHUB_PORTAL_FRAME_ANCESTORS: 'javascript:alert(1)' }, /^HOOKHUB_PORTAL_FRAME_ANCESTORS/],
  ]
  for (const [env, message] of cases) assert.throws(() => loadConfig(env), (err: Error) => err instanceof ConfigError && message.test(err.message))
})

test('secret key: generated next to the SQLite file with mode 0600, then reused', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookhub-key-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const database = { engine: 'sqlite' as const, file: path.join(dir, 'sub', 'hub.db') }
  const first = resolveSecretKey({ database })
  assert.equal(first.generatedFile, path.join(dir, 'sub', 'secret.key'))
  assert.equal(keyFileFor(database.file), first.generatedFile)
  assert.equal(fs.statSync(first.generatedFile).mode & 0o777, 0o600)
  const second = resolveSecretKey({ database })
  assert.equal(second.generatedFile, undefined)
  assert.deepEqual(second.key, first.key)
})

test('secret key: explicit, malformed, missing for PostgreSQL, lost key file', (t) => {
  const key = generateSecretKey()
  const pgTarget = { engine: 'postgres' as const, url: 'postgres://x@y/z' }
  assert.deepEqual(resolveSecretKey({ database: pgTarget, secretKey: key.toString('hex') }).key, key)
  assert.throws(() => resolveSecretKey({ database: pgTarget }), /required with PostgreSQL/)
  assert.throws(() => resolveSecretKey({ database: pgTarget, secretKey: 'abc' }), /not a 32-byte key/)

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookhub-key-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const database = { engine: 'sqlite' as const, file: path.join(dir, 'hub.db') }
  fs.writeFileSync(path.join(dir, 'secret.key'), 'garbage')
  assert.throws(() => resolveSecretKey({ database }), /does not hold a 32-byte key/)
  fs.rmSync(path.join(dir, 'secret.key'))
  fs.writeFileSync(database.file, '')
  assert.throws(() => resolveSecretKey({ database }), /missing but the database/)
})
