// MQTT endpoints against the real Mosquitto on 127.0.0.1:1883 (MQTT 5, QoS 1 and 2).
import mqtt from 'mqtt'
import { brokerSuite, unique, type ReceivedMessage } from './support.ts'

for (const qos of [1, 2] as const) {
  await brokerSuite('mqtt', async () => {
    const topic = `hh/test/${unique('topic')}`
    const client = await mqtt.connectAsync({ host: '127.0.0.1', port: 1883, protocolVersion: 5, reconnectPeriod: 0 })
    const received: ReceivedMessage[] = []
    client.on('message', (_topic, payload, packet) => {
      const headers = Object.fromEntries(Object.entries(packet.properties?.userProperties ?? {}).map(([k, v]) => [k, String(v)]))
      received.push({ id: '', body: payload, headers })
    })
    return {
      url: (port) => `mqtt://127.0.0.1:${port}?topic=${encodeURIComponent(topic)}&qos=${qos}`,
      async fix () { await client.subscribeAsync(topic, { qos }) },
      // A topic needs no declaring: nothing to fix.
      brokenSteps: [],
      async received () {
        // MQTT has no message id of its own: the delivery id travels in a user property.
        return received.map((m) => ({ ...m, id: m.headers['webhook-delivery-id'] }))
      },
      answer: { qos },
      close: () => client.endAsync(),
    }
  }, `qos ${qos}`)
}
