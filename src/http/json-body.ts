import { isUtf8 } from 'node:buffer'
import type { FastifyInstance } from 'fastify'
import { HookhubError, invalidUtf8 } from '../core/errors.ts'

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

// What parsing costs the heap beyond the text itself, per container and per value (64-bit V8,
// measured with JSON.parse: an empty object takes about 64 bytes, a short value about 16).
const HEAP_BYTES_PER_CONTAINER = 48
const HEAP_BYTES_PER_VALUE = 16

export interface JsonInspection {
  /** Arrays and objects nest deeper than MAX_JSON_DEPTH (the scan stops there). */
  tooDeep: boolean
  /** An upper estimate of the heap the decoded text and its parsed value take together. */
  heapBytes: number
}

/**
 * One pass over JSON bytes before they are parsed: how deep they nest, and what parsing them
 * will cost (a megabyte of `[{},{},…]` parses into some twenty). Strings are skipped (UTF-8
 * never hides ASCII in multi-byte sequences).
 */
export function inspectJson (bytes: Buffer): JsonInspection {
  let depth = 0
  let containers = 0
  let separators = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      containers++
      if (++depth > MAX_JSON_DEPTH) return { tooDeep: true, heapBytes: 0 }
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    } else if (c === 0x2c || c === 0x3a) {
      separators++
    }
  }
  return { tooDeep: false, heapBytes: bytes.length + containers * HEAP_BYTES_PER_CONTAINER + separators * HEAP_BYTES_PER_VALUE }
}

export const tooDeep = () =>
  new HookhubError('HOOKHUB_BAD_REQUEST', [`JSON nests deeper than ${MAX_JSON_DEPTH} levels`], { max_depth: MAX_JSON_DEPTH })

/**
 * JSON bodies are kept as bytes and parsed here: an empty body is "no body" (as curl -X POST
 * sends), anything unparsable is a SyntaxError the error handler answers with 400, and a body
 * nested deeper than MAX_JSON_DEPTH or not UTF-8 is refused before it is parsed. What the parse
 * will cost the heap is charged to the body budget first.
 */
export function installJsonBody (app: FastifyInstance) {
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as unknown as Buffer
    request.rawBody = bytes
    if (bytes.length === 0) return done(null, undefined)
    try {
      const { tooDeep: deep, heapBytes } = inspectJson(bytes)
      if (deep) return done(tooDeep(), undefined)
      if (!isUtf8(bytes)) return done(invalidUtf8(), undefined)
      app.bodyBudget.hold(request, heapBytes)
      done(null, JSON.parse(bytes.toString('utf8')))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
}
