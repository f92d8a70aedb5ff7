import type { Delivery } from '../api.ts'
import { dateTime, relative } from '../format.ts'

/** A timestamp shown near now ("3 min ago") with the full time on hover and for machines. */
export function Time ({ at }: { at: string | null }) {
  if (at === null) return <span>–</span>
  return <time dateTime={at} title={dateTime(at)}>{relative(at)}</time>
}

/**
 * When a delivery is tried next: held by its endpoint's open circuit until a time, due now once
 * its time has passed (never "ago"), or not at all once finished.
 */
export function NextAttempt ({ delivery: d }: { delivery: Pick<Delivery, 'status' | 'next_attempt_at' | 'circuit_open_until'> }) {
  if (d.circuit_open_until !== null && Date.parse(d.circuit_open_until) > Date.now()) {
    return <span>circuit open until <Time at={d.circuit_open_until} /></span>
  }
  if (d.status === 'pending' && d.next_attempt_at !== null && Date.parse(d.next_attempt_at) <= Date.now()) return <span>due now</span>
  return <Time at={d.next_attempt_at} />
}
