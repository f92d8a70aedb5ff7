// The customer portal in a real browser: Debian's chromium driven by playwright-core, the portal
// framed by a page of another local origin, against a real `hookhub serve` child (SQLite, fast
// retries). Without chromium the test is skipped with a visible line, unless
// HOOKHUB_REQUIRE_BROWSER=1 (CI) makes that a failure.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { TestContext } from 'node:test'
import type { Browser, Frame, Page } from 'playwright-core'
import { ensureConsoleBuilt } from '../../scripts/ensure-build.js'
import { childEnv, fetchWithin, ROOT, startServe, tempDir } from '../helpers/child.ts'
import { browserTest, launchChromium } from '../helpers/browser.ts'
import { FAST_DELIVERY } from '../helpers/delivery.ts'
import { startSink } from '../helpers/sink.ts'

const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'portal')
const ADMIN = 'hh_portal_browser_test_admin_token'
const EXPIRED = 'This portal link has expired — ask for a new one.'
/** Each wait in the browser; the whole test stays well under two minutes. */
const STEP_MS = 20_000

type Api = <T = unknown>(method: string, url: string, body?: unknown, token?: string) => Promise<T>

function apiOf (hub: string): Api {
  return async (method, url, body, token = ADMIN) => {
    const res = await fetchWithin(hub + url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    assert.ok(res.ok, `${method} ${url}: ${res.status} ${text}`)
    return (text ? JSON.parse(text) : null) as never
  }
}

/** Console errors and uncaught exceptions of a page and its frames; a refused token's 401 is expected where the test says so. */
function watchErrors (page: Page) {
  const errors: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`) })
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`))
  return errors
}

/** A page that frames `src`, as a customer's own application would. */
const outerPage = (src: string) =>
  `<!doctype html><html><head><title>Acme dashboard</title></head><body><h1>Acme dashboard</h1>
<iframe title="Webhooks" src="${src}" style="width:100%;height:1400px;border:0"></iframe></body></html>`

async function until<T> (what: string, probe: () => Promise<T | undefined>, timeoutMs = STEP_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true })

async function portalFrame (page: Page): Promise<Frame> {
  const handle = await page.locator('iframe').elementHandle()
  const frame = await handle!.contentFrame()
  assert.ok(frame, 'the iframe has a frame')
  return frame
}

async function run (t: TestContext) {
  ensureConsoleBuilt({ quiet: true })
  fs.mkdirSync(ARTIFACTS, { recursive: true })

  let portalSrc = ''
  const allowed = await startSink(t, (_req, res) => { res.setHeader('content-type', 'text/html'); res.end(outerPage(portalSrc)) })
  const refused = await startSink(t, (_req, res) => { res.setHeader('content-type', 'text/html'); res.end(outerPage(portalSrc)) })
  // The receiver answers JSON, which the portal shows pretty-printed.
  const receiver = await startSink(t, (_req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"received":true,"by":"acme"}') })
  const dir = tempDir(t, 'hookhub-portal-')
  const hub = await startServe(t, childEnv({
    HOOKHUB_DATABASE_URL: `sqlite:${path.join(dir, 'hub.db')}`,
    HOOKHUB_ADMIN_TOKEN: ADMIN,
    HOOKHUB_LOG_LEVEL: 'warn',
    HOOKHUB_PORTAL_FRAME_ANCESTORS: allowed.url,
    ...FAST_DELIVERY,
  }))
  const api = apiOf(hub.url)
  await api('POST', '/api/v1/event-types', {
    name: 'order.created', description: 'A customer placed an order',
    schema: { type: 'object', required: ['order_id'], properties: { order_id: { type: 'string' } } }, example: { order_id: 'ord_1001', total: 12.5 },
  })
  await api('POST', '/api/v1/event-types', { name: 'order.paid', description: 'The order was paid', example: { order_id: 'ord_1001' } })
  await api('POST', '/api/v1/event-types', { name: 'invoice.sent', description: 'Not chosen', example: {} })
  await api('POST', '/api/v1/tenants', { id: 'acme', name: 'Acme Corp' })
  const session = await api<{ url: string; token: string }>('POST', '/api/v1/tenants/acme/portal-sessions', { expires_in: 3600 })
  const token = session.token
  assert.ok(session.url.endsWith(`/portal#token=${token}`), session.url)
  portalSrc = `${hub.url}/portal#token=${token}`

  const browser: Browser = await launchChromium()
  t.after(() => browser.close())

  await t.test('framed by an allowed origin: add an endpoint, send a test event, see it arrive, retry it, rotate the secret', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_MS)
    const errors = watchErrors(page)
    const framed = page.waitForResponse((r) => r.url() === `${hub.url}/portal/`)
    await page.goto(allowed.url)
    const csp = (await (await framed).allHeaders())['content-security-policy']
    assert.match(csp, new RegExp(`frame-ancestors ${allowed.url.replace(/[.:/]/g, '\\$&')}$`))
    const portal = await portalFrame(page)
    await portal.getByRole('heading', { level: 1, name: 'Webhook endpoints' }).waitFor()
    assert.equal(await portal.evaluate(() => location.hash), '', 'the token left the address bar')
    assert.equal(await portal.evaluate(() => sessionStorage.getItem('hookhub.portal.token')), token)

    await portal.getByRole('button', { name: 'Add endpoint' }).click()
    await portal.getByLabel('Endpoint URL').fill(`${receiver.url}/acme`)
    const created = portal.locator('.type-choice').filter({ hasText: 'order.created' })
    await created.getByText('A customer placed an order').waitFor()
    await created.getByText('Schema and example').click()
    await created.getByLabel('Schema of order.created').getByText('"required": [').waitFor()
    await created.getByLabel('Example of order.created').getByText('"order_id": "ord_1001"').waitFor()
    await portal.getByRole('checkbox', { name: 'order.created', exact: true }).check()
    await portal.getByRole('checkbox', { name: 'order.paid', exact: true }).check()
    await portal.getByRole('button', { name: 'Add endpoint' }).click()
    await portal.getByRole('heading', { level: 1, name: `${receiver.url}/acme` }).waitFor()
    const { data } = await api<{ data: { id: string; url: string; filter: { types: string[] } }[] }>('GET', '/api/v1/endpoints?limit=500')
    const endpoint = data.find((e) => e.url === `${receiver.url}/acme`)
    assert.ok(endpoint, 'the endpoint was created')
    assert.deepEqual(endpoint.filter.types, ['order.created', 'order.paid'])
    assert.equal((endpoint as { tenant_id?: string }).tenant_id, 'acme', 'the session\'s tenant owns it')

    await portal.getByRole('button', { name: 'Send test event' }).click()
    await portal.getByRole('status').filter({ hasText: 'Test event sent' }).waitFor()
    await receiver.waitFor(1, STEP_MS)
    assert.equal(receiver.received[0].url, '/acme')
    const item = portal.locator('.delivery-log > li').first()
    await item.locator('.status-succeeded').waitFor()
    await item.locator('summary').click()
    await item.getByText('order.created').first().waitFor()
    const response = item.getByLabel('Response body of attempt 1')
    await response.getByText('"received": true').waitFor()
    // The catalog's example, pretty-printed.
    assert.equal(await item.getByLabel('Request body of attempt 1').textContent(), '{\n  "order_id": "ord_1001",\n  "total": 12.5\n}')
    await shot(page, 'delivered')

    await item.getByRole('button', { name: 'Retry' }).click()
    await item.getByLabel('Response body of attempt 2').waitFor()
    await receiver.waitFor(2, STEP_MS)

    await portal.getByRole('button', { name: 'Show signing secret' }).click()
    const shown = await portal.getByTestId('secret').textContent()
    assert.match(shown ?? '', /^whsec_/)
    page.once('dialog', (dialog) => { void dialog.accept() })
    await portal.getByRole('button', { name: 'Rotate secret' }).click()
    await portal.getByRole('status').filter({ hasText: 'New signing secret' }).waitFor()
    const rotated = await portal.getByTestId('secret').textContent()
    assert.notEqual(rotated, shown)
    assert.deepEqual(await api('GET', `/api/v1/endpoints/${endpoint.id}/secret`), { secret: rotated })
    await shot(page, 'rotated')
    assert.deepEqual(errors, [])
    await context.close()
  })

  await t.test('framed by an origin not allowed: the hub\'s policy refuses it and nothing renders', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_MS)
    const framed = page.waitForResponse((r) => r.url() === `${hub.url}/portal/`)
    await page.goto(refused.url)
    const csp = (await (await framed).allHeaders())['content-security-policy']
    assert.ok(!csp.includes(refused.url), `${refused.url} is not among the frame ancestors: ${csp}`)
    await page.waitForLoadState('load')
    const frame = await portalFrame(page)
    // Chromium replaces a refused frame's document with its own error page.
    assert.match(frame.url(), /^chrome-error:/, 'the frame shows the browser\'s error page')
    const rendered = await frame.evaluate(() => document.querySelector('#app')?.textContent ?? null).catch(() => null)
    assert.equal(rendered, null, 'the portal did not render in the frame')
    assert.equal(await frame.getByRole('heading', { name: 'Webhook endpoints' }).count(), 0)
    await context.close()
  })

  await t.test('an expired link says so; at phone width, in dark mode, the portal fits the screen; a read-only link says so; revoked while open, it says so', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: 'dark' })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_MS)
    const short = await api<{ token: string }>('POST', '/api/v1/tenants/acme/portal-sessions', { expires_in: 1 })
    // Expiry is a lower bound: wait until the hub refuses the token, with a generous limit.
    await until('the short session to expire', async () =>
      (await fetchWithin(`${hub.url}/api/v1/endpoints`, { headers: { authorization: `Bearer ${short.token}` } })).status === 401 ? true : undefined)
    await page.goto(`${hub.url}/portal#token=${short.token}`)
    await page.getByRole('alert').filter({ hasText: EXPIRED }).waitFor()
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hookhub.portal.token')), null, 'the dead token is forgotten')
    await shot(page, 'expired')

    await page.goto(`${hub.url}/portal#token=${token}`)
    await page.getByRole('heading', { level: 1, name: 'Webhook endpoints' }).waitFor()
    await page.locator('.endpoint-cards > li').first().waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`)
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    const [r, g, b] = background.match(/\d+/g)!.map(Number)
    assert.ok(r + g + b < 150, `dark mode has a dark background (${background})`)
    await shot(page, 'phone-dark')

    // A read-only link shows everything and says so when asked to change something.
    const reader = await api<{ token: string }>('POST', '/api/v1/tenants/acme/portal-sessions', { read_only: true })
    await page.goto(`${hub.url}/portal#token=${reader.token}`)
    await page.getByRole('button', { name: /^Open / }).first().click()
    await page.locator('.delivery-log > li').first().waitFor()
    await page.getByRole('button', { name: 'Send test event' }).click()
    await page.getByRole('alert').filter({ hasText: 'This portal link only allows reading' }).waitFor()

    // Revoked by the operator while the page is open: its next refresh is refused.
    await api('DELETE', '/api/v1/tenants/acme/portal-sessions')
    await page.getByRole('alert').filter({ hasText: EXPIRED }).waitFor()
    await context.close()
  })
}

browserTest('customer portal in chromium: a real portal session framed by an allowed origin, refused by another, expired and revoked links, phone width', 180_000, run)
