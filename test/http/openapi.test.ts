import assert from 'node:assert/strict'
import { test } from 'node:test'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { startHub } from '../helpers/hub.ts'

type Json = Record<string, any>
type Media = { schema?: Json; example?: unknown; examples?: Record<string, { value?: unknown }> }

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
  for (const id of ['createIntegration', 'listIntegrations', 'restoreIntegration', 'createUser', 'revokeToken', 'getReadiness', 'testFilter']) {
    assert.ok(ids.has(id), id)
  }
  const create = doc.paths['/api/v1/integrations'].post
  assert.ok(create.requestBody.content['application/json'].schema.properties.name)
  assert.ok(!JSON.stringify(doc.components.schemas.Integration).includes('credentials'), 'responses never describe credentials')
})

// ---- Examples -------------------------------------------------------------------------

/**
 * Checks the examples of an OpenAPI 3.1 document and returns what is wrong, one line each:
 * every JSON request body and every 2xx JSON response needs an example (on the media
 * object, or as `examples` of the schema it refers to), and every example anywhere (media
 * `example`/`examples`, schema `examples` at any depth, components included) must validate
 * against its own schema, with `$ref`s resolved against the document's components.
 */
function exampleProblems (doc: Json): string[] {
  const problems: string[] = []
  const ajv = new Ajv2020.default({ strict: false, allErrors: true })
  addFormats.default(ajv)
  // `#/components/schemas/…` resolves against the root of the schema being compiled.
  const validate = (schema: Json, example: unknown, where: string) => {
    let check
    try {
      check = ajv.compile({ ...schema, components: doc.components })
    } catch (err) {
      problems.push(`${where}: schema does not compile: ${(err as Error).message}`)
      return
    }
    if (!check(example)) problems.push(`${where}: example ${JSON.stringify(example).slice(0, 120)} is invalid: ${ajv.errorsText(check.errors)}`)
  }
  const component = (ref: string): Json | undefined =>
    ref.startsWith('#/components/schemas/') ? doc.components?.schemas?.[ref.slice('#/components/schemas/'.length)] : undefined

  const mediaExamples = (media: Media): unknown[] => {
    const found: unknown[] = []
    if ('example' in media) found.push(media.example)
    for (const named of Object.values(media.examples ?? {})) found.push(named.value)
    return found
  }
  const requireExample = (media: Media | undefined, where: string) => {
    if (!media) return
    const referred = media.schema?.$ref ? component(media.schema.$ref)?.examples : media.schema?.examples
    if (mediaExamples(media).length === 0 && !(Array.isArray(referred) && referred.length > 0)) problems.push(`${where} has no example`)
  }

  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, op] of Object.entries(item)) {
      const name = `${method.toUpperCase()} ${path}`
      requireExample(op.requestBody?.content?.['application/json'], `${name} request body`)
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        if (status.startsWith('2')) requireExample(response.content?.['application/json'], `${name} ${status} response`)
        for (const [type, media] of Object.entries((response.content ?? {}) as Record<string, Media>)) {
          for (const example of mediaExamples(media)) validate(media.schema ?? {}, example, `${name} ${status} ${type}`)
        }
      }
      for (const [type, media] of Object.entries((op.requestBody?.content ?? {}) as Record<string, Media>)) {
        for (const example of mediaExamples(media)) validate(media.schema ?? {}, example, `${name} request body ${type}`)
      }
    }
  }

  // Schema `examples` (an array; a media object's `examples` is a map) at any depth.
  const walk = (node: unknown, where: string) => {
    if (node === null || typeof node !== 'object') return
    if (Array.isArray(node)) { node.forEach((child, i) => walk(child, `${where}/${i}`)); return }
    const schema = node as Json
    if (Array.isArray(schema.examples)) {
      schema.examples.forEach((example: unknown, i: number) => {
        const { examples: _examples, ...rest } = schema
        validate(rest, example, `${where} examples[${i}]`)
      })
    }
    for (const [key, child] of Object.entries(schema)) if (key !== 'examples' && key !== 'example') walk(child, `${where}/${key}`)
  }
  walk(doc.paths, '#/paths')
  walk(doc.components, '#/components')
  return problems
}

test('every JSON request body and 2xx response in /openapi.json has an example, and every example is valid', async (t) => {
  const hub = await startHub(t)
  const doc = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json()
  assert.deepEqual(exampleProblems(doc), [])
  // The shared error shapes carry an example each.
  for (const name of ['NativeError', 'LaravelError', 'BrokerstrError', 'IncoplaxError']) {
    assert.ok(doc.components.schemas[name].examples?.length > 0, `${name} has an example`)
  }
  // The seed documents' own examples are shown where the seeds have them.
  const media = (path: string, method: string, status?: string) => {
    const op = doc.paths[path][method]
    return status ? op.responses[status].content['application/json'] : op.requestBody.content['application/json']
  }
  assert.deepEqual(media('/api/webhooks', 'post').example, { actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: 'https://example.pl' })
  assert.equal(media('/api/v1/integration/distributors/nodes/{node_id}', 'post', '201').example.created_at, '2025-12-24T02:16:10.419696+03:00')
  assert.equal(media('/api/v1/integrations', 'post').example.name, 'Stripe Webhook')
  // /metrics is Prometheus text, not JSON.
  assert.deepEqual(Object.keys(doc.paths['/metrics'].get.responses['200'].content), ['text/plain'])
})

test('the example check fails a route without an example and an example that breaks its schema', () => {
  const thing = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } }
  const doc = {
    openapi: '3.1.0',
    components: { schemas: { Thing: { ...thing, examples: [{ id: 'seven' }] } } },
    paths: {
      '/things': {
        post: {
          requestBody: { content: { 'application/json': { schema: thing } } },
          responses: { 201: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } },
        },
        get: {
          responses: {
            200: { content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Thing' } }, example: [{ id: 1 }, {}] } } },
          },
        },
      },
    },
  }
  const problems = exampleProblems(doc)
  assert.equal(problems.length, 3, problems.join('\n'))
  assert.equal(problems[0], 'POST /things request body has no example')
  assert.match(problems[1], /^GET \/things 200 application\/json: example .* is invalid: data\/1 must have required property 'id'/)
  assert.match(problems[2], /^#\/components\/schemas\/Thing examples\[0\]: example \{"id":"seven"\} is invalid: data\/id must be integer/)
})

test('the Swagger UI is served at /docs without a token', async (t) => {
  const hub = await startHub(t)
  const res = await hub.app.inject({ method: 'GET', url: '/docs/' })
  assert.equal(res.statusCode, 200)
  assert.match(res.body, /swagger/i)
})

test('open routes are documented without security; every other route inherits Bearer or Basic', async (t) => {
  const hub = await startHub(t)
  const doc = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    security: unknown[]
    paths: Record<string, Record<string, { security?: unknown[] }>>
  }
  assert.deepEqual(doc.security, [{ bearer: [] }, { basic: [] }])
  for (const [path, method] of [['/healthz', 'get'], ['/readyz', 'get'], ['/metrics', 'get'], ['/hooks/{token}', 'post']]) {
    assert.deepEqual(doc.paths[path][method].security, [], `${method} ${path} is open`)
  }
  for (const [path, method] of [['/api/v1/events', 'post'], ['/api/v1/endpoints', 'get'], ['/api/v1/integrations', 'post']]) {
    assert.equal(doc.paths[path][method].security, undefined, `${method} ${path} needs credentials`)
  }
})

test('every answer is described (no "Default Response"); the server is the origin /docs was loaded from; no framework logo', async (t) => {
  const hub = await startHub(t, 'sqlite', { HOOKHUB_PUBLIC_URL: 'https://hooks.example.com' })
  const doc = (await hub.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json
  const undescribed: string[] = []
  let answers = 0
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      for (const [status, answer] of Object.entries(op.responses as Record<string, { description?: string }>)) {
        answers++
        if (!answer.description || answer.description === 'Default Response') undescribed.push(`${method.toUpperCase()} ${path} ${status}`)
      }
    }
  }
  assert.ok(answers > 300, `${answers} answers`)
  assert.deepEqual(undescribed, [])
  assert.equal(doc.paths['/api/v1/endpoints'].post.responses['201'].description, 'Created: register a URL to deliver events to; the signing secret is shown only here')
  // A relative server: "Try it out" calls whatever origin the page came from, not HOOKHUB_PUBLIC_URL.
  assert.deepEqual(doc.servers.map((s: { url: string }) => s.url), ['/'])
  const init = await hub.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
  assert.equal(init.statusCode, 200)
  const logo = /img\.src = 'data:image\/svg\+xml;base64,([^']+)'/.exec(init.body)?.[1]
  assert.ok(logo, 'the top bar\'s logo is replaced')
  assert.match(Buffer.from(logo, 'base64').toString('utf8'), />hookhub<\/text>/)
})
