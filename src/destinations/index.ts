import type { ClientOptions, SendOptions } from '../core/delivery-client.ts'
import { createAmqpDestination } from './amqp.ts'
import { parseBrokerUrl } from './broker-url.ts'
import type { BrokerKind, Destination, DestinationAnswer, DestinationRequest } from './destination.ts'
import { createHttpDestination } from './http.ts'
import { createMqttDestination } from './mqtt.ts'
import { createNatsDestination } from './nats.ts'
import { createRedisDestination } from './redis.ts'

type BrokerOptions = { allowPrivateNetworks: boolean; requestTimeoutMs: number }

const brokerFactories = {
  amqp: createAmqpDestination,
  nats: createNatsDestination,
  redis: createRedisDestination,
  mqtt: createMqttDestination,
} satisfies Record<BrokerKind, (options: BrokerOptions) => unknown>

/**
 * Every destination kind behind one `send`, chosen by the URL's scheme. A broker kind is set
 * up on its first delivery; each keeps one client per broker connection for the process.
 */
export function createDestinations (options: ClientOptions): Destination {
  const http = createHttpDestination(options)
  const brokerOptions = { allowPrivateNetworks: options.allowPrivateNetworks, requestTimeoutMs: options.requestTimeoutMs ?? 15_000 }
  const brokers = new Map<BrokerKind, ReturnType<typeof brokerFactories[BrokerKind]>>()
  const brokerFor = (kind: BrokerKind) => {
    let broker = brokers.get(kind)
    if (!broker) brokers.set(kind, broker = brokerFactories[kind](brokerOptions))
    return broker
  }
  return {
    async send (request: DestinationRequest, send: SendOptions = {}): Promise<DestinationAnswer> {
      const target = parseBrokerUrl(request.url)
      return target ? brokerFor(target.kind).send(target, request, send) : http.send(request, send)
    },
    async close () {
      await Promise.all([http.close(), ...[...brokers.values()].map((broker) => broker.close())])
    },
  }
}
