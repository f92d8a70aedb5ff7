// The brokers hookhub delivers to and consumes from, and the URL schemes of each with their
// standard ports. Kept free of imports: the CLI reads it to start.

export const BROKER_KINDS = ['amqp', 'nats', 'redis', 'mqtt'] as const
export type BrokerKind = typeof BROKER_KINDS[number]
export const isBrokerKind = (kind: string): kind is BrokerKind => (BROKER_KINDS as readonly string[]).includes(kind)

/** Each kind's schemes (`amqps:` and the like speak TLS) and the port a URL without one means. */
export const BROKER_SCHEMES: Record<BrokerKind, Readonly<Record<string, number>>> = {
  amqp: { 'amqp:': 5672, 'amqps:': 5671 },
  nats: { 'nats:': 4222 },
  redis: { 'redis:': 6379, 'rediss:': 6379 },
  mqtt: { 'mqtt:': 1883, 'mqtts:': 8883 },
}

const TLS_SCHEMES = new Set(['amqps:', 'rediss:', 'mqtts:'])
export const isTlsScheme = (protocol: string) => TLS_SCHEMES.has(protocol)
