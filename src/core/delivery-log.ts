import type { Logger } from 'pino'
import type { ClaimedDelivery, DeliveryOutcome, NewAttempt } from '../storage/delivery-repository.ts'

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * The log lines of an endpoint's delivery life, one per change an operator acts on: a failed try,
 * the circuit opening, the endpoint recovering (which closes the circuit) or being disabled.
 * Each names the endpoint and the delivery that caused it.
 */
export function createDeliveryLog (logger: Logger | false) {
  const log = logger || undefined
  const ids = (delivery: ClaimedDelivery) => ({ endpoint: delivery.endpointId, delivery: delivery.publicId, event: delivery.eventPublicId })
  return {
    failedTry (delivery: ClaimedDelivery, outcome: DeliveryOutcome, record: NewAttempt) {
      log?.warn({
        ...ids(delivery),
        attempt: delivery.attemptCount + 1,
        status_code: record.responseStatus,
        error: record.errorCode,
        next_attempt_at: outcome.status === 'pending' ? iso(outcome.nextAttemptAt) : null,
      }, outcome.status === 'pending' ? 'delivery try failed; will retry' : 'delivery failed; no retry left')
    },
    circuitOpened (delivery: ClaimedDelivery, failures: number, until: number) {
      log?.warn({ ...ids(delivery), consecutive_failures: failures, circuit_open_until: iso(until) }, 'circuit opened: deliveries to the endpoint held')
    },
    recovered (delivery: ClaimedDelivery, failures: number, circuitWasOpen: boolean) {
      log?.info({ ...ids(delivery), consecutive_failures: failures }, circuitWasOpen ? 'endpoint recovered; circuit closed' : 'endpoint recovered')
    },
    disabled (delivery: ClaimedDelivery, reason: string) {
      log?.warn({ ...ids(delivery), reason }, 'endpoint disabled')
    },
  }
}

export type DeliveryLog = ReturnType<typeof createDeliveryLog>
