// One suite for every broker kind, run against the real broker: a kind's test file gives a
// fixture (how to make its target exist, how to read what arrived) and calls brokerSuite.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { brokerTest, BROKER_PORTS, closedPort, eventually, startProxy, type Kind } from '../helpers/brokers.ts'
import { createEndpoint, deliveriesOf, publish } from '../helpers/delivery.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'

/** Many quick retries: a test fixes the target long before they run out, however slow the machine. */
const BROKER_ENV = {
  HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true',
  HOOKHUB_RETRY_SCHEDULE: ['0', ...Array(80).fill('250ms')].join(','),
  HOOKHUB_CIRCUIT_COOLDOWN: '100ms',
  HOOKHUB_REQUEST_TIMEOUT: '5s',
}

export interface ReceivedMessage {
  /** The broker message id: the delivery id. */
  id: string
  body: Buffer
  headers: Record<string, string>
}

export interface BrokerFixture {
  /** The endpoint URL for this fixture's target through `port` (the broker's, or a proxy's). */
  url (port: number): string
  /** Makes the target exist and receive: exchange and bound queue, stream, subscription… */
  fix (): Promise<void>
  /**
   * A target that is not ready yet, step by step: a try fails with `code`, then `then` runs
   * (the last `then` makes it deliverable). Empty when a kind has no such state (MQTT).
   */
  brokenSteps: { code: string; then?: () => Promise<void> }[]
  /** Puts the target in its broken state before the first try; optional. */
  breakFirst? (): Promise<void>
  /** Messages that arrived, oldest first. */
  received (): Promise<ReceivedMessage[]>
  /** What the broker's answer on a successful attempt must hold. */
  answer: Record<string, unknown | NumberConstructor | StringConstructor>
  close (): Promise<void>
}

type Attempt = { response: Record<string, unknown> | null; error: { code: string; message: string } | null; request: { url: string; headers: Record<string, string> } }
type Detail = { id: string; status: string; attempt_count: number; last_status_code: number | null; attempts: Attempt[] }

const detailOf = async (hub: TestHub, eventId: string) => (await deliveriesOf(hub, eventId))[0] as unknown as Detail | undefined

async function succeeded (hub: TestHub, eventId: string): Promise<Detail> {
  return eventually(`delivery of ${eventId}`, async () => {
    const d = await detailOf(hub, eventId)
    if (d?.status === 'failed') throw new Error(`failed: ${JSON.stringify(d.attempts.map((a) => a.error))}`)
    return d?.status === 'succeeded' ? d : undefined
  })
}

/** Waits for a failed try with `code`, while the delivery is kept for a retry. */
async function failedTry (hub: TestHub, eventId: string, code: string): Promise<Detail> {
  return eventually(`a try failing with ${code}`, async () => {
    const d = await detailOf(hub, eventId)
    assert.notEqual(d?.status, 'succeeded', 'delivered while the target was broken')
    return d?.attempts.some((a) => a.error?.code === code) ? d : undefined
  })
}

export const unique = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`

/** The message as it arrived carries the delivery id, the event type and a signature that verifies over its body. */
function assertSigned (message: ReceivedMessage, secret: string, deliveryId: string, type: string) {
  assert.equal(message.id, deliveryId)
  assert.equal(message.headers['webhook-event-type'], type)
  const verified = new Webhook(secret).verify(message.body.toString(), {
    'webhook-id': message.headers['webhook-id'], 'webhook-timestamp': message.headers['webhook-timestamp'], 'webhook-signature': message.headers['webhook-signature'],
  }) as { type: string; data: unknown }
  assert.equal(verified.type, type)
  return verified
}

/** `variant` names a variant of the kind in test names (e.g. "qos 2"). */
export async function brokerSuite (kind: Kind, fixtureOf: (t: import('node:test').TestContext) => Promise<BrokerFixture>, variant = '') {
  if (!variant.endsWith('2')) reportSkippedPostgres()
  const name = variant ? `${kind} (${variant})` : kind
  for (const engine of engines) {
    await brokerTest(kind, `[${engine}] ${name}: delivers signed messages, retries while the target is missing, records the broker's answer`, async (t) => {
      const fixture = await fixtureOf(t)
      t.after(() => fixture.close())
      const hub = await startHub(t, engine, BROKER_ENV)
      await fixture.breakFirst?.()
      const type = unique('order.created')
      if (fixture.brokenSteps.length === 0) await fixture.fix()
      const endpoint = await createEndpoint(hub, { url: fixture.url(BROKER_PORTS[kind]), filter: { types: [type] } })
      const event = await publish(hub, type, { n: 1 })
      for (const step of fixture.brokenSteps) {
        await failedTry(hub, event.id, step.code)
        await step.then?.()
      }
      const delivery = await succeeded(hub, event.id)
      const messages = await eventually('the message', async () => ((await fixture.received()).length > 0 ? fixture.received() : undefined))
      assert.equal(messages.length, 1)
      assert.deepEqual(assertSigned(messages[0], endpoint.secret, delivery.id, type).data, { n: 1 })
      const last = delivery.attempts.find((a) => a.error === null)!
      assert.ok(delivery.attempts.length >= fixture.brokenSteps.length + 1, 'every try is on record')
      assert.equal(delivery.last_status_code, null, 'a broker has no HTTP status')
      for (const [key, value] of Object.entries<unknown>({ broker: kind, ...fixture.answer })) {
        if (value === Number) assert.equal(typeof last.response?.[key], 'number', key)
        else if (value === String) assert.equal(typeof last.response?.[key], 'string', key)
        else assert.deepEqual(last.response?.[key], value, key)
      }
      assert.equal(last.request.headers['webhook-signature'], '****', 'the recorded signature is masked')
      // Health and the console's statistics count an acknowledgement as a success.
      const health = (await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${endpoint.id}/health`, headers: hub.admin })).json() as { success_rate: { last_hour: number } }
      const okShare = delivery.attempts.filter((a) => a.error === null).length / delivery.attempts.length
      assert.equal(health.success_rate.last_hour, okShare)
      const overview = (await hub.app.inject({ method: 'GET', url: '/api/v1/stats/overview', headers: hub.admin })).json() as { success_rate_last_hour: number }
      assert.equal(overview.success_rate_last_hour, okShare, 'the hub has this one endpoint')
      const metrics = (await hub.app.inject({ method: 'GET', url: '/metrics' })).body
      assert.match(metrics, new RegExp(`^hookhub_delivery_attempts_by_destination_total\\{destination="${kind}",outcome="succeeded"\\} 1$`, 'm'))
      const { password } = new URL(fixture.url(BROKER_PORTS[kind]))
      if (password) assert.ok(last.request.url.includes(':****@') && !last.request.url.includes(`:${password}@`), `the recorded URL is masked: ${last.request.url}`)
    })
  }

  await brokerTest(kind, `[sqlite] ${name}: an unreachable broker fails tries that retry by schedule`, async (t) => {
    const fixture = await fixtureOf(t)
    t.after(() => fixture.close())
    const hub = await startHub(t, 'sqlite', BROKER_ENV)
    const type = unique('ping')
    await createEndpoint(hub, { url: fixture.url(await closedPort()), filter: { types: [type] } })
    const event = await publish(hub, type, {})
    const d = await eventually('three refused tries', async () => {
      const detail = await detailOf(hub, event.id)
      return detail && detail.attempts.length >= 3 ? detail : undefined
    })
    assert.equal(d.status, 'pending', 'kept for the next retry')
    for (const a of d.attempts) assert.equal(a.error?.code, 'CONNECTION_REFUSED', JSON.stringify(a.error))
  })

  await brokerTest(kind, `[sqlite] ${name}: the broker going away and coming back loses nothing`, async (t) => {
    const fixture = await fixtureOf(t)
    t.after(() => fixture.close())
    await fixture.fix()
    const proxy = await startProxy(BROKER_PORTS[kind])
    t.after(() => proxy.stop())
    const hub = await startHub(t, 'sqlite', BROKER_ENV)
    const type = unique('tick')
    const endpoint = await createEndpoint(hub, { url: fixture.url(proxy.port), filter: { types: [type] } })
    const first = await publish(hub, type, { n: 1 })
    await succeeded(hub, first.id)
    await proxy.stop()
    const second = await publish(hub, type, { n: 2 })
    await eventually('a failed try while the broker is away', async () => {
      const d = await detailOf(hub, second.id)
      assert.notEqual(d?.status, 'succeeded')
      return d && d.attempts.some((a) => a.error !== null) ? d : undefined
    })
    await proxy.start()
    const delivered = await succeeded(hub, second.id)
    const messages = await eventually('both messages', async () => {
      const list = await fixture.received()
      return list.length >= 2 ? list : undefined
    })
    assert.deepEqual(messages.map((m) => assertSigned(m, endpoint.secret, m.id, type).data), [{ n: 1 }, { n: 2 }])
    assert.equal(messages[1].id, delivered.id)
  })
}
