import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { assertError as assertNativeError, assertFieldNamed } from '../helpers/native-errors.ts'

const RENAME = `function handler (webhook) {
  console.log('renaming', webhook.event.type)
  webhook.payload.customer_id = webhook.payload.customer
  delete webhook.payload.customer
  webhook.headers['x-tenant'] = 'acme'
  return webhook
}`

const testRoute = (hub: TestHub, payload: unknown, headers: Record<string, string> = hub.admin) =>
  hub.app.inject({ method: 'POST', url: '/api/v1/transforms/test', headers, payload: payload as Record<string, unknown> })

describe('POST /api/v1/transforms/test', () => {
  test('runs the handler and answers what it returned, its console output and its duration', async (t) => {
    const hub = await startHub(t, 'sqlite', { HOOKHUB_WORKERS: '0' })
    const res = await testRoute(hub, {
      code: RENAME,
      webhook: { payload: { customer: 'cus_1', total: 5 }, event: { id: 'evt_1', type: 'order.created' } },
    })
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json() as { result: Record<string, unknown>; logs: string; duration_ms: number }
    assert.deepEqual(body.result, {
      method: 'POST',
      url: 'https://receiver.example.com/webhooks',
      headers: { 'content-type': 'application/json', 'x-tenant': 'acme' },
      payload: { total: 5, customer_id: 'cus_1' },
      event: { id: 'evt_1', type: 'order.created', tenant_id: null },
    })
    assert.equal(body.logs, 'renaming order.created\n')
    assert.ok(Number.isInteger(body.duration_ms) && body.duration_ms >= 0)

    const skip = await testRoute(hub, { code: 'function handler () { return null }', webhook: {} })
    assert.equal(skip.statusCode, 200)
    assert.deepEqual(skip.json(), { result: null, logs: '', duration_ms: skip.json().duration_ms })
  })

  test('a handler that throws, loops, returns a bad value or does not compile answers 422 HOOKHUB_TRANSFORM_FAILED', async (t) => {
    const hub = await startHub(t, 'sqlite', { HOOKHUB_WORKERS: '0' })
    const cases: [string, RegExp][] = [
      ['function handler () { console.log("before"); throw new Error("boom") }', /Error: boom/],
      ['function handler () { for (;;) {} }', /ran longer than 50 ms/],
      ['function handler () { return 42 }', /handler returned number/],
      ['function handler (w) { w.headers["webhook-signature"] = "v1,x"; return w }', /webhook-signature is set by hookhub/],
      ['function handler (w) { w.url = "ftp://x"; return w }', /url must use http or https/],
      ['function handler (w) { delete w.payload; return w }', /payload is missing/],
      ['function handle () {}', /does not define function handler/],
      ['function handler ( {', /SyntaxError/],
    ]
    for (const [code, message] of cases) {
      const res = await testRoute(hub, { code, webhook: { payload: {} } })
      assert.equal(res.statusCode, 422, code)
      const error = (res.json() as { error: { code: string; message: string; details: { logs: string } } }).error
      assert.equal(error.code, 'HOOKHUB_TRANSFORM_FAILED', code)
      assert.match(error.message, message, code)
    }
    const logged = await testRoute(hub, { code: cases[0][0], webhook: {} })
    assert.equal(logged.json().error.details.logs, 'before\n')
  })

  test('bad input: malformed body, wrong types, oversized code, no auth, no permission', async (t) => {
    const hub = await startHub(t, 'sqlite', { HOOKHUB_WORKERS: '0' })
    const malformed = await hub.app.inject({
      method: 'POST', url: '/api/v1/transforms/test', headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{"code":',
    })
    assertNativeError(malformed, 400, 'HOOKHUB_INVALID_JSON')
    assertNativeError(await testRoute(hub, { code: 5, webhook: {} }), 422, 'HOOKHUB_VALIDATION_FAILED')
    assertNativeError(await testRoute(hub, { code: 'function handler (w) { return w }' }), 422, 'HOOKHUB_VALIDATION_FAILED')
    assertNativeError(await testRoute(hub, { code: 'function handler (w) { return w }', webhook: { method: 'TRACE' } }), 422, 'HOOKHUB_VALIDATION_FAILED')
    const huge = await testRoute(hub, { code: `function handler (w) { return w }\n//${'x'.repeat(70_000)}`, webhook: {} })
    assertFieldNamed(huge, 'code', 'code over 64 KB')
    assertNativeError(await testRoute(hub, { code: 'function handler (w) { return w }', webhook: {} }, {}), 401, 'HOOKHUB_UNAUTHENTICATED')
    const viewer = await hub.userWith(['endpoints.view'])
    assertNativeError(await testRoute(hub, { code: 'function handler (w) { return w }', webhook: {} }, { authorization: viewer.authorization }), 403, 'HOOKHUB_FORBIDDEN')
    const own = await hub.userWith(['endpoints.manage.own'])
    assert.equal((await testRoute(hub, { code: 'function handler (w) { return w }', webhook: {} }, { authorization: own.authorization })).statusCode, 200)
  })
})
