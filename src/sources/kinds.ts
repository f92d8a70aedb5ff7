// The brokers a source can consume (a module of its own: the CLI reads it without loading the rest).
export const BROKER_KINDS = ['amqp', 'nats', 'redis', 'mqtt'] as const
export type BrokerKind = typeof BROKER_KINDS[number]
export const isBrokerKind = (kind: string): kind is BrokerKind => (BROKER_KINDS as readonly string[]).includes(kind)
