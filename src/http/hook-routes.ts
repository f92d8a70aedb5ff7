import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { SourceService } from '../core/source-service.ts'
import type { InboundSourceRow } from '../storage/source-repository.ts'
import { HookhubError } from '../core/errors.ts'
import { inspectJson, tooDeep } from './json-body.ts'
import { withExamples } from './native-schemas.ts'
import { createTurns, LARGE_BODY_BYTES } from './body-budget.ts'
import { withRetryAfter } from './rate-limit.ts'

const AnyError = withExamples(Type.Unknown({ description: 'native error, or the error shape of the dialect that owns the source' }),
  { error: { code: 'HOOKHUB_NOT_FOUND', message: 'Source not found', details: {} } })

const Received = withExamples(Type.Object({
  received: Type.Boolean({ description: 'false when the source does not accept this event type' }),
  event_id: Type.Optional(Type.String()),
  type: Type.String(),
  reason: Type.Optional(Type.String()),
}),
{ received: true, event_id: 'evt_01kdyak3sexqymdydx0fpxxrry', type: 'task.move.column' },
{ received: false, type: 'comment.delete', reason: 'event type comment.delete is not accepted by this source' })

declare module 'fastify' {
  interface FastifyRequest {
    /** The inbound source a hook request is for, found before its body is read. */
    source?: InboundSourceRow
  }
}

function isJson (bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'))
    return true
  } catch {
    return false
  }
}

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

    // The source is found before the body is read: an unknown URL costs no body, and a refusal
    // for lack of body budget answers in the shape of the dialect owning the source.
    async function findSource (token: string | undefined, request: FastifyRequest) {
      const source = token ? await sources.findByToken(token) : undefined
      if (!source) throw new HookhubError('HOOKHUB_NOT_FOUND', ['Source'])
      // A source made by a dialect answers errors in that dialect's shape.
      if (source.owner_dialect) request.wireFormat = source.owner_dialect
      request.source = source
    }

    const inTurn = createTurns()

    async function receive (request: FastifyRequest, reply: FastifyReply) {
      const body = request.rawBody ?? Buffer.alloc(0)
      return body.length >= LARGE_BODY_BYTES ? inTurn(() => receiveBody(request, reply)) : receiveBody(request, reply)
    }

    async function receiveBody (request: FastifyRequest, reply: FastifyReply) {
      const source = request.source!
      if (request.rawBody) {
        const { tooDeep: deep, heapBytes } = inspectJson(request.rawBody)
        // JSON nested too deep would be stored, then break every read of the event. Text that
        // merely looks deep (a source keeping any body) is not JSON and is kept as text.
        if (deep && isJson(request.rawBody)) throw tooDeep()
        // The body is decoded and parsed to read the event type; as for any JSON body, that is charged.
        app.bodyBudget.hold(request, heapBytes)
      }
      // Guessing a source's secret is capped per sender and URL: one misconfigured source
      // does not lock a shared sender (GitHub, Stripe) out of the others.
      const client = `${request.ip} ${source.id}`
      const failedAuth = app.failedAuth
      if (failedAuth) withRetryAfter(reply, () => failedAuth.check(client))
      let result: Awaited<ReturnType<SourceService['receive']>>
      try {
        result = await sources.receive(source, {
          body: request.rawBody ?? Buffer.alloc(0),
          headers: request.headers,
          query: request.query as Record<string, string>,
        })
      } catch (err) {
        if (err instanceof HookhubError && err.code === 'HOOKHUB_SIGNATURE_INVALID') failedAuth?.fail(client)
        throw err
      }
      if (!result.stored) return { received: false, type: result.type, reason: result.reason }
      if (result.relayed) {
        const { response, error, outcome } = result.relayed
        if (response) {
          // The receiver's answer goes back as it came: status, content type, body.
          if (response.headers['content-type']) reply.header('content-type', response.headers['content-type'])
          return reply.code(response.status).send(response.rawBody ?? Buffer.alloc(0))
        }
        // A broker acknowledged the message: it has no answer to pass back.
        if (outcome?.status === 'succeeded') return { received: true, event_id: result.event.public_id, type: result.type }
        if (error?.code === 'TIMEOUT') throw new HookhubError('HOOKHUB_RELAY_TIMEOUT', [result.relayTimeoutMs ?? 0])
        throw new HookhubError('HOOKHUB_RELAY_FAILED', [error?.code ?? 'unknown'])
      }
      if (result.ack !== undefined) return reply.type('application/json').send(JSON.stringify(result.ack))
      return { received: true, event_id: result.event.public_id, type: result.type }
    }

    const schema = {
      tags: ['sources'],
      // Errors take the native shape, or the shape of the dialect owning the source.
      response: { 200: Received, 400: AnyError, 401: AnyError, 404: AnyError, 413: AnyError, 429: AnyError, 502: AnyError, 503: AnyError, 504: AnyError },
    }

    app.post<{ Params: { token: string } }>('/hooks/:token', {
      config: { public: true },
      schema: {
        ...schema,
        operationId: 'receiveHook',
        summary: 'Inbound webhook of a source; answers 200 once the event is stored',
        params: Type.Object({ token: Type.String() }),
      },
      onRequest: (request) => findSource(request.params.token, request),
    }, receive)

    app.post('/hooks', {
      config: { public: true },
      schema: {
        ...schema,
        operationId: 'receiveHookByBearer',
        summary: 'Inbound webhook with the source token as Authorization: Bearer <token>',
      },
      onRequest: (request) => findSource(/^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1], request),
    }, receive)
  }
}
