import type { OutboundRequest, OutboundResponse, SendOptions } from '../core/delivery-client.ts'

import type { BrokerKind } from '../core/broker-kinds.ts'

export { BROKER_KINDS, type BrokerKind } from '../core/broker-kinds.ts'
export type DestinationKind = 'http' | BrokerKind

/** One try of a delivery, as every destination kind receives it. */
export interface DestinationRequest extends OutboundRequest {
  /** The delivery's public id: the broker message id, so a broker can drop a duplicate. */
  deliveryId: string
  eventType: string
}

/** What a broker answered when it took a message: recorded on the attempt as it is. */
export interface BrokerAnswer {
  broker: BrokerKind
  [detail: string]: unknown
}

/** An HTTP response (any status), or a broker's acknowledgement; a failed try throws a DeliveryError. */
export type DestinationAnswer = OutboundResponse | BrokerAnswer

export const isBrokerAnswer = (answer: DestinationAnswer): answer is BrokerAnswer => 'broker' in answer

/** The one way the delivery core sends a try, whatever the kind of the endpoint's URL. */
export interface Destination {
  send (request: DestinationRequest, options?: SendOptions): Promise<DestinationAnswer>
  close (): Promise<void>
}
