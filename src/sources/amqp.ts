import amqp, { type ConsumeMessage } from 'amqplib'
import { consumerState, CONCURRENCY, headerText, type BrokerMessage, type OpenConsumer } from './consumer.ts'

// AMQP 0-9-1 (RabbitMQ): the queue named by ?queue= is consumed as the operator declared it;
// several hub processes on one queue are competing consumers. Each message is acknowledged
// after its event is committed; an unacknowledged one is requeued when the channel closes.

/** AMQP properties by the names `type_from` may use (snake case, as the protocol spells them). */
const PROPERTIES: Record<string, keyof ConsumeMessage['properties']> = {
  type: 'type',
  content_type: 'contentType',
  content_encoding: 'contentEncoding',
  message_id: 'messageId',
  correlation_id: 'correlationId',
  app_id: 'appId',
  user_id: 'userId',
  reply_to: 'replyTo',
  priority: 'priority',
  timestamp: 'timestamp',
}

function toMessage (msg: ConsumeMessage): BrokerMessage {
  const headers = new Map<string, string>()
  for (const [name, value] of Object.entries(msg.properties.headers ?? {})) {
    const text = headerText(value)
    if (text !== null) headers.set(name.toLowerCase(), text)
  }
  // A property wins over a header of the same name: `type_from: "type"` means the AMQP type property.
  for (const [name, key] of Object.entries(PROPERTIES)) {
    const text = headerText(msg.properties[key])
    if (text !== null) headers.set(name, text)
  }
  const messageId = headerText(msg.properties.messageId) ?? headers.get('webhook-id') ?? null
  return { body: msg.content, contentType: headerText(msg.properties.contentType), headers, messageId }
}

export const openAmqp: OpenConsumer = async ({ target, address, store }) => {
  const path = target.url.pathname
  const connection = await amqp.connect({
    protocol: target.tls ? 'amqps' : 'amqp',
    hostname: address,
    port: target.port,
    username: target.username || 'guest',
    password: target.password || 'guest',
    vhost: path === '' || path === '/' ? '/' : decodeURIComponent(path.slice(1)),
    // A silent broker is noticed within two missed heartbeats.
    heartbeat: 10,
  }, { servername: target.host, timeout: 10_000 })
  let consumerTag: string | null = null
  const state = consumerState(async () => { await connection.close() })
  connection.on('error', (err: Error) => state.fail(err))
  connection.on('close', () => state.fail(new Error('the AMQP connection closed')))
  try {
    const channel = await connection.createChannel()
    channel.on('error', (err: Error) => state.fail(err))
    channel.on('close', () => state.fail(new Error('the AMQP channel closed')))
    await channel.prefetch(CONCURRENCY)
    const queue = target.param('queue')
    ;({ consumerTag } = await channel.consume(queue, (msg) => {
      // null: the broker cancelled the consumer (the queue was deleted).
      if (msg === null) return state.fail(new Error(`the queue ${queue} was deleted`))
      state.track(store(toMessage(msg)).then(
        () => { if (!state.failed) channel.ack(msg) },
        (err: unknown) => state.fail(err),
      ))
    }, { noAck: false }))
    return {
      ended: state.ended,
      async close () {
        state.markStopped()
        if (consumerTag !== null) await channel.cancel(consumerTag).catch(() => {})
        await state.drain()
        await connection.close().catch(() => {})
      },
    }
  } catch (err) {
    state.markStopped()
    await connection.close().catch(() => {})
    throw err
  }
}
