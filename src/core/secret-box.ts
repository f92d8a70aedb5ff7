import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16
const CHECK_PLAINTEXT = 'hookhub key check'

export class SecretBoxError extends Error {}

/**
 * AES-256-GCM for secrets at rest. The context (e.g. "integration.credentials") is bound as
 * additional authenticated data, so a ciphertext copied into another column fails to open.
 */
export function createSecretBox (key: Buffer) {
  if (key.length !== 32) throw new SecretBoxError('secret key must be 32 bytes')

  function seal (plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    cipher.setAAD(Buffer.from(context))
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`
  }

  function open (sealed: string, context: string): string {
    const [version, encoded] = sealed.split(':', 2)
    if (version !== VERSION || encoded === undefined) throw new SecretBoxError('unknown ciphertext format')
    const raw = Buffer.from(encoded, 'base64')
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('ciphertext is truncated')
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES))
    decipher.setAAD(Buffer.from(context))
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
    } catch {
      throw new SecretBoxError('ciphertext does not open with this key')
    }
  }

  return {
    seal,
    open,
    sealJson: (value: unknown, context: string) => seal(JSON.stringify(value), context),
    openJson: <T = unknown>(sealed: string, context: string): T => JSON.parse(open(sealed, context)) as T,
    /** A value stored once per database; opening it at start proves the key is the right one. */
    makeCheckValue: () => seal(CHECK_PLAINTEXT, 'key-check'),
    verifyCheckValue (sealed: string): boolean {
      try {
        return open(sealed, 'key-check') === CHECK_PLAINTEXT
      } catch {
        return false
      }
    },
  }
}

export type SecretBox = ReturnType<typeof createSecretBox>

/** Accepts a 32-byte key written as base64 (44 chars) or hex (64 chars). */
export function parseSecretKey (text: string): Buffer | null {
  const value = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex')
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    if (key.length === 32) return key
  }
  return null
}

export const generateSecretKey = () => randomBytes(32)
