import { payloadFilterOrThrow } from './filters.ts'
import { typeMatches } from './routing.ts'

/**
 * POST /api/v1/filters/test: whether an endpoint filter lets a JSON payload through, checked as
 * an endpoint's is; the event type is matched only when given (node and channel never are).
 */
export function testFilter (filter: { types?: string[]; payload?: unknown }, payload: unknown, type?: string): boolean {
  const matcher = filter.payload === undefined || filter.payload === null ? null : payloadFilterOrThrow(filter.payload)
  return (type === undefined || typeMatches(filter.types ?? ['*'], type)) && (matcher === null || matcher(payload))
}
