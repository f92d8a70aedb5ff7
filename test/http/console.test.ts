// The web console's static routes: files, deep links, caching, security headers, a missing build.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { test, type TestContext } from 'node:test'
import { pino, type Logger } from 'pino'
import { createServer } from '../../src/http/server.ts'
import { tempDir } from '../helpers/child.ts'
import { assertError } from '../helpers/native-errors.ts'

const INDEX = '<!doctype html><title>console</title><div id="app"></div>'
const SCRIPT = 'console.log("app")'

/** The hub's HTTP server with no API routes and nobody signed in, serving the console from `dir` (and the portal). */
async function serverWith (t: TestContext, consoleDir: string, logger: Logger | false = false, portal: { portalDir?: string; portalFrameAncestors?: string[] } = {}) {
  const app = await createServer({
    logger,
    users: { authenticate: async () => null },
    wireFormats: [],
    apiRateLimitPerMinute: null,
    sharedSchemas: [],
    consoleDir,
    maxBodyBytesInFlight: 64 * 1024 * 1024,
    ...portal,
    accessLog: 'errors',
  })
  t.after(() => app.close())
  await app.ready()
  return app
}

function builtConsole (t: TestContext) {
  const dir = tempDir(t, 'hookhub-console-')
  fs.mkdirSync(path.join(dir, 'assets'))
  fs.writeFileSync(path.join(dir, 'index.html'), INDEX)
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), SCRIPT)
  return dir
}

test('/console redirects to /console/, which serves index.html without a token, uncached, with a strict CSP', async (t) => {
  const app = await serverWith(t, builtConsole(t))
  const redirect = await app.inject({ method: 'GET', url: '/console' })
  assert.equal(redirect.statusCode, 301)
  assert.equal(redirect.headers.location, '/console/')

  const res = await app.inject({ method: 'GET', url: '/console/' })
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.body, INDEX)
  assert.match(String(res.headers['content-type']), /^text\/html/)
  assert.equal(res.headers['cache-control'], 'no-cache')
  assert.match(String(res.headers['content-security-policy']), /default-src 'self'/)
  assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/)
  assert.equal(res.headers['x-frame-options'], 'DENY')
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
})

test('/portal serves its own build; framing is refused by default, the console refuses it whatever the portal allows', async (t) => {
  const portalDir = builtConsole(t)
  fs.writeFileSync(path.join(portalDir, 'index.html'), '<!doctype html><title>portal</title>')
  const closed = await serverWith(t, builtConsole(t), false, { portalDir })
  const redirect = await closed.inject({ method: 'GET', url: '/portal' })
  assert.equal(redirect.statusCode, 301)
  assert.equal(redirect.headers.location, '/portal/')
  const page = await closed.inject({ method: 'GET', url: '/portal/' })
  assert.equal(page.statusCode, 200)
  assert.equal(page.body, '<!doctype html><title>portal</title>')
  assert.match(String(page.headers['content-security-policy']), /; frame-ancestors 'none'$/)
  assert.equal(page.headers['x-frame-options'], 'DENY')
  assert.equal(page.headers['referrer-policy'], 'no-referrer')
  assert.equal((await closed.inject({ method: 'GET', url: '/portal/assets/index-abc123.js' })).body, SCRIPT)

  const open = await serverWith(t, builtConsole(t), false, { portalDir, portalFrameAncestors: ['https://app.example.com', 'http://127.0.0.1:5173'] })
  for (const url of ['/portal/', '/portal/assets/index-abc123.js']) {
    const res = await open.inject({ method: 'GET', url })
    assert.match(String(res.headers['content-security-policy']), /; frame-ancestors https:\/\/app\.example\.com http:\/\/127\.0\.0\.1:5173$/, url)
    assert.equal(res.headers['x-frame-options'], undefined, 'it cannot name origins; frame-ancestors decides')
  }
  const consolePage = await open.inject({ method: 'GET', url: '/console/' })
  assert.match(String(consolePage.headers['content-security-policy']), /frame-ancestors 'none'/)
  assert.equal(consolePage.headers['x-frame-options'], 'DENY')
})

test('deep links of the app answer index.html (SPA fallback), query strings included', async (t) => {
  const app = await serverWith(t, builtConsole(t))
  for (const url of ['/console/deliveries', '/console/deliveries/dlv_01abc', '/console/events?type=order.created&since=2h', '/console/nodes/']) {
    const res = await app.inject({ method: 'GET', url })
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`)
    assert.equal(res.body, INDEX, url)
  }
})

test('hashed assets are served with a year of immutable caching; a missing file is a native 404', async (t) => {
  const app = await serverWith(t, builtConsole(t))
  const res = await app.inject({ method: 'GET', url: '/console/assets/index-abc123.js' })
  assert.equal(res.statusCode, 200)
  assert.equal(res.body, SCRIPT)
  assert.match(String(res.headers['content-type']), /javascript/)
  assert.match(String(res.headers['cache-control']), /max-age=31536000/)
  assert.match(String(res.headers['cache-control']), /immutable/)

  const missing = await app.inject({ method: 'GET', url: '/console/assets/gone-000.js' })
  const error = assertError(missing, 404, 'HOOKHUB_ROUTE_NOT_FOUND')
  assert.equal(error.message, 'Route GET /console/assets/gone-000.js not found')
})

test('asset names the file system refuses (NUL, 5,000 characters, a file as a folder) are a native 404, nothing logged as an error', async (t) => {
  const lines: string[] = []
  const logger = pino({ level: 'info' }, new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(chunk.toString('utf8')); done() } }))
  const app = await serverWith(t, builtConsole(t), logger)
  for (const url of ['/console/assets/x%00.js', `/console/assets/${'x'.repeat(5000)}.js`, `/console/${'y'.repeat(5000)}.css`, '/console/index.html/x.js']) {
    const res = await app.inject({ method: 'GET', url })
    const error = assertError(res, 404, 'HOOKHUB_ROUTE_NOT_FOUND')
    assert.equal(error.message, `Route GET ${url} not found`)
    assert.doesNotMatch(res.body, /\bat \/|node:|stack/, url.slice(0, 40))
  }
  assert.deepEqual(lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50), [])
})

test('paths that climb out of the console directory reveal nothing', async (t) => {
  const dir = builtConsole(t)
  fs.writeFileSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.txt`), 'TOP-SECRET-CONTENT')
  t.after(() => fs.rmSync(path.join(path.dirname(dir), `${path.basename(dir)}-secret.txt`), { force: true }))
  const app = await serverWith(t, dir)
  for (const url of [`/console/..%2f${path.basename(dir)}-secret.txt`, `/console/assets/..%2f..%2f${path.basename(dir)}-secret.txt`]) {
    const res = await app.inject({ method: 'GET', url })
    assertError(res, 404, 'HOOKHUB_ROUTE_NOT_FOUND')
    assert.ok(!res.body.includes('TOP-SECRET-CONTENT'), url)
  }
})

test('other methods on console paths answer 405 with Allow', async (t) => {
  const app = await serverWith(t, builtConsole(t))
  const res = await app.inject({ method: 'POST', url: '/console/', payload: {} })
  const error = assertError(res, 405, 'HOOKHUB_METHOD_NOT_ALLOWED')
  assert.deepEqual(error.details, { allow: ['GET', 'HEAD'] })
})

test('without a build every console path answers 503 HOOKHUB_CONSOLE_NOT_BUILT saying how to build', async (t) => {
  const app = await serverWith(t, path.join(tempDir(t, 'hookhub-console-'), 'missing'))
  for (const url of ['/console/', '/console/endpoints', '/console/assets/index-abc123.js']) {
    const res = await app.inject({ method: 'GET', url })
    assert.equal(res.statusCode, 503, url)
    assert.deepEqual(res.json(), {
      error: { code: 'HOOKHUB_CONSOLE_NOT_BUILT', message: 'The web console is not built; run npm run build', details: {} },
    })
  }
})

test('the console is not part of the OpenAPI document', async (t) => {
  const app = await serverWith(t, builtConsole(t))
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> }
  assert.deepEqual(Object.keys(doc.paths ?? {}).filter((p) => p.startsWith('/console') || p.startsWith('/portal')), [])
})
