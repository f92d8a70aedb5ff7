import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib'
import { DeliveryError, type SendOptions } from '../core/delivery-client.ts'
import { bodyOf, brokerHeaders, createBrokerPool, withTimeout } from './broker-pool.ts'
import type { BrokerTarget } from './broker-url.ts'
import type { BrokerAnswer, DestinationRequest } from './destination.ts'

interface AmqpClient {
  connection: ChannelModel
  /** A channel error (an unknown exchange) closes the channel only: the next try opens another. */
  channel: Promise<ConfirmChannel> | null
  /** Message ids the broker returned as unroutable, until their confirm arrives. */
  returned: Set<string>
  /** Why the server closed the last channel: it fails the confirms that channel still owed. */
  channelError: unknown
}

/** Why the server closed a channel, e.g. "404 (NOT-FOUND) … no exchange 'x'". */
function fromChannelError (err: unknown): DeliveryError {
  const message = (err as Error)?.message ?? String(err)
  if (/NOT.FOUND/.test(message)) return new DeliveryError('NOT_FOUND', message)
  if (/ACCESS.REFUSED/.test(message)) return new DeliveryError('AUTH_FAILED', message)
  return new DeliveryError('BROKER_ERROR', message)
}

function openChannel (client: AmqpClient): Promise<ConfirmChannel> {
  client.channel ??= client.connection.createConfirmChannel().then((channel) => {
    client.channelError = null
    channel.on('error', (err) => { client.channelError = err })
    channel.on('close', () => { client.channel = null })
    channel.on('return', (message) => { client.returned.add(String(message.properties.messageId)) })
    return channel
  }, (err) => {
    client.channel = null
    throw fromChannelError(err)
  })
  return client.channel
}

/**
 * RabbitMQ (AMQP 0-9-1): a persistent message published `mandatory` on a confirm channel. The
 * broker's ack is success; a nack, or a message returned as unroutable, is a failed try.
 */
export function createAmqpDestination (options: { allowPrivateNetworks: boolean; requestTimeoutMs: number }) {
  const pool = createBrokerPool<AmqpClient>({
    async connect (target, address, lost) {
      const connection = await amqp.connect({
        protocol: target.tls ? 'amqps' : 'amqp',
        hostname: address,
        port: target.port,
        username: target.username || 'guest',
        password: target.password || 'guest',
        vhost: target.path || '/',
        heartbeat: 30,
      }, target.tls ? { servername: target.host } : {})
      connection.on('error', () => {})
      connection.on('close', lost)
      return { connection, channel: null, returned: new Set(), channelError: null }
    },
    close: (client) => client.connection.close(),
  }, options)

  function publish (channel: ConfirmChannel, client: AmqpClient, target: BrokerTarget, request: DestinationRequest): Promise<BrokerAnswer> {
    const exchange = target.params.get('exchange') ?? ''
    const routingKey = target.params.get('routing_key') ?? ''
    return new Promise((resolve, reject) => {
      channel.publish(exchange, routingKey, bodyOf(request.body), {
        persistent: true,
        mandatory: true,
        messageId: request.deliveryId,
        type: request.eventType,
        contentType: request.headers['content-type'],
        timestamp: Math.floor(Date.now() / 1000),
        headers: brokerHeaders(request.headers, request.eventType),
      }, (err) => {
        const returned = client.returned.delete(request.deliveryId)
        if (err) return reject(client.channelError ? fromChannelError(client.channelError) : new DeliveryError('BROKER_NACK', 'the broker refused the message (nack)'))
        if (returned) return reject(new DeliveryError('UNROUTABLE', `no queue is bound to exchange "${exchange}" for routing key "${routingKey}"`))
        resolve({ broker: 'amqp', ack: true })
      })
    })
  }

  return {
    async send (target: BrokerTarget, request: DestinationRequest, send: SendOptions): Promise<BrokerAnswer> {
      const client = await pool.get(target)
      const channel = await openChannel(client)
      return withTimeout(publish(channel, client, target, request), Math.min(send.timeoutMs ?? options.requestTimeoutMs, options.requestTimeoutMs), 'the AMQP broker')
    },
    close: () => pool.close(),
  }
}
