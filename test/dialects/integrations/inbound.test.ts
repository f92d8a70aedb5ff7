import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, test } from 'node:test'
import { createEndpoint, FAST_DELIVERY } from '../../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import { startSink } from '../../helpers/sink.ts'
import { BASE, createIntegration } from './support.ts'

reportSkippedPostgres()

const hookPath = (inboundUrl: unknown) => new URL(String(inboundUrl)).pathname + new URL(String(inboundUrl)).search

function stripeSigned (secret: string, body: string, at = Math.floor(Date.now() / 1000)) {
  return { 'stripe-signature': `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')}`, 'content-type': 'application/json' }
}

async function events (hub: TestHub) {
  return (await hub.app.inject({ method: 'GET', url: '/api/v1/events?order=asc', headers: hub.admin })).json().data as { type: string; source: string; payload: unknown }[]
}

// A CyberCert webhook integration owns an inbound source (issue: delivery core, item 2).
for (const engine of engines) {
  describe(`[${engine}] CyberCert webhook integrations receive hooks`, () => {
    test('stripe: a signed event of an accepted type is stored, answered 200, and delivered onwards', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: sink.url, filter: { types: ['payment.*'] } })
      const integration = await createIntegration(hub, {
        name: 'Stripe', type: 'webhook', provider: 'stripe',
        config: { events: ['payment.succeeded'] }, credentials: { webhook_secret: 'whsec_stripe_test' },
      })
      const body = '{"id":"evt_1","type":"payment.succeeded","data":{"amount":4200}}'
      const res = await hub.app.inject({ method: 'POST', url: hookPath(integration.inbound_url), headers: stripeSigned('whsec_stripe_test', body), payload: body })
      assert.equal(res.statusCode, 200, res.body)
      assert.equal(res.json().received, true)
      assert.equal(res.json().type, 'payment.succeeded')
      await sink.waitFor(1)
      assert.deepEqual(JSON.parse(sink.received[0].body).data, { id: 'evt_1', type: 'payment.succeeded', data: { amount: 4200 } })

      const other = '{"id":"evt_2","type":"payment.failed"}'
      const ignored = await hub.app.inject({ method: 'POST', url: hookPath(integration.inbound_url), headers: stripeSigned('whsec_stripe_test', other), payload: other })
      assert.equal(ignored.statusCode, 200)
      assert.equal(ignored.json().received, false, 'config.events limits the accepted types')
      assert.deepEqual((await events(hub)).map((e) => e.type), ['payment.succeeded'])
    })

    test('a bad or stale signature answers 401 in Laravel shape and stores nothing', async (t) => {
      const hub = await startHub(t, engine)
      const integration = await createIntegration(hub, {
        name: 'Stripe', type: 'webhook', provider: 'stripe', credentials: { webhook_secret: 'whsec_right' },
      })
      const body = '{"type":"payment.succeeded"}'
      for (const headers of [
        stripeSigned('whsec_wrong', body),
        stripeSigned('whsec_right', body, Math.floor(Date.now() / 1000) - 301),
        { 'content-type': 'application/json' },
      ]) {
        const res = await hub.app.inject({ method: 'POST', url: hookPath(integration.inbound_url), headers, payload: body })
        assert.equal(res.statusCode, 401)
        assert.deepEqual(res.json(), { message: 'The request signature does not verify' })
      }
      assert.deepEqual(await events(hub), [])
    })

    test("the seed's example has no webhook secret: its inbound URL refuses until one is set", async (t) => {
      const hub = await startHub(t, engine)
      const integration = await createIntegration(hub, {
        name: 'Stripe Webhook', type: 'webhook', provider: 'stripe', credentials: { api_key: 'sk_live_...' },
      })
      const body = '{"type":"payment.succeeded"}'
      const refused = await hub.app.inject({ method: 'POST', url: hookPath(integration.inbound_url), headers: stripeSigned('anything', body), payload: body })
      assert.equal(refused.statusCode, 401)
      assert.deepEqual(refused.json(), { message: 'Source has no secret configured' })
      const patched = await hub.app.inject({
        method: 'PATCH', url: `${BASE}/${integration.uuid}`, headers: hub.admin,
        payload: { credentials: { api_key: '********', webhook_secret: 'whsec_later' } },
      })
      assert.equal(patched.statusCode, 200)
      assert.equal(patched.json().inbound_url, integration.inbound_url, 'the inbound URL stays the same')
      const accepted = await hub.app.inject({ method: 'POST', url: hookPath(integration.inbound_url), headers: stripeSigned('whsec_later', body), payload: body })
      assert.equal(accepted.statusCode, 200)
    })

    test('kanboard takes ?token= from credentials.token; github and generic providers verify as documented', async (t) => {
      const hub = await startHub(t, engine)
      const kanboard = await createIntegration(hub, { name: 'KB', type: 'webhook', provider: 'kanboard', credentials: { token: 'kb-token' } })
      const payload = { event_name: 'task.move.column', event_data: { task_id: 3 } }
      const wrong = await hub.app.inject({ method: 'POST', url: `${hookPath(kanboard.inbound_url)}?token=nope`, payload })
      assert.equal(wrong.statusCode, 401)
      const right = await hub.app.inject({ method: 'POST', url: `${hookPath(kanboard.inbound_url)}?token=kb-token`, payload })
      assert.equal(right.statusCode, 200)
      assert.equal(right.json().type, 'task.move.column')

      const github = await createIntegration(hub, { name: 'GH', type: 'webhook', provider: 'GitHub', credentials: { webhook_secret: 'gh-secret' } })
      const ghBody = '{"action":"opened"}'
      const signature = `sha256=${createHmac('sha256', 'gh-secret').update(ghBody).digest('hex')}`
      const gh = await hub.app.inject({
        method: 'POST', url: hookPath(github.inbound_url), payload: ghBody,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature, 'x-github-event': 'pull_request' },
      })
      assert.equal(gh.statusCode, 200)
      assert.equal(gh.json().type, 'pull_request')

      const generic = await createIntegration(hub, { name: 'Open', type: 'webhook' })
      const open = await hub.app.inject({ method: 'POST', url: hookPath(generic.inbound_url), payload: { type: 'x.y' } })
      assert.equal(open.statusCode, 200, 'no provider and no secret: verify none')
      const tokened = await createIntegration(hub, { name: 'Tok', type: 'webhook', provider: 'acme', credentials: { token: 't0k' } })
      assert.equal((await hub.app.inject({ method: 'POST', url: hookPath(tokened.inbound_url), payload: { type: 'x' } })).statusCode, 401)
      assert.equal((await hub.app.inject({ method: 'POST', url: `${hookPath(tokened.inbound_url)}?token=t0k`, payload: { type: 'x' } })).statusCode, 200)
    })

    test('deleted or inactive integrations stop receiving; restore and reactivation bring the same URL back', async (t) => {
      const hub = await startHub(t, engine)
      const integration = await createIntegration(hub, { name: 'Open', type: 'webhook' })
      const url = hookPath(integration.inbound_url)
      const post = () => hub.app.inject({ method: 'POST', url, payload: { type: 'x' } })
      assert.equal((await post()).statusCode, 200)
      await hub.app.inject({ method: 'DELETE', url: `${BASE}/${integration.uuid}`, headers: hub.admin })
      assert.equal((await post()).statusCode, 404)
      await hub.app.inject({ method: 'POST', url: `${BASE}/${integration.uuid}/restore`, headers: hub.admin })
      assert.equal((await post()).statusCode, 200)
      await hub.app.inject({ method: 'PATCH', url: `${BASE}/${integration.uuid}`, headers: hub.admin, payload: { is_active: false } })
      assert.equal((await post()).statusCode, 404)
      await hub.app.inject({ method: 'PATCH', url: `${BASE}/${integration.uuid}`, headers: hub.admin, payload: { type: 'api', is_active: true } })
      assert.equal((await post()).statusCode, 404, 'an integration that is no longer a webhook takes no hooks')
      const back = await hub.app.inject({ method: 'PATCH', url: `${BASE}/${integration.uuid}`, headers: hub.admin, payload: { type: 'webhook' } })
      assert.equal(back.json().inbound_url, integration.inbound_url)
      assert.equal((await post()).statusCode, 200)
    })
  })
}
