import { Transform } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HookhubError } from '../core/errors.ts'

declare module 'fastify' {
  interface FastifyInstance {
    bodyBudget: BodyBudget
  }
  interface FastifyRequest {
    /** Bytes this request holds of the process's body budget; given back when its response ends. */
    bodyBytesHeld: number
  }
}

/** How long a client refused for lack of body budget is asked to wait: bodies in flight clear fast. */
export const BUSY_RETRY_AFTER_S = 1

export interface BodyBudget {
  /** Bytes held right now by all requests. */
  readonly used: number
  /**
   * Charges `bytes` more to the request (a parsed form of its body, say); HOOKHUB_BUSY when
   * that passes the budget. Everything a request holds is given back when its response ends.
   */
  hold (request: FastifyRequest, bytes: number): void
}

/**
 * Bounds the request body bytes the process holds at once, so that many large bodies at once
 * are refused (503 + Retry-After) instead of exhausting the heap. A body is charged from the
 * moment it starts being read: its Content-Length before a byte is read, or a chunked body's
 * bytes as they arrive (cut once they pass the budget). Routes charge what parsing costs on top
 * (`hold`). Bodies over `bodyLimit` are not charged: they are refused with 413 unread.
 */
export function installBodyBudget (app: FastifyInstance, maxBytes: number, bodyLimit: number) {
  let used = 0
  const budget: BodyBudget = {
    get used () { return used },
    hold (request, bytes) {
      if (used + bytes > maxBytes) throw new HookhubError('HOOKHUB_BUSY', [BUSY_RETRY_AFTER_S], { retry_after_s: BUSY_RETRY_AFTER_S })
      used += bytes
      request.bodyBytesHeld += bytes
    },
  }

  app.decorate('bodyBudget', budget)
  app.decorateRequest('bodyBytesHeld', 0)
  // After authentication (onRequest): an anonymous caller on an authenticated route gets 401
  // without touching the budget.
  app.addHook('preParsing', async (request, reply, payload) => {
    const declared = Number(request.headers['content-length'])
    const chunked = request.headers['transfer-encoding'] !== undefined
    if (!(declared > 0) && !chunked) return payload
    if (declared > bodyLimit) return payload
    reply.raw.once('close', () => {
      used -= request.bodyBytesHeld
      request.bodyBytesHeld = 0
    })
    if (!chunked) {
      budget.hold(request, declared)
      return payload
    }
    return payload.pipe(new Transform({
      transform (chunk: Buffer, _encoding, callback) {
        try {
          budget.hold(request, chunk.length)
          callback(null, chunk)
        } catch (err) {
          callback(err as Error)
        }
      },
    }))
  })
}

/** Bodies from this size on are decoded and parsed one at a time (see `inTurn`). */
export const LARGE_BODY_BYTES = 64 * 1024

/**
 * Runs the CPU-heavy handling of large bodies (decoding, parsing, storing) one at a time, each
 * in an event-loop turn of its own: when many large bodies arrive together, health probes and
 * small requests are answered between them instead of after all of them.
 */
export function createTurns () {
  let busy = false
  const waiting: (() => void)[] = []
  return async function inTurn<T> (work: () => Promise<T> | T): Promise<T> {
    if (busy) await new Promise<void>((resolve) => waiting.push(resolve))
    busy = true
    try {
      return await work()
    } finally {
      const next = waiting.shift()
      // The next one starts in a later turn, after the poll phase has served what is waiting.
      if (next) setImmediate(next)
      else busy = false
    }
  }
}
