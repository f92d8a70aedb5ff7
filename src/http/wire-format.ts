import type { HookhubError } from '../core/errors.ts'

/** How one API family writes its errors on the wire. */
export interface WireFormat {
  name: string
  /** Path prefixes whose unmatched requests (404, 405) answer in this format. */
  prefixes: string[]
  toWireError (err: HookhubError, request: { method: string; url: string }): unknown
  /** The status to answer with, where the API's documents differ from hookhub's (default: the code's). */
  statusOf? (err: HookhubError): number
}

export const nativeFormat: WireFormat = {
  name: 'native',
  prefixes: ['/api/v1/'],
  toWireError: (err) => ({ error: { code: err.code, message: err.message, details: err.details } }),
}

/** The format whose prefix is the longest match for a path; the native one otherwise. */
export function formatForPath (formats: readonly WireFormat[], path: string): WireFormat {
  let best = nativeFormat
  let bestLength = -1
  for (const format of formats) {
    for (const prefix of format.prefixes) {
      if ((path === prefix.replace(/\/$/, '') || path.startsWith(prefix)) && prefix.length > bestLength) {
        best = format
        bestLength = prefix.length
      }
    }
  }
  return best
}
