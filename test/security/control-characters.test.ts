// A delivery target whose URL, credentials or headers hold CR, LF or NUL can never be sent
// (the HTTP client refuses it on every try), and a CR/LF could split a header: each API that
// creates or changes a target refuses it up front, in its own validation shape and naming the
// field the client sent. The check is the core's endpoint validation, so every dialect has it.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import type { TestHub } from '../helpers/hub.ts'
import { assertErrorShape, familyOf, hubForSuite } from './support.ts'

reportSkippedPostgres()

const BAD = { CR: '\r', LF: '\n', NUL: '\0' }
const URL_OK = 'https://receiver.example.com/hook'

type Answer = Awaited<ReturnType<TestHub['app']['inject']>>

/** The field names a validation answer gives, whatever the family's shape. */
function fieldsOf (res: Answer): string[] {
  const body = res.json() as { error?: { details?: { fields?: object } }; errors?: object }
  if (body.errors) return Object.keys(body.errors)
  // Native and Thulium answers list fields under details.fields, Brokerstr's under details.
  const details = body.error?.details ?? {}
  return Object.keys(details.fields ?? details)
}

function assertRefused (res: Answer, path: string, status: number, field: string, label: string) {
  assert.equal(res.statusCode, status, `${label}: ${res.body}`)
  assertErrorShape(res, familyOf(path), label)
  // Incoplax's error body is one sentence: the field is named in it.
  if (familyOf(path) === 'incoplax') assert.match(res.body, new RegExp(field), `${label} names ${field}`)
  else assert.ok(fieldsOf(res).includes(field), `${label} names ${field}: ${res.body}`)
  assert.match(res.body, /CR, LF or NUL/, `${label} says why`)
}

for (const engine of engines) {
  describe(`[${engine}] CR, LF and NUL in a delivery target`, () => {
    const suiteHub = hubForSuite(engine, { HOOKHUB_WORKERS: '0' })
    const send = (method: 'POST' | 'PATCH' | 'PUT', url: string, payload: object) =>
      suiteHub().app.inject({ method, url, headers: { ...suiteHub().admin, 'x-target-server': 'integration' }, payload })

    test('native endpoints: 422 HOOKHUB_VALIDATION_FAILED naming the field, on create and on update', async () => {
      const base = { url: URL_OK, filter: { types: ['never.*'] } }
      const ok = await send('POST', '/api/v1/endpoints', base)
      assert.equal(ok.statusCode, 201, ok.body)
      const id = ok.json().id as string
      for (const [name, c] of Object.entries(BAD)) {
        const cases: [string, object][] = [
          ['url', { url: `${URL_OK}${c}X-Injected: 1` }],
          ['auth.token', { auth: { type: 'bearer', token: `tok${c}en` } }],
          ['auth.token', { auth: { type: 'query', token: `tok${c}en` } }],
          ['auth.username', { auth: { type: 'basic', username: `us${c}er`, password: 'pw' } }],
          ['auth.password', { auth: { type: 'basic', username: 'user', password: `pw${c}` } }],
          ['headers', { headers: { 'X-Custom': `value${c}X-Injected: 1` } }],
        ]
        for (const [field, body] of cases) {
          const label = `${name} in ${field}`
          const created = await send('POST', '/api/v1/endpoints', { ...base, ...body })
          assertRefused(created, '/api/v1/endpoints', 422, field, `create, ${label}`)
          assert.equal(created.json().error.code, 'HOOKHUB_VALIDATION_FAILED')
          const updated = await send('PATCH', `/api/v1/endpoints/${id}`, body)
          assertRefused(updated, `/api/v1/endpoints/${id}`, 422, field, `update, ${label}`)
        }
      }
      const after = await suiteHub().app.inject({ method: 'GET', url: `/api/v1/endpoints/${id}`, headers: suiteHub().admin })
      assert.equal(after.json().url, URL_OK, 'nothing was changed')
    })

    test('Brokerstr distributors: 400 VALIDATION_ERROR naming meta.*', async () => {
      const node = (await send('POST', '/api/v1/integration/nodes', { name: 'n', type: 1 })).json().id as string
      const meta = { host: 'https://receiver.example.com', path: '/hook', method: 2 }
      const ok = await send('POST', `/api/v1/integration/distributors/nodes/${node}`, { meta: { ...meta, authentication: { type: 2, token: 'token' } } })
      assert.equal(ok.statusCode, 201, ok.body)
      for (const [name, c] of Object.entries(BAD)) {
        const cases: [string, object][] = [
          ['meta.host', { ...meta, path: `/hook${c}X-Injected: 1` }],
          ['meta.authentication.token', { ...meta, authentication: { type: 2, token: `tok${c}en` } }],
          ['meta.authentication.username', { ...meta, authentication: { type: 1, username: `us${c}er`, password: 'pw' } }],
          ['meta.authentication.password', { ...meta, authentication: { type: 1, username: 'user', password: `pw${c}` } }],
        ]
        for (const [field, body] of cases) {
          assertRefused(await send('POST', `/api/v1/integration/distributors/nodes/${node}`, { meta: body }), `/api/v1/integration/distributors/nodes/${node}`, 400, field, `create, ${name} in ${field}`)
          assertRefused(await send('PUT', `/api/v1/integration/distributors/${ok.json().id}`, { meta: body }), `/api/v1/integration/distributors/${ok.json().id}`, 400, field, `update, ${name} in ${field}`)
        }
      }
    })

    test('Thulium webhooks: 400 naming subscription_url and http_auth_*', async () => {
      const base = { actions: ['CALL_ENDED'], subscription_url: URL_OK }
      const ok = await send('POST', '/api/webhooks', base)
      assert.equal(ok.statusCode, 200, ok.body)
      for (const [name, c] of Object.entries(BAD)) {
        const cases: [string, object][] = [
          ['subscription_url', { ...base, subscription_url: `${URL_OK}${c}` }],
          ['http_auth_user', { ...base, http_auth_user: `us${c}er`, http_auth_password: 'pw' }],
          ['http_auth_password', { ...base, http_auth_user: 'user', http_auth_password: `pw${c}` }],
        ]
        for (const [field, body] of cases) {
          assertRefused(await send('POST', '/api/webhooks', body), '/api/webhooks', 400, field, `create, ${name} in ${field}`)
          assertRefused(await send('PUT', `/api/webhooks/${ok.json().id}`, body), `/api/webhooks/${ok.json().id}`, 400, field, `update, ${name} in ${field}`)
        }
      }
    })

    test('Incoplax integration points: 400 (1400) naming url', async () => {
      const ok = await send('POST', '/rest/v1/service/integration_points', { code: 'CTRL', type: 'public', url: URL_OK })
      assert.equal(ok.statusCode, 200, ok.body)
      for (const [name, c] of Object.entries(BAD)) {
        const body = { url: `${URL_OK}${c}X-Injected: 1` }
        assertRefused(await send('POST', '/rest/v1/service/integration_points', { code: `C${name}`, type: 'public', ...body }), '/rest/v1/service/integration_points', 400, 'url', `create, ${name} in url`)
        assertRefused(await send('PATCH', `/rest/v1/service/integration_points/${ok.json().id}`, body), `/rest/v1/service/integration_points/${ok.json().id}`, 400, 'url', `update, ${name} in url`)
      }
    })

    test('CyberCert integrations: 422 naming the credential an inbound request is checked against', async () => {
      const base = { name: 'Hook', type: 'webhook', provider: 'generic' }
      const ok = await send('POST', '/api/v1/integrations', { ...base, credentials: { token: 'token' } })
      assert.equal(ok.statusCode, 201, ok.body)
      for (const [name, c] of Object.entries(BAD)) {
        for (const key of ['token', 'webhook_secret']) {
          const body = { ...base, credentials: { [key]: `sec${c}ret` } }
          assertRefused(await send('POST', '/api/v1/integrations', body), '/api/v1/integrations', 422, `credentials.${key}`, `create, ${name} in ${key}`)
          assertRefused(await send('PATCH', `/api/v1/integrations/${ok.json().uuid}`, body), `/api/v1/integrations/${ok.json().uuid}`, 422, `credentials.${key}`, `update, ${name} in ${key}`)
        }
      }
    })
  })
}
