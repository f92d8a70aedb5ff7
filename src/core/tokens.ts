import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

const TOKEN_PREFIX = 'hh_'

/** A new API token: 32 random bytes, URL-safe, recognisable by its prefix in logs and leak scanners. */
export const generateToken = () => TOKEN_PREFIX + randomBytes(32).toString('base64url')

/** Portal session tokens: a prefix of their own, so the hub knows which kind it is handed before looking it up. */
export const PORTAL_TOKEN_PREFIX = 'hhp_'
export const generatePortalToken = () => PORTAL_TOKEN_PREFIX + randomBytes(32).toString('base64url')

/** Tokens are stored only as SHA-256: they are high-entropy, so a slow hash adds nothing. */
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')

export function hashesEqual (a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}
