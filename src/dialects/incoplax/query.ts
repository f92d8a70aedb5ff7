import { validationFailed } from '../../core/errors.ts'
import { fitsIntegerColumn } from '../../storage/database.ts'

// The query language of Incoplax lists: filter, mask, order, flat — on the entity's field
// paths, each mapped to the column that holds it.

export type FieldKind = 'string' | 'boolean' | 'integer' | 'time' | 'secret'

/** Every field path of an integration point, with its column and kind. */
export const FIELDS: Record<string, { column: string; kind: FieldKind }> = {
  id: { column: 'id', kind: 'string' },
  code: { column: 'code', kind: 'string' },
  type: { column: 'type', kind: 'string' },
  token_local: { column: 'token_local', kind: 'string' },
  token_remote: { column: 'token_remote', kind: 'secret' },
  token_remote2: { column: 'token_remote2', kind: 'secret' },
  url: { column: 'url', kind: 'string' },
  recv_svcscriptcode: { column: 'recv_svcscriptcode', kind: 'string' },
  recv_svcscriptcode_ws: { column: 'recv_svcscriptcode_ws', kind: 'string' },
  send_svcscriptcode: { column: 'send_svcscriptcode', kind: 'string' },
  send_svcscriptcode_ws: { column: 'send_svcscriptcode_ws', kind: 'string' },
  'opts.title': { column: 'opts_title', kind: 'string' },
  'opts.comment': { column: 'opts_comment', kind: 'string' },
  'opts.allow_files_api': { column: 'opts_allow_files_api', kind: 'boolean' },
  'opts.issync': { column: 'opts_issync', kind: 'boolean' },
  'opts.recv_timeout': { column: 'opts_recv_timeout', kind: 'integer' },
  'ext.ct': { column: 'created_at', kind: 'time' },
  'ext.lwt': { column: 'updated_at', kind: 'time' },
}

/** The seed also spells the tokens without underscores. */
const ALIASES: Record<string, string> = { tokenlocal: 'token_local', tokenremote: 'token_remote', tokenremote2: 'token_remote2' }

// Names come from the client: only own keys count ("__proto__" is not a field).
export const canonicalField = (name: string) => (Object.hasOwn(ALIASES, name) ? ALIASES[name] : name)
const isField = (name: string) => Object.hasOwn(FIELDS, name)
/** The fields of a group (`opts`, `ext`); none for any other name. */
const groupFields = (name: string) => Object.keys(FIELDS).filter((f) => f.startsWith(`${name}.`))
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function fieldOf (name: string, parameter: string) {
  const field = canonicalField(name.trim())
  if (!isField(field)) throw validationFailed({ [parameter]: [`unknown field ${name}`] })
  return field
}

function parseJson (text: string, parameter: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw validationFailed({ [parameter]: ['is not valid JSON'] })
  }
}

export interface ColumnFilter { column: string; values: (string | number)[] }
export interface ColumnOrder { column: string; direction: 'asc' | 'desc' }

function columnValue (field: string, value: unknown): string | number {
  const { kind } = FIELDS[field]
  const bad = () => validationFailed({ filter: [`${field} cannot equal ${JSON.stringify(value)}`] })
  switch (kind) {
    case 'secret': throw validationFailed({ filter: [`${field} is secret and cannot be filtered on`] })
    case 'boolean': if (typeof value !== 'boolean') throw bad(); return value ? 1 : 0
    case 'integer': if (!fitsIntegerColumn(value)) throw bad(); return value
    case 'time': {
      const ms = typeof value === 'string' ? Date.parse(value) : NaN
      if (Number.isNaN(ms)) throw bad()
      return ms
    }
    default: if (typeof value !== 'string') throw bad(); return value
  }
}

/**
 * `{"code": "ABC", "opts.issync": true, "type": ["public", "telegram"]}`: equality, arrays mean
 * any of; `{"opts": {"issync": true}}` is the same as `{"opts.issync": true}`.
 */
export function parseFilter (text: string | undefined): ColumnFilter[] {
  if (text === undefined || text === '') return []
  const filter = parseJson(text, 'filter')
  if (!isObject(filter)) throw validationFailed({ filter: ['must be a JSON object'] })
  return conditions(filter, '')
}

/**
 * A nested object stands for its dotted keys. Only the entity's groups are descended into, so
 * however deep a document nests, it is refused at its first level that is not the entity's.
 */
function conditions (filter: Record<string, unknown>, prefix: string): ColumnFilter[] {
  return Object.entries(filter).flatMap(([name, value]) => {
    const path = prefix + name
    if (isObject(value)) {
      if (groupFields(path).length > 0) return conditions(value, `${path}.`)
      const [inner] = Object.keys(value)
      if (inner !== undefined) throw validationFailed({ filter: [`unknown field ${path}.${inner}`] })
    }
    const field = fieldOf(path, 'filter')
    const values = Array.isArray(value) ? value : [value]
    if (values.length === 0) throw validationFailed({ filter: [`${field}: an empty list matches nothing`] })
    return [{ column: FIELDS[field].column, values: values.map((v) => columnValue(field, v)) }]
  })
}

/**
 * `array<object|str>`: `["code", "-type", {"ext.ct": "DESC", "id": "asc"}]`, keys of one object
 * in their order; a single item alone, and plain text `code,-type`, too.
 */
export function parseOrder (text: string | undefined): ColumnOrder[] {
  if (text === undefined || text === '') return []
  const trimmed = text.trim()
  const order = /^[[{"]/.test(trimmed) ? parseJson(trimmed, 'order') : trimmed
  return (Array.isArray(order) ? order : [order]).flatMap(orderItems)
}

function orderItems (item: unknown): ColumnOrder[] {
  // "code", "-code" for descending, or a comma list of them.
  if (typeof item === 'string') {
    return item.split(',').map((raw) => {
      const name = raw.trim()
      return name.startsWith('-') ? orderKey(name.slice(1), 'desc') : orderKey(name, 'asc')
    })
  }
  if (isObject(item) && Object.keys(item).length > 0) {
    return Object.entries(item).map(([name, direction]) => {
      const lower = typeof direction === 'string' ? direction.toLowerCase() : undefined
      if (lower !== 'asc' && lower !== 'desc') throw validationFailed({ order: [`${name}: direction must be "asc" or "desc"`] })
      return orderKey(name, lower)
    })
  }
  throw validationFailed({ order: ['items are field names ("code", "-code") or {"field": "asc"|"desc", …}'] })
}

function orderKey (name: string, direction: ColumnOrder['direction']): ColumnOrder {
  const field = fieldOf(name, 'order')
  if (FIELDS[field].kind === 'secret') throw validationFailed({ order: [`${field} is secret and cannot be sorted on`] })
  return { column: FIELDS[field].column, direction }
}

/** `id,code,opts.title` (also whole groups: `opts`, `ext`); undefined = every field. */
export function parseMask (text: string | undefined): string[] | undefined {
  if (text === undefined || text === '') return undefined
  const out: string[] = []
  for (const raw of text.split(',')) {
    const name = canonicalField(raw.trim())
    if (name === '') continue
    const group = groupFields(name)
    if (group.length > 0) out.push(...group)
    else out.push(fieldOf(name, 'mask'))
  }
  return out
}

/** Keeps the masked paths of a nested entity, in the entity's own order. */
export function applyMask (entity: Record<string, unknown>, mask: string[] | undefined): Record<string, unknown> {
  if (!mask) return entity
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(entity)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const inner = applyMask(value as Record<string, unknown>, mask.filter((m) => m.startsWith(`${key}.`)).map((m) => m.slice(key.length + 1)))
      if (Object.keys(inner).length > 0) out[key] = inner
    } else if (mask.includes(key)) {
      out[key] = value
    }
  }
  return out
}

/** `{"opts": {"title": ""}}` → `{"opts.title": ""}`. */
export function flatten (entity: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(entity)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(out, flatten(value as Record<string, unknown>, `${prefix}${key}.`))
    else out[`${prefix}${key}`] = value
  }
  return out
}

export function parseFlat (text: string | undefined): boolean {
  if (text === undefined || text === '' || text === 'false' || text === '0') return false
  if (text === 'true' || text === '1') return true
  throw validationFailed({ flat: ['must be true or false'] })
}

export const MAX_LIMIT = 1000

/** offset defaults to 0; without limit there is none: every match is listed. */
export function parseWindow (offset: string | undefined, limit: string | undefined): { offset: number; limit: number | undefined } {
  const int = (text: string | undefined, name: string, max: number) => {
    if (text === undefined || text === '') return undefined
    if (!/^-?\d+$/.test(text)) throw validationFailed({ [name]: ['must be an integer'] })
    const n = Number(text)
    if (n < 0 || n > max) throw validationFailed({ [name]: [`must be from 0 to ${max}`] })
    return n
  }
  return { offset: int(offset, 'offset', Number.MAX_SAFE_INTEGER) ?? 0, limit: int(limit, 'limit', MAX_LIMIT) }
}
