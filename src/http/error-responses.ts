import { Type, type TSchema } from 'typebox'

/** Statuses any authenticated JSON route can answer with, whatever it does. */
const COMMON_ERROR_STATUSES = [400, 401, 403, 413, 415, 422, 429, 503]

/** Response schemas for a route's errors, all pointing at one shared error schema. */
export function errorResponses (schemaId: string, ...statuses: number[]): Record<number, TSchema> {
  const ref = Type.Unsafe({ $ref: `${schemaId}#` })
  const out: Record<number, TSchema> = {}
  for (const status of [...COMMON_ERROR_STATUSES, ...statuses]) out[status] = ref
  return out
}
