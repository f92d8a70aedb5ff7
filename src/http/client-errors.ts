// What Node's HTTP parser refuses before a request exists (an unknown method such as a lowercase
// `lookup`, a malformed request line or header, headers past the size limit, a request that does
// not arrive in time) is answered here, in the error shape of the API the request line names:
// Fastify's default would answer its own `{"error","message","statusCode"}` on every path.
import http from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { HookhubError } from '../core/errors.ts'
import { formatForPath, type WireFormat } from './wire-format.ts'

/** What Node attaches to a parser error (node/lib/_http_server.js, prepareError). */
type ClientError = Error & { code?: string; reason?: string; bytesParsed?: number; rawPacket?: Buffer }
type ServerSocket = Socket & { _httpMessage?: { headersSent?: boolean } | null }

const METHOD = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) +(\S+)/
const LF = 10

/**
 * The method and target of the request the parser failed in: the last line up to the failure
 * that reads like a request line. The parser keeps only the packet it failed in; a request line
 * read in an earlier packet is gone (then null, and the native shape answers).
 */
export function requestLineOf (err: ClientError): { method: string; path: string } | null {
  const packet = err.rawPacket
  if (!Buffer.isBuffer(packet)) return null
  const failedAt = typeof err.bytesParsed === 'number' ? Math.min(err.bytesParsed, packet.length) : packet.length
  const lineEnd = packet.indexOf(LF, failedAt)
  const lines = packet.subarray(0, lineEnd === -1 ? packet.length : lineEnd).toString('latin1').split('\n')
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = METHOD.exec(lines[i])
    if (!match) continue
    const target = match[2]
    if (target === '*') return { method: match[1], path: target }
    if (target.startsWith('/')) return { method: match[1], path: target.split('?')[0] }
    if (/^https?:\/\//i.test(target)) {
      try {
        return { method: match[1], path: new URL(target).pathname }
      } catch {
        return null
      }
    }
  }
  return null
}

function errorFor (err: ClientError): HookhubError {
  if (err.code === 'HPE_HEADER_OVERFLOW') return new HookhubError('HOOKHUB_HEADERS_TOO_LARGE', [http.maxHeaderSize])
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new HookhubError('HOOKHUB_REQUEST_TIMEOUT')
  // llhttp's reasons are fixed texts ("Invalid method encountered"), never the client's bytes.
  const reason = typeof err.reason === 'string' && /^[\x20-\x7e]{1,100}$/.test(err.reason) ? `: ${err.reason}` : ''
  return new HookhubError('HOOKHUB_BAD_REQUEST', [`Malformed HTTP request${reason}`])
}

/** Fastify's `clientErrorHandler`: one answer in the path's API shape, then the connection closes, as Node's own. */
export function clientErrorResponder (formats: readonly WireFormat[]) {
  // Fastify types the error as its JSON form; Node hands over the Error itself.
  return function answerClientError (this: FastifyInstance, error: Error, connection: Socket): void {
    const err = error as ClientError
    const socket = connection as ServerSocket
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    // The rawPacket holds the client's headers (credentials included): only the code is logged.
    this.log.debug({ code: err.code }, 'client error')
    // As Node does: no answer once another response has started on this connection (it would corrupt it).
    if (socket.writable && !socket._httpMessage?.headersSent) {
      const line = requestLineOf(err)
      const format = formatForPath(formats, line?.path ?? '')
      const known = errorFor(err)
      const status = format.statusOf?.(known) ?? known.statusCode
      const body = JSON.stringify(format.toWireError(known, { method: line?.method ?? '', url: line?.path ?? '' }))
      socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
    }
    socket.destroy(err)
  }
}
