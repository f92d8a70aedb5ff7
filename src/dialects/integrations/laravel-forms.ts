// Form bodies as Laravel (PHP) reads them: `credentials[token]=…` and `scopes[]=a` build nested
// arrays, so a form gives the CyberCert routes the same object a JSON body gives. Values stay
// text, as PHP keeps them; file parts of a multipart body are ignored (hookhub stores no files).
import { HookhubError } from '../../core/errors.ts'

export const URLENCODED = 'application/x-www-form-urlencoded'
export const MULTIPART = 'multipart/form-data'

/** PHP's max_input_nesting_level. */
const MAX_NESTING = 64

const malformed = (type: string, why: string) => new HookhubError('HOOKHUB_BAD_REQUEST', [`Malformed ${type} body: ${why}`])

/** Whether a request's content type is one of the two form types. */
export const isFormContentType = (contentType: string | undefined) => {
  const essence = (contentType ?? '').split(';')[0].trim().toLowerCase()
  return essence === URLENCODED || essence === MULTIPART
}

/** Insertion order is PHP's; a Map also takes "__proto__" as a plain key. */
type Node = Map<string, Node | string>

/** `a[b][]` → ['a', 'b', '']; an unclosed bracket ends the name, a name without a base is dropped (both as PHP). */
function segmentsOf (name: string): string[] | null {
  let open = name.indexOf('[')
  if (open === -1 || name.indexOf(']', open) === -1) return name === '' ? null : [name]
  if (open === 0) return null
  const segments = [name.slice(0, open)]
  while (name[open] === '[') {
    const close = name.indexOf(']', open)
    if (close === -1) break
    segments.push(name.slice(open + 1, close))
    open = close + 1
  }
  if (segments.length > MAX_NESTING) throw malformed('form', `a field name nests deeper than ${MAX_NESTING} levels`)
  return segments
}

const INTEGER_KEY = /^(0|-?[1-9]\d{0,14})$/

/**
 * Adds a value under a bracketed name. `[]` appends after the largest integer key so far, as
 * PHP does; that key is counted as keys are set, never searched for (a body of 200 000
 * `a[]=` pairs stays linear).
 */
function inserter () {
  const nextIndex = new WeakMap<Node, number>()
  const set = (node: Node, key: string, value: Node | string) => {
    node.set(key, value)
    if (INTEGER_KEY.test(key)) nextIndex.set(node, Math.max(nextIndex.get(node) ?? 0, Number(key) + 1))
  }
  return (root: Node, name: string, value: string) => {
    const segments = segmentsOf(name)
    if (!segments) return
    let node = root
    for (const [i, segment] of segments.entries()) {
      const key = segment === '' && i > 0 ? String(nextIndex.get(node) ?? 0) : segment
      if (i === segments.length - 1) {
        set(node, key, value)
      } else {
        const child = node.get(key)
        const container: Node = child instanceof Map ? child : new Map()
        if (container !== child) set(node, key, container)
        node = container
      }
    }
  }
}

const valueOf = (value: Node | string): unknown => {
  if (typeof value === 'string') return value
  // A PHP array whose keys are 0…n-1 in order is a JSON list, as json_encode writes it.
  const isList = [...value.keys()].every((key, i) => key === String(i))
  return isList ? [...value.values()].map(valueOf) : objectOf(value)
}

/** The request's fields, as the object a JSON body would be. */
function objectOf (node: Node): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  // Defined, not assigned: "__proto__" becomes an own key, as JSON.parse makes it.
  for (const [key, value] of node) Object.defineProperty(object, key, { value: valueOf(value), enumerable: true, writable: true, configurable: true })
  return object
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function text (bytes: Uint8Array, type: string): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw malformed(type, 'not UTF-8')
  }
}

function decodeComponent (component: string): string {
  if (!/[%+]/.test(component)) return component
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '))
  } catch {
    throw malformed(URLENCODED, 'bad percent-encoding')
  }
}

export function parseUrlEncoded (body: Buffer): Record<string, unknown> {
  const root: Node = new Map()
  const insert = inserter()
  for (const pair of text(body, URLENCODED).split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    insert(root, decodeComponent(eq === -1 ? pair : pair.slice(0, eq)), eq === -1 ? '' : decodeComponent(pair.slice(eq + 1)))
  }
  return objectOf(root)
}

/** The parameters of a header value: `form-data; name="a"; filename="b"` → {name: 'a', filename: 'b'}. */
function headerParams (value: string): Map<string, string> {
  const params = new Map<string, string>()
  for (const match of value.matchAll(/;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    params.set(match[1].toLowerCase(), match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3].trim())
  }
  return params
}

/** A whole (≤ 1 MiB) multipart/form-data body: its text fields; file parts are skipped. */
export function parseMultipart (body: Buffer, contentType: string): Record<string, unknown> {
  const undelimited = () => malformed(MULTIPART, 'parts are not delimited by the boundary')
  const boundary = headerParams(contentType).get('boundary')
  if (!boundary) throw malformed(MULTIPART, 'no boundary in the content type')
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  const root: Node = new Map()
  const insert = inserter()
  // The first delimiter may open the body, without the line break before it.
  const opening = delimiter.subarray(2)
  const first = body.subarray(0, opening.length).equals(opening) ? -2 : body.indexOf(delimiter)
  if (first === -1) throw undelimited()
  let pos = first + delimiter.length
  // `pos` is just past a delimiter: "--" closes the body, else (after any padding) a line break opens a part.
  while (!(body[pos] === 0x2d && body[pos + 1] === 0x2d)) {
    const lineEnd = body.indexOf('\r\n', pos)
    if (lineEnd === -1) throw undelimited()
    const partStart = lineEnd + 2
    const headersEnd = body[partStart] === 0x0d && body[partStart + 1] === 0x0a ? partStart : body.indexOf('\r\n\r\n', partStart)
    if (headersEnd === -1) throw undelimited()
    const contentStart = headersEnd === partStart ? partStart + 2 : headersEnd + 4
    const next = body.indexOf(delimiter, contentStart)
    if (next === -1) throw undelimited()
    const disposition = text(body.subarray(partStart, headersEnd), MULTIPART).split('\r\n')
      .find((line) => /^content-disposition\s*:/i.test(line))
    const params = headerParams(disposition?.slice(disposition.indexOf(':') + 1).replace(/^\s*[^;]*/, '') ?? '')
    const name = params.get('name')
    if (name !== undefined && !params.has('filename') && !params.has('filename*')) {
      insert(root, name, text(body.subarray(contentStart, next), MULTIPART))
    }
    pos = next + delimiter.length
  }
  return objectOf(root)
}
