// Real tier: `hookhub transform test` against a compiled `serve` child, whose transform threads
// load the worker entry from dist/ (.js); and a delivery through a transform by that hub.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { fetchWithin, tempDir } from '../helpers/child.ts'
import { startSink } from '../helpers/sink.ts'
import { ADMIN_TOKEN, assertFails, assertOk, serveHub, show } from './support.ts'

const RENAME = `function handler (webhook) {
  console.log('order', webhook.payload.id)
  webhook.payload.order_id = webhook.payload.id
  delete webhook.payload.id
  webhook.headers['x-shop'] = 'demo'
  return webhook
}
`

describe('[sqlite] transforms in the compiled hub', () => {
  test('hookhub transform test prints the result, logs and time; a failing handler exits 1 with the reason', { timeout: 120_000 }, async (t) => {
    const hub = await serveHub(t, 'sqlite')
    const dir = tempDir(t)
    const code = path.join(dir, 'rename.js')
    fs.writeFileSync(code, RENAME)
    const payload = path.join(dir, 'order.json')
    fs.writeFileSync(payload, '{"id": "ord_1", "total": 5}')
    const webhook = path.join(dir, 'webhook.json')
    fs.writeFileSync(webhook, JSON.stringify({ method: 'PUT', payload: { id: 'ord_2' }, event: { type: 'order.paid' } }))

    const json = await hub.json<{ result: { method: string; payload: unknown; headers: Record<string, string> }; logs: string }>(
      ['transform', 'test', code, '--event', payload])
    assert.deepEqual(json.result.payload, { total: 5, order_id: 'ord_1' })
    assert.equal(json.result.headers['x-shop'], 'demo')
    assert.equal(json.logs, 'order ord_1\n')

    const text = await hub.run(['transform', 'test', code, '--event', webhook])
    assertOk(text)
    assert.match(text.stdout, /^console: order ord_2$/m)
    assert.match(text.stdout, /"method": "PUT"/)
    assert.match(text.stdout, /"order_id": "ord_2"/)
    assert.match(text.stdout, /^ran in \d+ ms$/m)

    const broken = path.join(dir, 'broken.js')
    fs.writeFileSync(broken, 'function handler () { for (;;) {} }')
    assertFails(await hub.run(['transform', 'test', broken]), 1, /ran longer than 50 ms.*HOOKHUB_TRANSFORM_FAILED/)
    assertFails(await hub.run(['transform', 'test', path.join(dir, 'missing.js')]), 2, /cannot read the transform file/)
    fs.writeFileSync(payload, '{')
    assertFails(await hub.run(['transform', 'test', code, '--event', payload]), 2, /--event .* is not valid JSON/)
    const help = await hub.run(['transform', 'test', '--help'])
    assert.match(help.stdout, /--event <file>/, show(help))
  })

  test('a delivery through a transform is changed, signed over what was sent, and its logs kept', { timeout: 120_000 }, async (t) => {
    const hub = await serveHub(t, 'sqlite')
    const sink = await startSink(t)
    const api = (method: string, route: string, body?: unknown) => fetchWithin(`${hub.url}${route}`, {
      method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const created = await api('POST', '/api/v1/endpoints', { url: sink.url, format: 'raw', transform: { code: RENAME } })
    assert.equal(created.status, 201)
    const endpoint = await created.json() as { id: string; secret: string }
    const published = await (await api('POST', '/api/v1/events', { type: 'order.created', payload: { id: 'ord_9' } })).json() as { id: string }
    await sink.waitFor(1, 30_000)
    const { headers, body } = sink.received[0]
    assert.deepEqual(JSON.parse(body), { order_id: 'ord_9' })
    assert.equal(headers['x-shop'], 'demo')
    new Webhook(endpoint.secret).verify(body, headers as Record<string, string>)
    const deliveries = await (await api('GET', `/api/v1/deliveries?event_id=${published.id}`)).json() as { data: { id: string }[] }
    const detail = await (await api('GET', `/api/v1/deliveries/${deliveries.data[0].id}`)).json() as { attempts: { logs?: string }[] }
    assert.equal(detail.attempts[0].logs, 'order ord_9\n')
  })
})
