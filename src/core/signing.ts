import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

// Standard Webhooks signatures (https://www.standardwebhooks.com): the receiver checks
// base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")) with the key inside "whsec_…".

const SECRET_PREFIX = 'whsec_'

export const generateSigningSecret = () => SECRET_PREFIX + randomBytes(24).toString('base64')

export function isSigningSecret (secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')
  return key.length >= 16 && key.length <= 64
}

const keyOf = (secret: string) =>
  Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64')

export function sign (secret: string, id: string, timestampSeconds: number, body: string | Buffer): string {
  return createHmac('sha256', keyOf(secret))
    .update(`${id}.${timestampSeconds}.`)
    .update(body)
    .digest('base64')
}

/** The three Standard Webhooks headers; one `v1,` signature per secret (several while rotating). */
export function signatureHeaders (secrets: readonly string[], id: string, timestampSeconds: number, body: string | Buffer) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => `v1,${sign(s, id, timestampSeconds, body)}`).join(' '),
  }
}

const equalText = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Checks Standard Webhooks headers of an inbound request: a matching v1 signature and a
 * timestamp within the tolerance either way.
 */
export function verifyStandardWebhook (
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const id = headers['webhook-id']
  const timestamp = headers['webhook-timestamp']
  const signatures = headers['webhook-signature']
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false
  const ts = Number(timestamp)
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds) return false
  const expected = sign(secret, id, ts, body)
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2)
    return version === 'v1' && value !== undefined && equalText(value, expected)
  })
}
