import type { IncomingMessage } from 'node:http'
import { Writable } from 'node:stream'
import pino, { type DestinationStream, type Logger } from 'pino'
import { clientMethod } from './http/lookup-method.ts'

/**
 * Secrets a URL carries never reach a log line: the token of an inbound path (`/hooks/<token>`,
 * which is the credential of a source or an integration point) and query parameters that carry
 * secrets (Kanboard's ?token=, signed links).
 */
export const redactUrl = (url: string) => {
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  const query = q === -1 ? '' : url.slice(q)
  return path.replace(/^(\/hooks\/)[^/]+/i, '$1****') +
    query.replace(/([?&](?:token|secret|signature|password|api_key)=)[^&]*/gi, '$1****')
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname'])

/**
 * One JSON log line as a person reads it on a terminal: `12:00:01.234 WARN  message key=value`.
 * pino-pretty is not among the dependencies; this covers what hookhub logs (flat fields, errors).
 */
export function prettyLine (json: string): string {
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : ''
  const level = (LEVEL_NAMES[entry.level as number] ?? String(entry.level)).padEnd(5)
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => {
      if (key === 'err' && value && typeof value === 'object') {
        const err = value as { message?: string; stack?: string }
        return `err=${JSON.stringify(err.message ?? '')}${err.stack ? `\n    ${err.stack.split('\n').slice(1).join('\n    ')}` : ''}`
      }
      return `${key}=${typeof value === 'string' && !/[\s"=]/.test(value) ? value : JSON.stringify(value)}`
    })
  return `${time} ${level} ${String(entry.msg ?? '')}${fields.length ? ' ' + fields.join(' ') : ''}\n`
}

/** Writes each JSON line to `out` in its human-readable form. */
const prettyStream = (out: NodeJS.WritableStream): DestinationStream => new Writable({
  write (chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) out.write(prettyLine(line))
    done()
  },
})

/**
 * Logs to stdout: human-readable on a terminal, JSON lines (ISO timestamps) when piped, for a
 * log collector; to `destination` as JSON lines when given (tests capture what a hub logs).
 */
export function createLogger (level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'hookhub' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]',
        '*.token', '*.password', '*.secret', '*.credentials', '*.secret_key',
      ],
      censor: '****',
    },
    serializers: {
      req: (req: { method: string; url: string; hostname?: string; ip?: string; id?: string; raw?: IncomingMessage }) => ({
        method: req.raw ? clientMethod(req.raw) : req.method, url: redactUrl(req.url), host: req.hostname, remoteAddress: req.ip,
      }),
    },
  }, destination ?? (process.stdout.isTTY ? prettyStream(process.stdout) : undefined))
}
