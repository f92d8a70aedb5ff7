import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes exactly as received; signatures of inbound hooks are checked on these. */
    rawBody?: Buffer
  }
}

/**
 * JSON bodies are kept as bytes and parsed here: an empty body is "no body" (as curl -X POST
 * sends), and anything unparsable is a SyntaxError the error handler answers with 400.
 */
export function installJsonBody (app: FastifyInstance) {
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as unknown as Buffer
    request.rawBody = bytes
    if (bytes.length === 0) return done(null, undefined)
    try {
      done(null, JSON.parse(bytes.toString('utf8')))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
}
