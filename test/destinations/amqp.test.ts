// AMQP endpoints against the real RabbitMQ on 127.0.0.1:5672 (guest/guest).
import amqp from 'amqplib'
import { brokerSuite, unique, type ReceivedMessage } from './support.ts'

await brokerSuite('amqp', async () => {
  const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672')
  const channel = await connection.createChannel()
  const exchange = unique('hh_test_ex')
  const queue = unique('hh_test_q')
  const routingKey = 'orders'
  const declareExchange = async () => { await channel.assertExchange(exchange, 'direct', { durable: false, autoDelete: false }) }
  const bindQueue = async () => {
    await channel.assertQueue(queue, { durable: false, exclusive: true })
    await channel.bindQueue(queue, exchange, routingKey)
  }
  const received: ReceivedMessage[] = []
  return {
    url: (port) => `amqp://guest:guest@127.0.0.1:${port}/?exchange=${exchange}&routing_key=${routingKey}`,
    async fix () {
      await declareExchange()
      await bindQueue()
    },
    brokenSteps: [
      { code: 'NOT_FOUND', then: declareExchange },
      { code: 'UNROUTABLE', then: bindQueue },
    ],
    async received () {
      for (;;) {
        const message = await channel.get(queue, { noAck: true }).catch(() => false as const)
        if (!message) return received
        const p = message.properties
        if (p.deliveryMode !== 2) throw new Error('the message is not persistent')
        if (p.contentType !== 'application/json') throw new Error(`content type ${p.contentType}`)
        if (p.type !== p.headers?.['webhook-event-type']) throw new Error(`type property ${p.type}`)
        received.push({ id: p.messageId, body: message.content, headers: Object.fromEntries(Object.entries(p.headers ?? {}).map(([k, v]) => [k, String(v)])) })
      }
    },
    answer: { ack: true },
    async close () {
      await channel.deleteExchange(exchange).catch(() => {})
      await connection.close().catch(() => {})
    },
  }
})
