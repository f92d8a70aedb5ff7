import type { IncomingMessage } from 'node:http'
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

/** JSON lines to stdout, or to `destination` (tests capture what a hub logs). */
export function createLogger (level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'hookhub' },
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
  }, destination)
}
