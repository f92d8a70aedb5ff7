import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { verifyStandardWebhook } from './signing.ts'

// How a source proves that an inbound request comes from its sender. Every check runs on the
// raw body bytes: re-serialised JSON would not match the sender's signature.

export const VERIFY_METHODS = ['none', 'token', 'kanboard', 'stripe', 'github', 'standard'] as const
export type VerifyMethod = typeof VERIFY_METHODS[number]

export interface InboundRequest {
  body: Buffer
  headers: Record<string, string | string[] | undefined>
  query: Record<string, string | undefined>
  nowSeconds: number
}

const TOLERANCE_SECONDS = 300

/** Constant time, and the digests' fixed length keeps a shared token's length from showing. */
function equal (a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest())
}

const hmacHex = (key: string, ...parts: (string | Buffer)[]) => {
  const mac = createHmac('sha256', key)
  for (const part of parts) mac.update(part)
  return mac.digest('hex')
}

/** The first value of a request header (Node gives repeated headers as arrays). */
export const firstHeader = (headers: InboundRequest['headers'], name: string) => {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

const header = (req: InboundRequest, name: string) => firstHeader(req.headers, name)

/** Stripe-Signature: "t=<unix>,v1=<hex>[,v1=<hex>…]" over "<t>.<body>", within five minutes. */
function verifyStripe (secret: string, req: InboundRequest): boolean {
  const value = header(req, 'stripe-signature')
  if (!value) return false
  let timestamp: number | undefined
  const signatures: string[] = []
  for (const item of value.split(',')) {
    const [key, val] = item.split('=', 2).map((s) => s.trim())
    if (key === 't') timestamp = Number(val)
    if (key === 'v1' && val) signatures.push(val)
  }
  if (timestamp === undefined || !Number.isInteger(timestamp)) return false
  if (Math.abs(req.nowSeconds - timestamp) > TOLERANCE_SECONDS) return false
  const expected = hmacHex(secret, `${timestamp}.`, req.body)
  return signatures.some((s) => equal(s, expected))
}

/** X-Hub-Signature-256: "sha256=<hex HMAC of the body>". */
function verifyGithub (secret: string, req: InboundRequest): boolean {
  const value = header(req, 'x-hub-signature-256')
  return typeof value === 'string' && equal(value, `sha256=${hmacHex(secret, req.body)}`)
}

/** True when the request proves knowledge of the secret in the way the method prescribes. */
export function verifyInbound (method: VerifyMethod, secret: string | null, req: InboundRequest): boolean {
  if (method === 'none') return true
  if (!secret) return false
  switch (method) {
    case 'kanboard':
      return typeof req.query.token === 'string' && equal(req.query.token, secret)
    case 'token': {
      const given = req.query.token ?? header(req, 'x-webhook-token') ?? header(req, 'x-token')
      return typeof given === 'string' && equal(given, secret)
    }
    case 'stripe':
      return verifyStripe(secret, req)
    case 'github':
      return verifyGithub(secret, req)
    case 'standard':
      return verifyStandardWebhook(secret, req.headers, req.body, req.nowSeconds, TOLERANCE_SECONDS)
  }
}
