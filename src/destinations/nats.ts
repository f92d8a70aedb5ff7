import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node'
import { jetstream, type JetStreamClient } from '@nats-io/jetstream'
import { DeliveryError, type SendOptions } from '../core/delivery-client.ts'
import { bodyOf, brokerHeaders, createBrokerPool } from './broker-pool.ts'
import type { BrokerTarget } from './broker-url.ts'
import type { BrokerAnswer, DestinationRequest } from './destination.ts'

interface NatsClient {
  connection: NatsConnection
  js: JetStreamClient
}

function publishError (err: unknown, subject: string): DeliveryError {
  const e = err as { message?: string; name?: string; code?: string }
  const message = e?.message ?? String(err)
  // No stream listens on the subject: the publish has no responder, which the client reports
  // as JetStream not being enabled (the server cannot tell the two apart).
  if (/no responders|503|jetstream is not enabled/i.test(message) || e?.name === 'NoRespondersError') {
    return new DeliveryError('NOT_FOUND', `no JetStream stream covers subject "${subject}" (or JetStream is not enabled)`)
  }
  if (/timeout/i.test(message) || e?.name === 'TimeoutError') return new DeliveryError('TIMEOUT', 'NATS JetStream did not acknowledge in time')
  if (/closed|disconnect/i.test(message)) return new DeliveryError('CONNECTION_RESET', message)
  return new DeliveryError('BROKER_ERROR', message)
}

/** NATS JetStream: a publish that waits for the stream's PubAck, `Nats-Msg-Id` = the delivery id. */
export function createNatsDestination (options: { allowPrivateNetworks: boolean; requestTimeoutMs: number }) {
  const pool = createBrokerPool<NatsClient>({
    async connect (target, address, lost) {
      const connection = await connect({
        // TLS checks the certificate against the name, so it connects by name (resolved and checked just before).
        servers: target.tls ? `${target.host}:${target.port}` : `${address.includes(':') ? `[${address}]` : address}:${target.port}`,
        ...(target.username && { user: target.username, pass: target.password }),
        ...(target.tls && { tls: {} }),
        // The pool reconnects with its own backoff; meanwhile tries fail at once.
        reconnect: false,
        timeout: 5_000,
        name: 'hookhub',
      })
      connection.closed().then(lost, lost)
      return { connection, js: jetstream(connection) }
    },
    close: (client) => client.connection.close(),
  }, options)

  return {
    async send (target: BrokerTarget, request: DestinationRequest, send: SendOptions): Promise<BrokerAnswer> {
      const client = await pool.get(target)
      const subject = target.params.get('subject') ?? ''
      const headers = natsHeaders()
      for (const [name, value] of Object.entries(brokerHeaders(request.headers, request.eventType))) headers.set(name, value)
      if (request.headers['content-type']) headers.set('content-type', request.headers['content-type'])
      try {
        const ack = await client.js.publish(subject, bodyOf(request.body), {
          msgID: request.deliveryId,
          headers,
          timeout: Math.min(send.timeoutMs ?? options.requestTimeoutMs, options.requestTimeoutMs),
        })
        return { broker: 'nats', stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate }
      } catch (err) {
        if (client.connection.isClosed()) pool.discard(target, client)
        throw publishError(err, subject)
      }
    },
    close: () => pool.close(),
  }
}
