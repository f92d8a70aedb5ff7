import type { IncomingMessage } from 'node:http'

// Incoplax's LOOKUP verb. Neither Node's router tables nor Fastify's accept methods outside
// http.METHODS, so before routing a LOOKUP request travels as SEARCH, flagged by a symbol that
// no client can set; a SEARCH a client sends itself carries no flag and is refused.

export const LOOKUP_CARRIER = 'SEARCH'
const kLookup = Symbol('hookhub.lookup')

/** Fastify's rewriteUrl hook: turns LOOKUP (or POST with X-HTTP-Method-Override: LOOKUP) into the carrier. */
export function carryLookup (req: IncomingMessage): string {
  const override = req.method === 'POST' && String(req.headers['x-http-method-override'] ?? '').toUpperCase() === 'LOOKUP'
  if (req.method === 'LOOKUP' || override) {
    req.method = LOOKUP_CARRIER
    ;(req as IncomingMessage & { [kLookup]?: boolean })[kLookup] = true
  }
  return req.url ?? '/'
}

export const isLookup = (req: IncomingMessage) => (req as IncomingMessage & { [kLookup]?: boolean })[kLookup] === true

/** The method as the client sent it: LOOKUP, never its carrier. */
export const clientMethod = (req: IncomingMessage) => (isLookup(req) ? 'LOOKUP' : req.method ?? '')
