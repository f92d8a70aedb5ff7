import { createDeliveryClient, type ClientOptions, type SendOptions } from '../core/delivery-client.ts'
import type { DestinationRequest } from './destination.ts'

/** HTTP and HTTPS receivers: the request goes out as built, through the undici client. */
export function createHttpDestination (options: ClientOptions) {
  const client = createDeliveryClient(options)
  return {
    send: ({ url, method, headers, body }: DestinationRequest, send?: SendOptions) => client.send({ url, method, headers, body }, send),
    close: () => client.close(),
  }
}
