import pino, { type DestinationStream, type Logger } from 'pino'

/** Query parameters that carry secrets (Kanboard's ?token=, signed links) never reach a log line. */
export const redactQuery = (url: string) =>
  url.replace(/([?&](?:token|secret|signature|password|api_key)=)[^&]*/gi, '$1****')

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
      req: (req: { method: string; url: string; hostname?: string; ip?: string; id?: string }) => ({
        method: req.method, url: redactQuery(req.url), host: req.hostname, remoteAddress: req.ip,
      }),
    },
  }, destination)
}
