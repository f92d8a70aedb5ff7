// Auth hardening: secrets are compared in constant time; a client that keeps failing to
// authenticate is locked out with 429 (API, /metrics, inbound hooks); an inbound hook whose
// signature does not verify stores nothing, whoever owns the source; Standard Webhooks and
// Stripe messages outside the 5-minute tolerance are refused. The verification methods one by
// one are tested in test/http/sources.test.ts, token hashing in test/core/tokens.test.ts.
import assert from 'node:assert/strict'
import crypto, { createHmac, randomBytes } from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'
import { describe, mock, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { createFailedAuthLimit } from '../../src/http/rate-limit.ts'
import { HookhubError } from '../../src/core/errors.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { ADMIN_TOKEN, startHub, type TestHub } from '../helpers/hub.ts'
import { assertErrorShape, caller, capturedLogger, hubForSuite, newSecret, rememberSecret, type Family } from './support.ts'

reportSkippedPostgres()

const LIMIT = 5
const LOCKOUT = { HOOKHUB_WORKERS: '0', HOOKHUB_AUTH_FAILURE_LIMIT: String(LIMIT) }
const hmacHex = (key: string, ...parts: string[]) => parts.reduce((mac, part) => mac.update(part), createHmac('sha256', key)).digest('hex')
const nowSeconds = () => Math.floor(Date.now() / 1000)

async function storedRows (hub: TestHub) {
  const count = async (table: 'events' | 'deliveries') =>
    Number((await hub.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)
  return { events: await count('events'), deliveries: await count('deliveries') }
}

const pathOf = (url: string) => new URL(url).pathname

test('the failed-auth limit: a fixed window per client, a lockout until it ends, bounded memory', () => {
  let now = 1_000_000
  const limit = createFailedAuthLimit(3, { clock: () => now, maxClients: 100 })
  for (let i = 0; i < 3; i++) {
    limit.check('a')
    limit.fail('a')
  }
  assert.throws(() => limit.check('a'), (err: HookhubError) => err.code === 'HOOKHUB_AUTH_FAILURES_LIMITED' && err.statusCode === 429 && err.details.retry_after === 60)
  limit.check('b') // another client is not affected
  now += 59_500
  assert.throws(() => limit.check('a'), (err: HookhubError) => err.details.retry_after === 1)
  now += 500
  limit.check('a') // the window is over
  // A flood of clients never holds more than maxClients windows; the oldest go first.
  for (let i = 0; i < 1000; i++) limit.fail(`flood-${i}`)
  assert.ok(limit.size <= 100, `${limit.size} windows kept`)
  limit.check('flood-0')
  for (let i = 0; i < 3; i++) limit.fail('flood-999')
  assert.throws(() => limit.check('flood-999'))
})

test('tokens and signatures are compared with crypto.timingSafeEqual, never ===', async (t) => {
  // Named imports of node:crypto follow the module object after syncBuiltinESMExports().
  const spy = mock.method(crypto, 'timingSafeEqual')
  syncBuiltinESMExports()
  t.after(() => {
    spy.mock.restore()
    syncBuiltinESMExports()
  })
  const hub = await startHub(t, 'sqlite', { ...LOCKOUT, HOOKHUB_METRICS_TOKEN: 'metrics-token-0123456789' })
  const comparedSince = async (send: () => Promise<{ statusCode: number }>, status: number, what: string) => {
    const before = spy.mock.callCount()
    assert.equal((await send()).statusCode, status, what)
    assert.ok(spy.mock.callCount() > before, `${what}: compared with timingSafeEqual`)
  }
  // API tokens: looked up by their SHA-256, and the hash compared in constant time.
  await comparedSince(() => hub.app.inject({ method: 'GET', url: '/api/v1/users', headers: hub.admin }), 200, 'a Bearer token')
  const basic = `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`
  await comparedSince(() => hub.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: basic } }), 200, 'a Basic token')
  const hashes = spy.mock.calls.at(-1)!.arguments as unknown as [Buffer, Buffer]
  assert.equal(hashes[0].length, 32, 'what is compared is a SHA-256, not the token')
  await comparedSince(() => hub.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } }), 200, 'the metrics token')
  await comparedSince(() => hub.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456780' } }), 401, 'a wrong metrics token of the same length')
  // Inbound secrets of the same length as the right one (a different length is refused early).
  const secret = 'kanboard-secret-0123456789'
  const source = await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: 'k', verify: 'kanboard', secret } })
  const hook = pathOf(source.json().inbound_url)
  const body = '{"event_name":"task.create","event_data":{}}'
  const post = (token: string) => hub.app.inject({ method: 'POST', url: `${hook}?token=${token}`, headers: { 'content-type': 'application/json' }, payload: body })
  await comparedSince(() => post(secret), 200, 'the right kanboard token')
  await comparedSince(() => post(secret.replace(/.$/, 'X')), 401, 'a kanboard token wrong in its last character')
})

for (const engine of engines) {
  describe(`[${engine}] failed authentication is rate-limited per client`, () => {
    // One hub; each test fails from client addresses of its own.
    const suiteHub = hubForSuite(engine, { ...LOCKOUT, HOOKHUB_METRICS_TOKEN: rememberSecret('metrics-token-abcdefghij') }, { logger: capturedLogger() })

    test(`API: after ${LIMIT} failures in a minute a client gets 429 with Retry-After in its API's shape, even with a good token; other clients do not`, async () => {
      const hub = suiteHub()
      rememberSecret(ADMIN_TOKEN)
      const attacker = { remoteAddress: '203.0.113.7' }
      for (let i = 0; i < LIMIT; i++) {
        const res = await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: { authorization: `Bearer hh_guess_${i}` }, ...attacker })
        assert.equal(res.statusCode, 401, `guess ${i}`)
      }
      const cases: [string, string, Family, Record<string, string>][] = [
        ['GET', '/api/v1/endpoints', 'native', hub.admin],
        ['GET', '/api/v1/integrations', 'laravel', hub.admin],
        ['GET', '/api/v1/integration/nodes/x', 'brokerstr', hub.admin],
        ['GET', '/rest/v1/service/integration_points', 'incoplax', hub.admin],
        ['GET', '/api/webhooks', 'thulium', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }],
        // X-Forwarded-For is not trusted: it cannot make the attacker look like someone else.
        ['GET', '/api/v1/endpoints', 'native', { ...hub.admin, 'x-forwarded-for': '198.51.100.1' }],
      ]
      for (const [method, url, family, headers] of cases) {
        const res = await hub.app.inject({ method: method as 'GET', url, headers, ...attacker })
        assert.equal(res.statusCode, 429, `${url}: ${res.body}`)
        assertErrorShape(res, family, url)
        const retryAfter = Number(res.headers['retry-after'])
        assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${res.headers['retry-after']}`)
      }
      const native = await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', ...attacker })
      assert.equal(native.json().error.code, 'HOOKHUB_AUTH_FAILURES_LIMITED')
      assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/integrations', headers: hub.admin, ...attacker })).json().message, 'Too Many Attempts.')
      assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/integration/nodes/x', headers: hub.admin, ...attacker })).json().error.code, 'RATE_LIMIT_EXCEEDED')
      // Another client, and public routes, are untouched.
      const neighbour = { remoteAddress: '203.0.113.8' }
      assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: hub.admin, ...neighbour })).statusCode, 200)
      assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', ...neighbour })).statusCode, 401)
      assert.equal((await hub.app.inject({ method: 'GET', url: '/healthz', ...attacker })).statusCode, 200)
      // Success never resets the count: interleaving good requests does not buy more guesses.
      const user = await caller(hub, ['endpoints.view'])
      const mixed = { remoteAddress: '203.0.113.9' }
      for (let i = 0; i < LIMIT; i++) {
        assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: { authorization: user.authorization }, ...mixed })).statusCode, 200)
        assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: { authorization: 'Bearer hh_guess' }, ...mixed })).statusCode, 401)
      }
      assert.equal((await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: { authorization: user.authorization }, ...mixed })).statusCode, 429)
    })

    test('inbound hooks: guessing one source\'s secret is capped per sender and source; nothing is stored', async () => {
      const hub = suiteHub()
      const stored = await storedRows(hub)
      const secret = newSecret('hook')
      const make = async () => pathOf((await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: 't', verify: 'token', secret } })).json().inbound_url)
      const [target, other] = [await make(), await make()]
      const sender = { remoteAddress: '198.51.100.20' }
      const post = (path: string, token: string, from = sender) =>
        hub.app.inject({ method: 'POST', url: `${path}?token=${token}`, headers: { 'content-type': 'application/json' }, payload: '{"type":"x"}', ...from })
      for (let i = 0; i < LIMIT; i++) assert.equal((await post(target, `guess-${i}`)).statusCode, 401)
      const locked = await post(target, secret)
      assert.equal(locked.statusCode, 429, locked.body)
      assertErrorShape(locked, 'native', 'locked hook')
      assert.ok(Number(locked.headers['retry-after']) >= 1)
      assert.deepEqual(await storedRows(hub), stored)
      // The same sender's other source, and another sender on this source, still get through.
      assert.equal((await post(other, secret)).statusCode, 200)
      assert.equal((await post(target, secret, { remoteAddress: '198.51.100.21' })).statusCode, 200)
    })

    test('/metrics with a token: repeated wrong tokens are locked out too', async () => {
      const hub = suiteHub()
      const from = { remoteAddress: '192.0.2.5' }
      for (let i = 0; i < LIMIT; i++) {
        assert.equal((await hub.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer guess-${i}` }, ...from })).statusCode, 401)
      }
      const res = await hub.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-abcdefghij' }, ...from })
      assert.equal(res.statusCode, 429)
      assertErrorShape(res, 'native', '/metrics')
    })
  })

  describe(`[${engine}] inbound hooks that do not verify store nothing`, () => {
    const suiteHub = hubForSuite(engine, { HOOKHUB_WORKERS: '0' }, { logger: capturedLogger() })

    test('every verification method and every owner (native source, CyberCert integrations incl. Kanboard, Incoplax point): bad answers 401 in the owner\'s shape, the good one is stored', async () => {
      const hub = suiteHub()
      const secret = newSecret('whsec')
      const standardSecret = `whsec_${randomBytes(24).toString('base64')}`
      rememberSecret(standardSecret)
      const body = '{"type":"order.paid","event_name":"task.create","id":"evt_1"}'
      const json = { 'content-type': 'application/json' }
      const stripe = (s: string, b: string, at = nowSeconds()) => ({ ...json, 'stripe-signature': `t=${at},v1=${hmacHex(s, `${at}.`, b)}` })
      const github = (s: string, b: string) => ({ ...json, 'x-hub-signature-256': `sha256=${hmacHex(s, b)}` })
      const standard = (s: string, b: string, at = new Date()) => {
        const id = `msg_${randomBytes(6).toString('hex')}`
        return { ...json, 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(s).sign(id, at, b) }
      }
      const source = async (verify: string, s: string) =>
        pathOf((await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: verify, verify, secret: s } })).json().inbound_url)
      const integration = async (provider: string, s: string) =>
        pathOf((await hub.app.inject({ method: 'POST', url: '/api/v1/integrations', headers: hub.admin, payload: { name: provider, type: 'webhook', provider, credentials: { webhook_secret: s } } })).json().inbound_url)
      const point = async (token: string) =>
        `/hooks/${(await hub.app.inject({ method: 'POST', url: '/rest/v1/service/integration_points', headers: hub.admin, payload: { code: `S${randomBytes(3).toString('hex')}`, type: 'public', url: '', token_remote: token } })).json().token_local}`

      type Case = { name: string; path: string; family: Family; good: [string, Record<string, string>]; bad: [string, string, Record<string, string>][] }
      const other = 'whsec_someone_else_entirely'
      const cases: Case[] = [
        { name: 'token', path: await source('token', secret), family: 'native', good: [`?token=${secret}`, json], bad: [['wrong ?token=', `?token=${other}`, json], ['wrong X-Webhook-Token', '', { ...json, 'x-webhook-token': other }], ['none', '', json]] },
        { name: 'kanboard', path: await source('kanboard', secret), family: 'native', good: [`?token=${secret}`, json], bad: [['wrong', `?token=${secret}x`, json], ['as a header', '', { ...json, 'x-webhook-token': secret }]] },
        { name: 'stripe', path: await source('stripe', secret), family: 'native', good: ['', stripe(secret, body)], bad: [['wrong secret', '', stripe(other, body)], ['other body', '', stripe(secret, '{}')], ['garbage', '', { ...json, 'stripe-signature': 't=x,v1=' }]] },
        { name: 'github', path: await source('github', secret), family: 'native', good: ['', github(secret, body)], bad: [['wrong secret', '', github(other, body)], ['other body', '', github(secret, '{}')], ['sha1', '', { ...json, 'x-hub-signature': `sha1=${hmacHex(secret, body)}` }]] },
        { name: 'standard', path: await source('standard', standardSecret), family: 'native', good: ['', standard(standardSecret, body)], bad: [['wrong secret', '', standard(`whsec_${randomBytes(24).toString('base64')}`, body)], ['other body', '', standard(standardSecret, '{}')], ['no signature', '', { ...json, 'webhook-id': 'msg_1', 'webhook-timestamp': String(nowSeconds()) }]] },
        { name: 'CyberCert stripe integration', path: await integration('stripe', secret), family: 'laravel', good: ['', stripe(secret, body)], bad: [['wrong secret', '', stripe(other, body)], ['unsigned', '', json]] },
        { name: 'CyberCert github integration', path: await integration('github', secret), family: 'laravel', good: ['', github(secret, body)], bad: [['wrong secret', '', github(other, body)]] },
        { name: 'CyberCert kanboard integration', path: await integration('kanboard', secret), family: 'laravel', good: [`?token=${secret}`, json], bad: [['wrong ?token=', `?token=${other}`, json], ['none', '', json]] },
        { name: 'Incoplax point with token_remote', path: await point(secret), family: 'incoplax', good: [`?token=${secret}`, json], bad: [['wrong ?token=', `?token=${other}`, json], ['wrong X-Token', '', { ...json, 'x-token': other }], ['none', '', json]] },
      ]
      for (const c of cases) {
        for (const [what, query, headers] of c.bad) {
          const before = await storedRows(hub)
          const res = await hub.app.inject({ method: 'POST', url: c.path + query, headers, payload: body })
          assert.equal(res.statusCode, 401, `${c.name}, ${what}: ${res.body}`)
          assertErrorShape(res, c.family, `${c.name}, ${what}`)
          assert.deepEqual(await storedRows(hub), before, `${c.name}, ${what}: nothing stored`)
        }
        const before = await storedRows(hub)
        const res = await hub.app.inject({ method: 'POST', url: c.path + c.good[0], headers: c.good[1], payload: body })
        assert.equal(res.statusCode, 200, `${c.name}, signed right: ${res.body}`)
        assert.equal((await storedRows(hub)).events, before.events + 1, `${c.name}: the verified hook is stored`)
      }
    })

    test('replays: Standard Webhooks and Stripe messages outside the 5-minute tolerance are refused; a repeat inside it is stored once', async () => {
      const hub = suiteHub()
      const stored = await storedRows(hub)
      const secret = `whsec_${randomBytes(24).toString('base64')}`
      rememberSecret(secret)
      const path = pathOf((await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: 's', verify: 'standard', secret } })).json().inbound_url)
      const stripeSecret = newSecret('whsec')
      const stripePath = pathOf((await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: 'st', verify: 'stripe', secret: stripeSecret } })).json().inbound_url)
      const body = '{"type":"invoice.paid"}'
      const signedAt = (offsetSeconds: number, id = `msg_${randomBytes(6).toString('hex')}`) => {
        const at = new Date((nowSeconds() + offsetSeconds) * 1000)
        return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) }
      }
      const stripeAt = (offsetSeconds: number) => {
        const at = nowSeconds() + offsetSeconds
        return { 'content-type': 'application/json', 'stripe-signature': `t=${at},v1=${hmacHex(stripeSecret, `${at}.`, body)}` }
      }
      for (const [what, url, headers] of [
        ['Standard Webhooks, 5 min 30 s old', path, signedAt(-330)], ['Standard Webhooks, 1 h old', path, signedAt(-3600)],
        ['Standard Webhooks, 5 min 30 s ahead', path, signedAt(330)], ['Stripe, 5 min 30 s old', stripePath, stripeAt(-330)],
        ['Stripe, 5 min 30 s ahead', stripePath, stripeAt(330)],
      ] as const) {
        const res = await hub.app.inject({ method: 'POST', url, headers, payload: body })
        assert.equal(res.statusCode, 401, `${what}: ${res.body}`)
        assert.equal(res.json().error.code, 'HOOKHUB_SIGNATURE_INVALID', what)
      }
      assert.deepEqual(await storedRows(hub), stored)
      // Inside the tolerance (4 min 30 s old, 4 min 30 s ahead) it verifies; the very same message sent again is one event.
      const replayed = signedAt(-270, 'msg_replayed')
      for (let i = 0; i < 3; i++) {
        const res = await hub.app.inject({ method: 'POST', url: path, headers: replayed, payload: body })
        assert.equal(res.statusCode, 200, res.body)
      }
      assert.equal((await hub.app.inject({ method: 'POST', url: path, headers: signedAt(270), payload: body })).statusCode, 200)
      assert.equal((await hub.app.inject({ method: 'POST', url: stripePath, headers: stripeAt(-270), payload: body })).statusCode, 200)
      assert.equal((await storedRows(hub)).events, stored.events + 3, 'the replayed message is stored once')
    })
  })
}
