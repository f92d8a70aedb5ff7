// Which endpoints an event goes to (DESIGN.md "Routing scope").

import { payloadMatches, type FilterablePayload, type PayloadMatcher } from './filters.ts'

const compiled = new Map<string, RegExp>()
const MAX_COMPILED = 1000

/** A wildcard pattern as a RegExp, compiled once: routing runs it for every event and endpoint. */
function patternRegExp (pattern: string): RegExp {
  let regexp = compiled.get(pattern)
  if (!regexp) {
    const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')
    regexp = new RegExp(`^${source}$`)
    if (compiled.size >= MAX_COMPILED) compiled.clear()
    compiled.set(pattern, regexp)
  }
  return regexp
}

/** `*` matches any run of characters: "task.*" matches "task.created" and "task.a.b". */
export function typeMatches (patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => {
    if (pattern === '*' || pattern === type) return true
    return pattern.includes('*') && patternRegExp(pattern).test(type)
  })
}

export interface RoutableEndpoint {
  filterTypes: readonly string[]
  filterNodeId: string | null
  filterChannel: string | null
  /** The compiled filter.payload; null when the endpoint has none. */
  payloadFilter: PayloadMatcher | null
}

export interface RoutableEvent {
  type: string
  /** The event's node and all its ancestors, nearest first; empty when the event has no node. */
  nodeLineage: readonly string[]
  channel: string | null
  payload: FilterablePayload
}

/**
 * An endpoint scoped to a node sees events of that node and its descendants only; one scoped
 * to a channel sees that channel only; unscoped endpoints see every event their types match.
 * A payload filter lets through only the events whose payload it matches.
 */
export function routes (endpoint: RoutableEndpoint, event: RoutableEvent): boolean {
  if (endpoint.filterNodeId !== null && !event.nodeLineage.includes(endpoint.filterNodeId)) return false
  if (endpoint.filterChannel !== null && endpoint.filterChannel !== event.channel) return false
  return typeMatches(endpoint.filterTypes, event.type) && payloadMatches(endpoint.payloadFilter, event.payload)
}
