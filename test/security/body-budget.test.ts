// Issue 15 (2): request bodies in flight are bounded per process (HOOKHUB_MAX_BODY_BYTES_IN_FLIGHT).
// Past the budget a request is answered 503 with Retry-After before its body is read, in the
// shape of its API; a chunked body is cut once it passes; the size limit (413) and
// authentication (401) still come first; what a JSON body costs once parsed counts too.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { createPoint, SEED_CREATE } from '../dialects/incoplax/support.ts'
import { waitUntil } from '../reliability/support.ts'

reportSkippedPostgres()

const MIB = 1024 * 1024
const BUDGET = { HOOKHUB_MAX_BODY_BYTES_IN_FLIGHT: String(MIB), HOOKHUB_WORKERS: '0', HOOKHUB_RETENTION_DAYS: '0' }
const HELD = 600_000
const BUSY_MESSAGE = 'Too many request bodies in flight; retry after 1 s'

interface Answer { status: number; retryAfter?: string; body: unknown }

/** Listens on 127.0.0.1 and returns the base URL. */
async function listening (hub: TestHub): Promise<string> {
  await hub.app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`
}

/**
 * Sends the request line and headers only, declaring `length` body bytes that never come: an
 * answer proves the hub answered without reading the body.
 */
function headersOnly (url: string, method: string, length: number, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { 'content-type': 'application/json', 'content-length': length, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        req.destroy()
        const text = Buffer.concat(chunks).toString()
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: text ? JSON.parse(text) : undefined })
      })
    })
    req.on('error', reject)
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${method} ${url} without its body`)))
    req.flushHeaders()
  })
}

/**
 * Runs `body` while a request that declares `length` bytes and sends none holds that much of
 * the budget; the holder is gone afterwards whatever happens (the hub's close waits for it).
 */
async function whileHeld (hub: TestHub, url: string, length: number, body: () => Promise<void>) {
  const req = http.request(`${url}/api/v1/events`, {
    method: 'POST', agent: false, headers: { ...hub.admin, 'content-type': 'application/json', 'content-length': length },
  })
  req.on('error', () => {})
  req.flushHeaders()
  try {
    await waitUntil('the held body is charged', () => (hub.app.bodyBudget.used >= length ? true : undefined), 10_000, 10)
    await body()
  } finally {
    req.destroy()
  }
}

async function budgetReturns (hub: TestHub) {
  await waitUntil('every body given back', () => (hub.app.bodyBudget.used === 0 ? true : undefined), 10_000, 10)
}

const nativeBusy = { error: { code: 'HOOKHUB_BUSY', message: BUSY_MESSAGE, details: { retry_after_s: 1 } } }

for (const engine of engines) {
  describe(`[${engine}] the body budget`, () => {
    test('past the budget every API answers 503 + Retry-After in its own shape before reading the body; 413 and 401 come first', async (t) => {
      const hub = await startHub(t, engine, BUDGET)
      const url = await listening(hub)
      const source = (await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: 'open', verify: 'none' } })).json() as { inbound_url: string }
      const point = await createPoint(hub, SEED_CREATE)
      const auth = hub.admin
      await whileHeld(hub, url, HELD, async () => {
        const cases: [string, string, Record<string, string>, unknown][] = [
          ['POST', '/api/v1/events', auth, nativeBusy],
          ['POST', '/api/webhooks', auth, nativeBusy],
          ['POST', '/api/v1/integrations', auth, { message: 'Service Unavailable' }],
          ['POST', '/api/v1/integration/nodes', auth, { error: { code: 'SERVICE_UNAVAILABLE', message: BUSY_MESSAGE, details: { retry_after_s: 1 } } }],
          ['POST', '/rest/v1/service/integration_points', auth, { error_code: 1503, error_message: BUSY_MESSAGE }],
          ['POST', `/hooks/${source.inbound_url.split('/hooks/')[1]}`, {}, nativeBusy],
          // A dialect's inbound URL answers in the dialect's shape.
          ['POST', `/hooks/${point.token_local}`, {}, { error_code: 1503, error_message: BUSY_MESSAGE }],
        ]
        for (const [method, path, headers, body] of cases) {
          const res = await headersOnly(`${url}${path}`, method, MIB - HELD + 1, headers)
          assert.deepEqual(res, { status: 503, retryAfter: '1', body }, `${method} ${path}`)
        }
        const anonymous = await headersOnly(`${url}/api/v1/events`, 'POST', MIB - HELD + 1)
        assert.equal(anonymous.status, 401, 'authentication before the budget')
        const tooLarge = await headersOnly(`${url}/api/v1/events`, 'POST', MIB + 1, auth)
        assert.equal(tooLarge.status, 413, 'the size limit before the budget')
        const unknown = await headersOnly(`${url}/hooks/no-such-token`, 'POST', MIB - HELD + 1)
        assert.equal(unknown.status, 404, 'an unknown inbound URL is answered before its body is read')
        assert.equal(hub.app.bodyBudget.used, HELD, 'refused requests hold nothing')
      })
      await budgetReturns(hub)
      const published = await hub.app.inject({ method: 'POST', url: '/api/v1/events', headers: auth, payload: { type: 'after', payload: { pad: 'x'.repeat(MIB - HELD) } } })
      assert.equal(published.statusCode, 202, published.body)
      await budgetReturns(hub)
    })

    test('a chunked body without Content-Length counts as it arrives and is cut once it passes the budget', async (t) => {
      const hub = await startHub(t, engine, BUDGET)
      const url = await listening(hub)
      const source = (await hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers: hub.admin, payload: { name: 'open', verify: 'none' } })).json() as { inbound_url: string }
      const hook = `${url}/hooks/${source.inbound_url.split('/hooks/')[1]}`
      await whileHeld(hub, url, HELD, async () => {
        const answer = await new Promise<Answer & { sent: number }>((resolve, reject) => {
          let sent = 0
          const req = http.request(hook, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', () => {
              req.destroy()
              resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: JSON.parse(Buffer.concat(chunks).toString()), sent })
            })
          })
          req.on('error', reject)
          const chunk = Buffer.alloc(16 * 1024, ' ')
          // Writes until the answer comes; the whole body would be far beyond the budget.
          const writeMore = () => {
            if (req.destroyed || sent >= 4 * MIB) return
            sent += chunk.length
            if (req.write(chunk)) setImmediate(writeMore)
            else req.once('drain', writeMore)
          }
          writeMore()
      })
      assert.equal(answer.status, 503)
      assert.equal(answer.retryAfter, '1')
      assert.deepEqual(answer.body, nativeBusy)
      assert.ok(answer.sent < 4 * MIB, 'cut before the body ended')
      })
      await budgetReturns(hub)
    })

    test('what a JSON body costs once parsed is charged too: a small body of many tiny objects is refused when its parsed form would pass the budget', async (t) => {
      const hub = await startHub(t, engine, BUDGET)
      // 100 kB of {} parses into some 2 MB of objects; 100 kB of text parses into 100 kB.
      const objects = await hub.app.inject({
        method: 'POST', url: '/api/v1/events', headers: { ...hub.admin, 'content-type': 'application/json' },
        payload: `{"type":"many","payload":[${Array(33_000).fill('{}').join(',')}]}`,
      })
      assert.equal(objects.statusCode, 503, objects.body)
      assert.deepEqual(objects.json(), nativeBusy)
      assert.equal(objects.headers['retry-after'], '1')
      const text = await hub.app.inject({ method: 'POST', url: '/api/v1/events', headers: hub.admin, payload: { type: 'text', payload: 'x'.repeat(100_000) } })
      assert.equal(text.statusCode, 202, text.body)
      await budgetReturns(hub)
    })
  })
}
