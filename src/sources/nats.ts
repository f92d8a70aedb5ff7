import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError, type JsMsg } from '@nats-io/jetstream'
import { connect, nanos } from '@nats-io/transport-node'
import { consumerState, CONCURRENCY, type BrokerMessage, type OpenConsumer } from './consumer.ts'

// NATS JetStream: the durable pull consumer ?consumer= of the stream ?stream= (created by hookhub
// when missing, from the start of the stream, explicit acks). Several hub processes pulling from
// one durable consumer compete for its messages. A message not acknowledged within the ack wait
// (HOOKHUB_LEASE_SECONDS) is delivered again.

function toMessage (msg: JsMsg): BrokerMessage {
  const headers = new Map<string, string>()
  for (const [name, values] of msg.headers ?? []) {
    if (values.length > 0) headers.set(name.toLowerCase(), values[0])
  }
  // The publisher's id when it gave one (JetStream de-duplicates on it too); else the stream
  // sequence, which the same message keeps on every redelivery.
  const messageId = headers.get('nats-msg-id') ?? `seq:${msg.seq}`
  return { body: Buffer.from(msg.data), contentType: headers.get('content-type') ?? null, headers, messageId }
}

export const openNats: OpenConsumer = async ({ target, address, leaseMs, store }) => {
  const connection = await connect({
    servers: `${address.includes(':') ? `[${address}]` : address}:${target.port}`,
    ...(target.password !== '' ? { user: target.username, pass: target.password } : target.username !== '' ? { token: target.username } : {}),
    ...(target.tls && { tls: { servername: target.host } as never }),
    // The supervisor reconnects (with its own backoff); other servers of a cluster are not dialled.
    reconnect: false,
    ignoreClusterUpdates: true,
    timeout: 10_000,
  })
  try {
    const stream = target.param('stream')
    const durable = target.param('consumer')
    const manager = await jetstreamManager(connection)
    try {
      await manager.consumers.info(stream, durable)
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.ConsumerNotFound) throw err
      await manager.consumers.add(stream, {
        durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: nanos(leaseMs),
      })
    }
    const consumer = await jetstream(connection).consumers.get(stream, durable)
    const messages = await consumer.consume({ max_messages: CONCURRENCY })
    const state = consumerState(async () => { messages.stop(); await connection.close() })
    void connection.closed().then((err) => state.fail(err ?? new Error('the NATS connection closed')))
    const pulling = (async () => {
      for await (const msg of messages) {
        state.track(store(toMessage(msg)).then(
          () => { if (!state.failed) msg.ack() },
          (err: unknown) => state.fail(err),
        ))
        await state.room()
      }
    })().catch((err: unknown) => state.fail(err))
    return {
      ended: state.ended,
      async close () {
        state.markStopped()
        messages.stop()
        await pulling
        await state.drain()
        // Acks are sent before the connection goes.
        await connection.drain().catch(() => connection.close())
      },
    }
  } catch (err) {
    await connection.close().catch(() => {})
    throw err
  }
}
