import type { FastifyInstance } from 'fastify'
import { HookhubError } from '../core/errors.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes exactly as received; signatures of inbound hooks are checked on these. */
    rawBody?: Buffer
  }
}

/**
 * How deep arrays and objects may nest in a JSON body. JSON.parse copes with far more, but
 * JSON.stringify and every other recursive walk overflow the stack at a few thousand levels:
 * a stored payload that deep would break each later read of it.
 */
export const MAX_JSON_DEPTH = 512

/** Whether JSON bytes nest deeper than `limit`; one pass, strings skipped (UTF-8 never hides ASCII in multi-byte sequences). */
export function nestsDeeperThan (bytes: Buffer, limit: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return false
}

export const tooDeep = () =>
  new HookhubError('HOOKHUB_BAD_REQUEST', [`JSON nests deeper than ${MAX_JSON_DEPTH} levels`], { max_depth: MAX_JSON_DEPTH })

/**
 * JSON bodies are kept as bytes and parsed here: an empty body is "no body" (as curl -X POST
 * sends), anything unparsable is a SyntaxError the error handler answers with 400, and a body
 * nested deeper than MAX_JSON_DEPTH is refused before it is parsed.
 */
export function installJsonBody (app: FastifyInstance) {
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as unknown as Buffer
    request.rawBody = bytes
    if (bytes.length === 0) return done(null, undefined)
    if (nestsDeeperThan(bytes, MAX_JSON_DEPTH)) return done(tooDeep(), undefined)
    try {
      done(null, JSON.parse(bytes.toString('utf8')))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
}
