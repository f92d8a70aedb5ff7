import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'

function base32 (bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += ALPHABET[b & 31]
  return out
}

/**
 * Public ids such as `evt_01hx…`: a prefix naming the kind, ten characters of time (so ids sort
 * by creation) and sixteen random ones (80 bits: no collisions across processes).
 */
export function newId (prefix: string, now = Date.now()): string {
  let time = ''
  let t = now
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time
    t = Math.floor(t / 32)
  }
  return `${prefix}_${time}${base32(randomBytes(16))}`
}

/** Unguessable tokens for inbound URLs. */
export const newUrlToken = () => randomBytes(24).toString('base64url')
