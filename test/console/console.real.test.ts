// The web console in a real browser: Debian's chromium driven by playwright-core against a real
// `hookhub serve` child (SQLite, fast retries). Without chromium the test is skipped with a
// visible line, unless HOOKHUB_REQUIRE_BROWSER=1 (CI) makes that a failure.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { TestContext } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { ensureConsoleBuilt } from '../../scripts/ensure-build.js'
import { childEnv, fetchWithin, ROOT, startServe, tempDir } from '../helpers/child.ts'
import { browserTest, launchChromium } from '../helpers/browser.ts'
import { FAST_DELIVERY } from '../helpers/delivery.ts'
import { startSink } from '../helpers/sink.ts'

const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console')
const ADMIN = 'hh_console_browser_test_admin_token'
/** Each wait in the browser; the whole test stays well under a minute. */
const STEP_MS = 20_000

type Api = <T = unknown>(method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<T>

function apiOf (hub: string): Api {
  return async (method, url, body, headers = {}) => {
    const res = await fetchWithin(hub + url, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    assert.ok(res.ok, `${method} ${url}: ${res.status} ${text}`)
    return (text ? JSON.parse(text) : null) as never
  }
}

async function until<T> (what: string, probe: () => Promise<T | undefined>, timeoutMs = STEP_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** One resource of every kind the console lists, so that each page has something to show. */
async function seed (api: Api, sinkUrl: string) {
  const endpoint = await api<{ id: string }>('POST', '/api/v1/endpoints', { url: `${sinkUrl}/orders`, filter: { types: ['order.*'] } })
  await api('POST', '/api/v1/sources', { name: 'Kanboard board', verify: 'kanboard', secret: 'kanboard-token' })
  await api('POST', '/api/v1/integrations', { name: 'Stripe Webhook', type: 'webhook', provider: 'stripe', credentials: { webhook_secret: 'whsec_test' } })
  const brokerstr = { 'x-target-server': 'integration' }
  const apex = await api<{ id: string }>('POST', '/api/v1/integration/nodes', { name: 'Acme', type: 1 }, brokerstr)
  await api('POST', '/api/v1/integration/nodes', { name: 'Acme EU', type: 2, parent_id: apex.id }, brokerstr)
  await api('POST', `/api/v1/integration/distributors/nodes/${apex.id}`,
    { meta: { host: 'https://example.com', path: '/acme', method: 2, authentication: { type: 2, token: 'abc' } } }, brokerstr)
  await api('POST', '/rest/v1/service/integration_points', { code: 'SHOP', type: 'public', url: 'https://example.com/shop' })
  await api('POST', '/api/webhooks', { actions: ['CALL_ENDED'], subscription_url: 'https://example.com/thulium' })
  return { endpointId: endpoint.id }
}

/** Console errors and uncaught exceptions of a page, with where they came from. */
function watchErrors (page: Page) {
  const errors: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`) })
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`))
  return errors
}

async function signIn (page: Page, hub: string) {
  await page.goto(`${hub}/console/`)
  await page.getByLabel('API token').fill(ADMIN)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true })

async function run (t: TestContext) {
  ensureConsoleBuilt({ quiet: true })
  fs.mkdirSync(ARTIFACTS, { recursive: true })

  // The receiver fails until the test repairs it.
  let healthy = false
  const sink = await startSink(t, (_req, res) => {
    res.statusCode = healthy ? 200 : 500
    res.end(healthy ? 'thanks' : 'receiver is down')
  })
  const dir = tempDir(t, 'hookhub-console-')
  const hub = await startServe(t, childEnv({
    HOOKHUB_DATABASE_URL: `sqlite:${path.join(dir, 'hub.db')}`,
    HOOKHUB_ADMIN_TOKEN: ADMIN,
    HOOKHUB_LOG_LEVEL: 'warn',
    ...FAST_DELIVERY,
  }))
  const api = apiOf(hub.url)
  const { endpointId } = await seed(api, sink.url)
  const published = await api<{ id: string }>('POST', '/api/v1/events', { type: 'order.created', payload: { id: 1001, total: '12.50' } })
  const delivery = await until('the delivery to fail', async () => {
    const event = await api<{ deliveries: { id: string; status: string }[] }>('GET', `/api/v1/events/${published.id}`)
    return event.deliveries[0]?.status === 'failed' ? event.deliveries[0] : undefined
  })

  // Starting chromium beside another test file's processes on two cores can take a while.
  const browser: Browser = await launchChromium()
  t.after(() => browser.close())

  await t.test('a wrong token is refused; the keyboard alone signs in, with a visible focus ring', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_MS)
    await page.goto(`${hub.url}/console/deliveries`)
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'token')
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'none', 'focus is visible')
    await page.keyboard.type('hh_not_a_token_of_this_hub')
    await page.keyboard.press('Enter')
    await page.getByRole('alert').filter({ hasText: 'does not accept this token' }).waitFor()
    await page.getByLabel('API token').fill('')
    await page.keyboard.type(ADMIN)
    await page.keyboard.press('Enter')
    // The deep link asked for survives signing in.
    await page.getByRole('heading', { level: 1, name: 'Deliveries' }).waitFor()
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hookhub.token')), ADMIN)
    await context.close()
  })

  await t.test('the failing endpoint\'s failed delivery is visible; Retry after the receiver recovers turns it green', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_MS)
    const errors = watchErrors(page)
    await signIn(page, hub.url)
    const failing = page.getByRole('region', { name: 'Failing endpoints' })
    await failing.getByText(`${sink.url}/orders`).waitFor()
    assert.equal(await page.getByTestId('success-rate').textContent(), '0 %')
    await shot(page, 'overview')

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Deliveries' }).click()
    const row = page.getByRole('row').filter({ hasText: delivery.id })
    await row.locator('.status-failed').waitFor()
    await row.getByRole('link', { name: delivery.id }).click()
    await page.getByRole('heading', { level: 1, name: `Delivery ${delivery.id}` }).waitFor()
    const status = page.getByTestId('delivery-status').locator('.status')
    assert.equal(await status.textContent(), 'failed')
    // The last attempt is open: the request's signature header, the receiver's status and body.
    const last = page.locator('.attempts > li').last()
    await last.getByText('webhook-signature').waitFor()
    await last.getByText('receiver is down').waitFor()
    assert.equal(await page.locator('.attempts > li').count(), 3)
    await shot(page, 'delivery-failed')

    healthy = true
    await page.getByRole('button', { name: 'Retry' }).click()
    await page.getByTestId('delivery-status').locator('.status-succeeded').waitFor()
    assert.equal(await status.textContent(), 'succeeded')
    const colour = await status.evaluate((el) => getComputedStyle(el).color)
    const [r, g, b] = colour.match(/\d+/g)!.map(Number)
    assert.ok(g > r && g > b, `the succeeded badge is green (${colour})`)
    await page.locator('.attempts > li').nth(3).getByText('thanks').waitFor()
    await shot(page, 'delivery-retried')
    assert.equal(sink.received.filter((r) => r.url === '/orders').length, 4, 'three failed tries and the retry')
    assert.deepEqual(errors, [])
    await context.close()
  })

  await t.test('without the stream (404) the delivery page polls and sees a retry made elsewhere succeed', async () => {
    healthy = false
    const again = await api<{ id: string }>('POST', '/api/v1/events', { type: 'order.updated', payload: { id: 1001 } })
    const failed = await until('the second delivery to fail', async () => {
      const event = await api<{ deliveries: { id: string; status: string }[] }>('GET', `/api/v1/events/${again.id}`)
      return event.deliveries[0]?.status === 'failed' ? event.deliveries[0] : undefined
    })
    const context = await browser.newContext()
    // As on a hub that has no stream route: the console falls back to polling.
    await context.route('**/api/v1/stream*', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":{"code":"HOOKHUB_ROUTE_NOT_FOUND","message":"no stream","details":{}}}' }))
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_MS)
    await signIn(page, hub.url)
    await page.goto(`${hub.url}/console/deliveries/${failed.id}`)
    await page.getByRole('status').filter({ hasText: 'Refreshing every 3 s' }).waitFor()
    assert.equal(await page.getByTestId('delivery-status').textContent(), 'failed')
    // Retried behind the page's back: only polling can bring the news.
    healthy = true
    await api('POST', `/api/v1/deliveries/${failed.id}/retry`)
    await page.getByTestId('delivery-status').locator('.status-succeeded').waitFor()
    await context.close()
  })

  await t.test('every page renders its content without console errors', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_MS)
    const errors = watchErrors(page)
    await signIn(page, hub.url)
    const pages: [link: string, heading: string, content: string][] = [
      ['Endpoints', 'Endpoints', endpointId],
      ['Deliveries', 'Deliveries', delivery.id],
      ['Events', 'Events', published.id],
      ['Sources', 'Sources', 'Kanboard board'],
      ['Integrations CyberCert', 'Integrations (CyberCert)', 'Stripe Webhook'],
      ['Nodes Brokerstr', 'Nodes and distributors (Brokerstr)', 'Acme'],
      ['Integration points Incoplax', 'Integration points (Incoplax)', 'SHOP'],
      ['Webhooks Thulium', 'Webhooks (Thulium)', 'CALL_ENDED'],
    ]
    const nav = page.getByRole('navigation', { name: 'Console' })
    for (const [link, heading, content] of pages) {
      await nav.getByRole('link', { name: link, exact: true }).click()
      await page.getByRole('heading', { level: 1, name: heading }).waitFor()
      await page.getByText(content, { exact: false }).first().waitFor()
      await shot(page, heading.toLowerCase().replace(/[^a-z]+/g, '-').replace(/-$/, ''))
    }
    // An endpoint's actions: pause and resume, recover, rotate the secret (shown once).
    await nav.getByRole('link', { name: 'Endpoints', exact: true }).click()
    const row = page.locator(`tr[data-endpoint="${endpointId}"]`)
    await row.getByRole('button', { name: 'Pause' }).click()
    await row.locator('.status-paused').waitFor()
    await row.getByRole('button', { name: 'Resume' }).click()
    await row.locator('.status-enabled').waitFor()
    await row.getByLabel('Recover failed since').selectOption('7d')
    await row.getByRole('button', { name: 'Recover' }).click()
    await row.getByRole('status').filter({ hasText: '0 failed deliveries queued again.' }).waitFor()
    page.once('dialog', (dialog) => { void dialog.accept() })
    await row.getByRole('button', { name: 'Rotate secret' }).click()
    assert.match(await row.locator('.notice code').textContent() ?? '', /^whsec_[A-Za-z0-9+/]+=*$/)
    // The node tree opens by keyboard and shows the Apex's child and distributor.
    await nav.getByRole('link', { name: 'Nodes Brokerstr', exact: true }).click()
    await page.getByRole('button', { name: /^Acme/ }).focus()
    await page.keyboard.press('Enter')
    await page.getByText('https://example.com/acme').waitFor()
    await page.getByRole('button', { name: /^Acme EU/ }).waitFor()
    // An event's page shows its payload and where it went.
    await page.goto(`${hub.url}/console/events/${published.id}`)
    await page.getByText('"total": "12.50"').waitFor()
    await page.getByRole('region', { name: 'Deliveries of this event' }).getByText(endpointId).waitFor()
    assert.deepEqual(errors, [])
    await context.close()
  })

  await t.test('at phone width the console fits the screen', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_MS)
    const errors = watchErrors(page)
    await signIn(page, hub.url)
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Deliveries' }).click()
    await page.getByRole('row').filter({ hasText: delivery.id }).waitFor()
    assert.equal(await page.getByLabel('Created').inputValue(), '24h', 'the filter shows the window listed')
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`)
    await shot(page, 'phone-deliveries')
    assert.deepEqual(errors, [])
    await context.close()
  })
}

browserTest('web console in chromium: sign-in, retry a failed delivery, every page, phone width', 120_000, run)
