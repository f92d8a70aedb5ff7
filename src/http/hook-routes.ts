import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { SourceService } from '../core/source-service.ts'
import { HookhubError } from './errors.ts'

const AnyError = Type.Unknown({ description: 'native error, or the error shape of the dialect that owns the source' })

const Received = Type.Object({
  received: Type.Boolean({ description: 'false when the source does not accept this event type' }),
  event_id: Type.Optional(Type.String()),
  type: Type.String(),
  reason: Type.Optional(Type.String()),
})

/**
 * `POST /hooks/{token}`: one inbound path for every source. The body is taken as raw bytes,
 * whatever its content type, because senders sign the bytes they sent.
 */
export function hookRoutes (sources: SourceService) {
  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
      request.rawBody = body as Buffer
      done(null, body)
    })

    app.post<{ Params: { token: string }; Querystring: Record<string, string> }>('/hooks/:token', {
      config: { public: true },
      schema: {
        operationId: 'receiveHook',
        tags: ['sources'],
        summary: 'Inbound webhook of a source; answers 200 once the event is stored',
        params: Type.Object({ token: Type.String() }),
        // Errors take the native shape, or the shape of the dialect owning the source.
        response: { 200: Received, 400: AnyError, 401: AnyError, 404: AnyError, 413: AnyError, 503: AnyError },
      },
    }, async (request) => {
      const source = await sources.findByToken(request.params.token)
      if (!source) throw new HookhubError('HOOKHUB_NOT_FOUND', ['Source'])
      // A source made by a dialect answers errors in that dialect's shape.
      if (source.owner_dialect) request.wireFormat = source.owner_dialect
      const result = await sources.receive(source, {
        body: request.rawBody ?? Buffer.alloc(0),
        headers: request.headers,
        query: request.query,
      })
      if (!result.stored) return { received: false, type: result.type, reason: result.reason }
      return { received: true, event_id: result.event.public_id, type: result.type }
    })
  }
}
