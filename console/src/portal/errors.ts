import { ApiError } from '../api.ts'

/** What a refused change means in the portal: a 403 comes from a read-only link. */
export function portalError (err: unknown): Error {
  if (err instanceof ApiError && err.status === 403) return new Error('This portal link only allows reading; ask for one that allows changes.')
  return err as Error
}
