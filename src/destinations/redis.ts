import { createClient } from 'redis'
import { DeliveryError, type SendOptions } from '../core/delivery-client.ts'
import { brokerHeaders, createBrokerPool, withTimeout } from './broker-pool.ts'
import type { BrokerTarget } from './broker-url.ts'
import type { BrokerAnswer, DestinationRequest } from './destination.ts'

type RedisClient = ReturnType<typeof createClient>

/** Redis streams: XADD (approximately trimmed to `maxlen` when given); the entry id Redis answers is success. */
export function createRedisDestination (options: { allowPrivateNetworks: boolean; requestTimeoutMs: number }) {
  const pool = createBrokerPool<RedisClient>({
    async connect (target, address, lost) {
      const client = createClient({
        socket: {
          host: address,
          port: target.port,
          connectTimeout: 5_000,
          // The pool reconnects with its own backoff; meanwhile tries fail at once.
          reconnectStrategy: false,
          ...(target.tls && { tls: true as const, servername: target.host }),
        },
        ...(target.username && { username: target.username }),
        ...(target.password && { password: target.password }),
        database: target.path ? Number(target.path) : 0,
        disableOfflineQueue: true,
      })
      client.on('error', () => {})
      client.on('end', lost)
      await client.connect()
      return client as RedisClient
    },
    close: async (client) => { if (client.isOpen) client.destroy() },
  }, options)

  return {
    async send (target: BrokerTarget, request: DestinationRequest, send: SendOptions): Promise<BrokerAnswer> {
      const client = await pool.get(target)
      const stream = target.params.get('stream') ?? ''
      const maxlen = target.params.get('maxlen')
      const body = request.body === null ? '' : request.body
      try {
        const id = await withTimeout(client.xAdd(stream, '*', {
          id: request.deliveryId,
          type: request.eventType,
          payload: body,
          headers: JSON.stringify(brokerHeaders(request.headers, request.eventType)),
        }, maxlen ? { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: Number(maxlen) } } : undefined),
        Math.min(send.timeoutMs ?? options.requestTimeoutMs, options.requestTimeoutMs), 'Redis')
        return { broker: 'redis', id }
      } catch (err) {
        if (err instanceof DeliveryError) throw err
        if (!client.isReady) pool.discard(target, client)
        const message = (err as Error)?.message ?? String(err)
        throw new DeliveryError(/WRONGTYPE/.test(message) ? 'WRONG_TYPE' : client.isReady ? 'BROKER_ERROR' : 'CONNECTION_RESET', message)
      }
    },
    close: () => pool.close(),
  }
}
