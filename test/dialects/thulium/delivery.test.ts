import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { FAST_DELIVERY, publish, settled } from '../../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub } from '../../helpers/hub.ts'
import { startSink, type ReceivedRequest } from '../../helpers/sink.ts'
import { apiUser, BASE, createWebhook, MASK } from './support.ts'

reportSkippedPostgres()

/** The issue's example of a Thulium event: a chat conversation was created. */
const CHAT_CREATED = {
  conversation_id: 12,
  date: '2016-04-20 09:46:24',
  chat_queue_id: 1,
  client_name: 'Jan',
  client_email: 'jan@example.pl',
}
const CHAT_CLOSED = { conversation_id: 12, date: '2016-04-20 10:02:11', chat_queue_id: 1, agent_login: 'agent.żółć' }
const CALL_ENDED = { call_id: 'c-77', duration: 31.5, tags: ['sales', 'pl'], customer: { id: 9, name: 'ACME sp. z o.o.' }, note: null }

const basicHeader = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

/** The thulium body of a received request, checked to be a flat JSON object. */
function thuliumBody (req: ReceivedRequest): Record<string, unknown> {
  const body = JSON.parse(req.body) as unknown
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), `a flat object: ${req.body}`)
  return body as Record<string, unknown>
}

// Issue 5, Thulium "Delivery" and Tests: "Thulium subscriptions receive only their actions, with Basic auth".
for (const engine of engines) {
  describe(`[${engine}] Thulium webhooks deliver their actions`, () => {
    test('two subscriptions: each event reaches only the subscription of its action, flat, with Basic auth only where set', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const user = await apiUser(hub)
      const chats = await startSink(t)
      const calls = await startSink(t)
      await createWebhook(hub, user.headers, { actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: `${chats.url}/thulium/chats` })
      await createWebhook(hub, user.headers, {
        actions: ['CHAT_CONVERSATION_CLOSED', 'CALL_ENDED'], subscription_url: `${calls.url}/thulium/calls?src=hookhub`,
        http_auth_user: 'hook_user', http_auth_password: 's3cret:pass',
      })

      const created = await publish(hub, 'CHAT_CONVERSATION_CREATED', CHAT_CREATED)
      const closed = await publish(hub, 'CHAT_CONVERSATION_CLOSED', CHAT_CLOSED)
      const ended = await publish(hub, 'CALL_ENDED', CALL_ENDED)
      assert.deepEqual([created.deliveries, closed.deliveries, ended.deliveries], [1, 1, 1], 'each event routes to exactly one subscription')
      for (const type of ['CHAT_MESSAGE_RECEIVED', 'chat_conversation_created', 'CHAT_CONVERSATION', 'CALL_ENDED_X']) {
        const other = await publish(hub, type, { x: 1 })
        assert.equal(other.deliveries, 0, `${type} matches no subscription`)
      }
      for (const event of [created, closed, ended]) {
        const [delivery] = await settled(hub, event.id)
        assert.equal(delivery.status, 'succeeded')
      }

      assert.equal(chats.received.length, 1, 'the chat subscription got only its action')
      const [chat] = chats.received
      assert.equal(chat.method, 'POST')
      assert.equal(chat.url, '/thulium/chats')
      assert.equal(chat.headers['content-type'], 'application/json')
      assert.equal(chat.headers.authorization, undefined, 'no http_auth_user: no Authorization header')
      assert.deepEqual(thuliumBody(chat), {
        action: 'CHAT_CONVERSATION_CREATED',
        conversation_id: 12,
        date: '2016-04-20 09:46:24',
        chat_queue_id: 1,
        client_name: 'Jan',
        client_email: 'jan@example.pl',
      })

      assert.equal(calls.received.length, 2, 'the calls subscription got its two actions and nothing else')
      const byAction = new Map(calls.received.map((r) => [thuliumBody(r).action, r]))
      assert.deepEqual([...byAction.keys()].sort(), ['CALL_ENDED', 'CHAT_CONVERSATION_CLOSED'])
      for (const req of calls.received) {
        assert.equal(req.method, 'POST')
        assert.equal(req.url, '/thulium/calls?src=hookhub')
        assert.equal(req.headers.authorization, basicHeader('hook_user', 's3cret:pass'))
      }
      assert.deepEqual(thuliumBody(byAction.get('CHAT_CONVERSATION_CLOSED')!), { action: 'CHAT_CONVERSATION_CLOSED', ...CHAT_CLOSED })
      assert.deepEqual(thuliumBody(byAction.get('CALL_ENDED')!), { action: 'CALL_ENDED', ...CALL_ENDED })
    })

    test('one action subscribed twice reaches both subscriptions', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const user = await apiUser(hub)
      const one = await startSink(t)
      const two = await startSink(t)
      await createWebhook(hub, user.headers, { actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: one.url })
      await createWebhook(hub, user.headers, { actions: ['CALL_ENDED', 'CHAT_CONVERSATION_CREATED'], subscription_url: two.url, http_auth_user: 'u2', http_auth_password: 'p2' })
      const event = await publish(hub, 'CHAT_CONVERSATION_CREATED', CHAT_CREATED)
      assert.equal(event.deliveries, 2)
      const deliveries = await settled(hub, event.id)
      assert.deepEqual(deliveries.map((d) => d.status), ['succeeded', 'succeeded'])
      assert.deepEqual(one.received.map(thuliumBody), [{ action: 'CHAT_CONVERSATION_CREATED', ...CHAT_CREATED }])
      assert.deepEqual(two.received.map(thuliumBody), [{ action: 'CHAT_CONVERSATION_CREATED', ...CHAT_CREATED }])
      assert.equal(one.received[0].headers.authorization, undefined)
      assert.equal(two.received[0].headers.authorization, basicHeader('u2', 'p2'))
    })

    test('PUT with "********" keeps the password the sink receives; PUT with new values changes target, actions and credentials', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const user = await apiUser(hub)
      const first = await startSink(t)
      const second = await startSink(t)
      const webhook = await createWebhook(hub, user.headers, {
        actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: `${first.url}/hook`, http_auth_user: 'hook_user', http_auth_password: 'original-pass',
      })

      // Sent back as read: the mask stands for the stored password.
      const masked = await hub.app.inject({
        method: 'PUT', url: `${BASE}/${webhook.id}`, headers: user.headers,
        payload: { actions: ['CALL_ENDED'], subscription_url: `${first.url}/hook`, http_auth_user: 'hook_user', http_auth_password: MASK },
      })
      assert.equal(masked.statusCode, 200, masked.body)
      assert.equal((await publish(hub, 'CHAT_CONVERSATION_CREATED', CHAT_CREATED)).deliveries, 0, 'the old action is no longer subscribed')
      const kept = await publish(hub, 'CALL_ENDED', CALL_ENDED)
      assert.equal(kept.deliveries, 1)
      assert.equal((await settled(hub, kept.id))[0].status, 'succeeded')
      assert.equal(first.received.length, 1)
      assert.equal(first.received[0].headers.authorization, basicHeader('hook_user', 'original-pass'), 'the stored password, not the mask')
      assert.deepEqual(thuliumBody(first.received[0]), { action: 'CALL_ENDED', ...CALL_ENDED })

      const replaced = await hub.app.inject({
        method: 'PUT', url: `${BASE}/${webhook.id}`, headers: user.headers,
        payload: { actions: ['CALL_ENDED'], subscription_url: `${second.url}/new`, http_auth_user: 'new_user', http_auth_password: 'new-pass' },
      })
      assert.equal(replaced.statusCode, 200, replaced.body)
      const moved = await publish(hub, 'CALL_ENDED', { call_id: 'c-78' })
      assert.equal((await settled(hub, moved.id))[0].status, 'succeeded')
      assert.equal(second.received.length, 1)
      assert.equal(second.received[0].url, '/new')
      assert.equal(second.received[0].headers.authorization, basicHeader('new_user', 'new-pass'))
      assert.deepEqual(thuliumBody(second.received[0]), { action: 'CALL_ENDED', call_id: 'c-78' })

      const cleared = await hub.app.inject({
        method: 'PUT', url: `${BASE}/${webhook.id}`, headers: user.headers,
        payload: { actions: ['CALL_ENDED'], subscription_url: `${second.url}/new` },
      })
      assert.equal(cleared.statusCode, 200, cleared.body)
      const anonymous = await publish(hub, 'CALL_ENDED', { call_id: 'c-79' })
      assert.equal((await settled(hub, anonymous.id))[0].status, 'succeeded')
      assert.equal(second.received.length, 2)
      assert.equal(second.received[1].headers.authorization, undefined, 'credentials removed: no Authorization header')
      assert.equal(first.received.length, 1, 'the old target got nothing after the move')
    })

    test('the flat body keeps the payload\'s numbers as the sender wrote them (no precision lost)', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const user = await apiUser(hub)
      const sink = await startSink(t)
      await createWebhook(hub, user.headers, { actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: sink.url })
      // DESIGN: an event's payload is the raw JSON as received; a 64-bit id must not turn into a nearby double.
      const res = await hub.app.inject({
        method: 'POST', url: '/api/v1/events', headers: { ...hub.admin, 'content-type': 'application/json' },
        payload: '{"type":"CHAT_CONVERSATION_CREATED","payload":{"conversation_id":12345678901234567890,"client_name":"Jan"}}',
      })
      assert.equal(res.statusCode, 202, res.body)
      assert.equal((await settled(hub, res.json().id))[0].status, 'succeeded')
      const body = sink.received[0].body
      assert.match(body, /"conversation_id":12345678901234567890[,}]/, `the id as sent: ${body}`)
      assert.match(body, /"action":"CHAT_CONVERSATION_CREATED"/)
      assert.match(body, /"client_name":"Jan"/)
    })

    test('a deleted webhook receives nothing more', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const user = await apiUser(hub)
      const sink = await startSink(t)
      const webhook = await createWebhook(hub, user.headers, { actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: sink.url })
      const before = await publish(hub, 'CHAT_CONVERSATION_CREATED', CHAT_CREATED)
      await settled(hub, before.id)
      assert.equal(sink.received.length, 1)
      const del = await hub.app.inject({ method: 'DELETE', url: `${BASE}/${webhook.id}`, headers: user.headers })
      assert.equal(del.statusCode, 204)
      const after = await publish(hub, 'CHAT_CONVERSATION_CREATED', CHAT_CREATED)
      assert.equal(after.deliveries, 0)
      await new Promise((resolve) => setTimeout(resolve, 200))
      assert.equal(sink.received.length, 1)
    })
  })
}
