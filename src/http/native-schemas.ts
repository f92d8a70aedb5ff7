import { Type, type Static, type TSchema } from 'typebox'
import { errorResponses } from './error-responses.ts'
import { HookhubError, notFound, validationFailed } from '../core/errors.ts'
import { INTEGER_COLUMN } from '../storage/database.ts'
import type { Order } from '../storage/keyset.ts'

// Shapes shared by every native API route (DESIGN.md "Native API shapes").

/**
 * `schema` with JSON Schema `examples`, which @fastify/swagger shows as the example of the body
 * or response. Typed, so an example that drifts from its schema fails to compile (and
 * test/http/openapi.test.ts validates them). A copy with every property: TypeBox's own
 * non-enumerable markers survive, so the result still works in Type.Intersect, Type.Partial….
 */
export function withExamples<T extends TSchema> (schema: T, ...examples: Static<T>[]): T {
  const copy = Object.create(Object.getPrototypeOf(schema), Object.getOwnPropertyDescriptors(schema)) as T
  return Object.assign(copy, { examples })
}

export const NativeError = withExamples(Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable HOOKHUB_* code' }),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
  }),
}, { $id: 'NativeError', description: 'Error in the native shape' }),
{ error: { code: 'HOOKHUB_NOT_FOUND', message: 'Endpoint not found', details: {} } },
{ error: { code: 'HOOKHUB_VALIDATION_FAILED', message: 'Validation failed', details: { fields: { url: ['must be an absolute URL'] } } } })

/** Error responses every authenticated native route may give, plus the route's own. */
export const nativeErrors = (...statuses: number[]) => errorResponses('NativeError', ...statuses)

export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 UTC with milliseconds' })
export const toTimestamp = (ms: number) => new Date(ms).toISOString()

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String()),
})

/** A list in creation order, newest first unless `order=asc`; a cursor continues in the order it was made with. */
export const OrderedListQuery = Type.Intersect([ListQuery, Type.Object({
  order: Type.Optional(Type.Unsafe<Order>({
    type: 'string',
    enum: ['asc', 'desc'],
    default: 'desc',
    description: 'desc (default): newest first; asc: oldest first. Pass the same order with every cursor of one listing.',
  })),
})])

const exampleOf = (schema: TSchema): unknown => (schema as { examples?: unknown[] }).examples?.[0]

/** A page of `item`; its example is a one-row last page made of the item's own first example. */
export const listOf = <T extends TSchema>(item: T) => Type.Object({
  data: Type.Array(item),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
}, exampleOf(item) === undefined ? {} : { examples: [{ data: [exampleOf(item)], next_cursor: null }] })

export const IdParams = Type.Object({ id: Type.String() })

/** Integer ids are 32-bit in both databases. */
const MAX_ID = INTEGER_COLUMN.max

/** Path ids that are not positive 32-bit integers name nothing: 404, like an unknown id. */
export function parseId (value: string, what: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > MAX_ID) throw notFound(what)
  return Number(value)
}

/** Cursors are opaque to clients; inside they carry the last id of the previous page. */
export const encodeCursor = (lastId: number | string) => Buffer.from(`id:${lastId}`).toString('base64url')

function decodeCursor (cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null
  const match = /^id:(.+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!match) throw new HookhubError('HOOKHUB_BAD_REQUEST', ['cursor is not one this API returned'])
  return match[1]
}

/** The last numeric id of the previous page (0 for the first page); never past the id columns' range. */
export function numericCursor (cursor: string | undefined): number {
  const value = decodeCursor(cursor)
  if (value === null) return 0
  if (!/^\d{1,10}$/.test(value) || Number(value) > MAX_ID) throw new HookhubError('HOOKHUB_BAD_REQUEST', ['cursor is not one this API returned'])
  return Number(value)
}

/** The last text id of the previous page ('' for the first page). */
export const textCursor = (cursor: string | undefined): string => decodeCursor(cursor) ?? ''

function pageOf<T> (rows: T[], limit: number, keyOf: (row: T) => number | string) {
  const data = rows.slice(0, limit)
  return { data, next_cursor: rows.length > limit ? encodeCursor(keyOf(data[data.length - 1])) : null }
}

/**
 * One page of a native list: asks `fetch` for one row more than the page holds, to know
 * whether a next page exists without counting, and maps the rows to their wire form.
 */
export async function listPage<T, W> (
  limit: number | undefined,
  fetch: (limit: number) => Promise<T[]>,
  keyOf: (row: T) => number | string,
  toWire: (row: T) => W,
) {
  const size = limit ?? 50
  const page = pageOf(await fetch(size + 1), size, keyOf)
  return { data: page.data.map(toWire), next_cursor: page.next_cursor }
}

/** `?since=` as RFC 3339 or as a duration back from now ("2h", "30m", "7d"). */
export function parseSince (value: string | undefined, now: number, field = 'since'): number | undefined {
  if (value === undefined || value === '') return undefined
  const duration = /^(\d+)(s|m|h|d)$/.exec(value)
  // A duration reaching back past 1970 means "from the beginning" (and stays a 64-bit integer).
  if (duration) return Math.max(0, now - Number(duration[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[duration[2] as 's'])
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw validationFailed({ [field]: ['must be an RFC 3339 time or a duration such as 2h'] })
  return ms
}
