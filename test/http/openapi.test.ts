import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startHub } from '../helpers/hub.ts'

test('every route in /openapi.json has a unique operationId and response schemas', async (t) => {
  const hub = await startHub(t)
  const res = await hub.app.inject({ method: 'GET', url: '/openapi.json' })
  assert.equal(res.statusCode, 200)
  const doc = res.json()
  assert.equal(doc.openapi, '3.1.0')
  const ids = new Set<string>()
  let operations = 0
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      operations++
      assert.ok(op.operationId, `${method} ${path} has an operationId`)
      assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} is unique`)
      ids.add(op.operationId)
      assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method} ${path} documents responses`)
      const ok = Object.keys(op.responses).find((s) => s.startsWith('2'))
      assert.ok(ok, `${method} ${path} documents a success response`)
      if (['post', 'put', 'patch'].includes(method) && op.requestBody) {
        assert.ok(op.requestBody.content['application/json'].schema, `${method} ${path} documents its body`)
      }
    }
  }
  assert.ok(operations >= 15, `found ${operations} operations`)
  for (const id of ['createIntegration', 'listIntegrations', 'restoreIntegration', 'createUser', 'revokeToken', 'getReadiness']) {
    assert.ok(ids.has(id), id)
  }
  const create = doc.paths['/api/v1/integrations'].post
  assert.ok(create.requestBody.content['application/json'].schema.properties.name)
  assert.ok(!JSON.stringify(doc.components.schemas.Integration).includes('credentials'), 'responses never describe credentials')
})

test('the Swagger UI is served at /docs without a token', async (t) => {
  const hub = await startHub(t)
  const res = await hub.app.inject({ method: 'GET', url: '/docs/' })
  assert.equal(res.statusCode, 200)
  assert.match(res.body, /swagger/i)
})
