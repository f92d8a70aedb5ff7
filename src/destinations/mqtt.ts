import { randomBytes } from 'node:crypto'
import mqtt, { type MqttClient } from 'mqtt'
import { DeliveryError, type SendOptions } from '../core/delivery-client.ts'
import { bodyOf, brokerHeaders, createBrokerPool, withTimeout } from './broker-pool.ts'
import type { BrokerTarget } from './broker-url.ts'
import type { BrokerAnswer, DestinationRequest } from './destination.ts'

/** MQTT 5: published at QoS 1 (PUBACK is success) or 2 (PUBCOMP); user properties carry the headers. */
export function createMqttDestination (options: { allowPrivateNetworks: boolean; requestTimeoutMs: number }) {
  const pool = createBrokerPool<MqttClient>({
    async connect (target, address, lost) {
      const client = await mqtt.connectAsync({
        host: address,
        port: target.port,
        protocol: target.tls ? 'mqtts' : 'mqtt',
        ...(target.tls && { servername: target.host }),
        protocolVersion: 5,
        clientId: `hookhub-${randomBytes(6).toString('hex')}`,
        ...(target.username && { username: target.username, password: target.password }),
        // The pool reconnects with its own backoff; meanwhile tries fail at once.
        reconnectPeriod: 0,
        connectTimeout: 5_000,
      })
      client.on('error', () => {})
      client.on('close', lost)
      return client
    },
    close: (client) => client.endAsync(true),
  }, options)

  return {
    async send (target: BrokerTarget, request: DestinationRequest, send: SendOptions): Promise<BrokerAnswer> {
      const client = await pool.get(target)
      const topic = target.params.get('topic') ?? ''
      const qos = target.params.get('qos') === '2' ? 2 : 1
      try {
        const packet = await withTimeout(client.publishAsync(topic, bodyOf(request.body), {
          qos,
          properties: {
            // MQTT has no message id: the delivery id travels beside the signature headers.
            userProperties: { ...brokerHeaders(request.headers, request.eventType), 'webhook-delivery-id': request.deliveryId },
            ...(request.headers['content-type'] && { contentType: request.headers['content-type'] }),
          },
        }), Math.min(send.timeoutMs ?? options.requestTimeoutMs, options.requestTimeoutMs), 'the MQTT broker')
        return { broker: 'mqtt', qos, ...(packet?.messageId !== undefined && { packet_id: packet.messageId }) }
      } catch (err) {
        if (!client.connected) pool.discard(target, client)
        if (err instanceof DeliveryError) throw err
        throw new DeliveryError(client.connected ? 'BROKER_ERROR' : 'CONNECTION_RESET', (err as Error)?.message ?? String(err))
      }
    },
    close: () => pool.close(),
  }
}
