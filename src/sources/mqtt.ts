import mqtt, { type IPublishPacket } from 'mqtt'
import { consumerState, headerText, type BrokerMessage, type OpenConsumer } from './consumer.ts'

// MQTT 5: the topic (filter) ?topic= subscribed at QoS 1 in a persistent session whose client id
// is the source's own, so that messages published while hookhub is away wait in the broker
// (within its queue limits) and a message not acknowledged (PUBACK) is sent again on reconnect.
// MQTT has no competing consumers on a plain subscription: the supervisor lets one process at a
// time consume a source (a lease row). The PUBACK is sent after the event is committed.

const SESSION_EXPIRY_S = 7 * 24 * 3600

function toMessage (packet: IPublishPacket): BrokerMessage {
  const headers = new Map<string, string>()
  for (const [name, value] of Object.entries(packet.properties?.userProperties ?? {})) {
    const text = headerText(value)
    if (text !== null) headers.set(name.toLowerCase(), text)
  }
  headers.set('topic', packet.topic)
  const contentType = packet.properties?.contentType ?? null
  if (contentType !== null) headers.set('content-type', contentType)
  // MQTT gives a message no id of its own (packet ids are reused): the publisher's, if it sent one.
  const messageId = headers.get('message-id') ?? headers.get('webhook-id') ?? null
  const body = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)
  return { body, contentType, headers, messageId }
}

export const openMqtt: OpenConsumer = async ({ sourceId, target, address, store }) => {
  const client = mqtt.connect({
    host: address,
    port: target.port,
    protocol: target.tls ? 'mqtts' : 'mqtt',
    ...(target.tls && { servername: target.host }),
    ...(target.username !== '' && { username: target.username }),
    ...(target.password !== '' && { password: target.password }),
    protocolVersion: 5,
    clientId: `hookhub-${sourceId}`,
    clean: false,
    properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
    // The supervisor reconnects, with its own backoff.
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  })
  const state = consumerState(async () => { await client.endAsync(true) })
  // mqtt.js sends the PUBACK of a QoS 1 message when this calls back, and takes the next message after.
  client.handleMessage = (packet, callback) => {
    // Closing: not acknowledged, so the session keeps it for the next consumer.
    if (state.stopped) return
    const work = store(toMessage(packet as IPublishPacket)).then(() => callback(), (err: unknown) => state.fail(err))
    state.track(work)
  }
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      client.once('error', reject)
      client.once('close', () => reject(new Error('the MQTT connection closed before it was accepted')))
    })
    await client.subscribeAsync(target.param('topic'), { qos: 1 })
  } catch (err) {
    await client.endAsync(true).catch(() => {})
    throw err
  }
  client.on('error', (err) => state.fail(err))
  client.on('close', () => state.fail(new Error('the MQTT connection closed')))
  return {
    ended: state.ended,
    async close () {
      state.markStopped()
      await state.drain()
      // Not forced, so that the PUBACKs of stored messages leave first; forced if that hangs.
      const timer = setTimeout(() => client.end(true), 5000)
      await client.endAsync(false).catch(() => {})
      clearTimeout(timer)
    },
  }
}
