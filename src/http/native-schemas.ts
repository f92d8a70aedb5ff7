import { Type, type TSchema } from 'typebox'
import { errorResponses } from './error-responses.ts'
import { HookhubError, notFound } from './errors.ts'

// Shapes shared by every native API route (DESIGN.md "Native API shapes").

export const NativeError = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable HOOKHUB_* code' }),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
  }),
}, { $id: 'NativeError', description: 'Error in the native shape' })

/** Error responses every authenticated native route may give, plus the route's own. */
export const nativeErrors = (...statuses: number[]) => errorResponses('NativeError', ...statuses)

export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 UTC with milliseconds' })
export const toTimestamp = (ms: number) => new Date(ms).toISOString()

export const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String()),
})

export const listOf = <T extends TSchema>(item: T) => Type.Object({
  data: Type.Array(item),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
})

export const IdParams = Type.Object({ id: Type.String() })

/** Path ids that are not positive integers name nothing: 404, like an unknown id. */
export function parseId (value: string, what: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(value)) throw notFound(what)
  return Number(value)
}

/** Cursors are opaque to clients; inside they carry the last id of the previous page. */
export const encodeCursor = (lastId: number) => Buffer.from(`id:${lastId}`).toString('base64url')

export function decodeCursor (cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0
  const match = /^id:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!match) throw new HookhubError('HOOKHUB_BAD_REQUEST', ['cursor is not one this API returned'])
  return Number(match[1])
}

/** Fetches one row more than asked, to know whether there is a next page without counting. */
export function pageOf<T extends { id: number }> (rows: T[], limit: number) {
  const data = rows.slice(0, limit)
  return { data, next_cursor: rows.length > limit ? encodeCursor(data[data.length - 1].id) : null }
}
