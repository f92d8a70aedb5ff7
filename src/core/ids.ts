import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'

// Drawn from the system's generator in blocks, as Node does for randomUUID(): one draw per id
// was 7 % of a busy API's CPU.
const RANDOM_BLOCK = 4096
let random = Buffer.alloc(0)
let used = 0

/** `length` random characters of ALPHABET, five bits each. */
function randomBase32 (length: number): string {
  if (used + length > random.length) {
    random = randomBytes(RANDOM_BLOCK)
    used = 0
  }
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[random[used++] & 31]
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
  return `${prefix}_${time}${randomBase32(16)}`
}

/** Unguessable tokens for inbound URLs. */
export const newUrlToken = () => randomBytes(24).toString('base64url')
