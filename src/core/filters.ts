// Content filters: `filter.payload` of an endpoint, a match document over the event's payload
// (DESIGN.md "Filters and transformations"; docs/filters.md). The language is Convoy's and
// Hookdeck Outpost's, so their users' filters carry over. A document is compiled once into a
// function; routing runs the function, never the document.

import { addProblem, validationFailed } from './errors.ts'

/** A compiled match document; `undefined` stands for a field the payload does not have. */
export type PayloadMatcher = (payload: unknown) => boolean

/** Bounds of a document: routing runs it for every event, and a client writes it. */
export const FILTER_LIMITS = { depth: 16, nodes: 1000, bytes: 16_384 } as const

const COMPARISONS = ['$eq', '$neq', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$startsWith', '$endsWith', '$contains'] as const
const LOGICAL = ['$and', '$or', '$not'] as const
/** Outpost and Convoy spell it `$exist`: their filters carry over. */
const ALIASES: Record<string, string> = { $exist: '$exists' }
const OPERATORS = [...COMPARISONS, ...LOGICAL].join(' ')

type Problems = Record<string, string[]>

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isPrimitive = (value: unknown): value is null | boolean | number | string =>
  value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string'

/** Equality of JSON values: arrays in order, objects by their keys whatever their order. */
export function jsonEqual (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]))
  }
  if (!isObject(a) || !isObject(b)) return false
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]))
}

/** One condition on the value it is given; a primitive operand is compared with ===. */
const equalTo = (operand: unknown): PayloadMatcher =>
  isPrimitive(operand) ? (value) => value === operand : (value) => jsonEqual(value, operand)

/** `$in` of a list: primitives through a Set, objects and arrays by jsonEqual. */
function oneOf (list: unknown[]): PayloadMatcher {
  const primitives = new Set<unknown>(list.filter(isPrimitive))
  const composites = list.filter((item) => !isPrimitive(item))
  if (composites.length === 0) return (value) => primitives.has(value)
  return (value) => primitives.has(value) || composites.some((item) => jsonEqual(value, item))
}

/** `$contains`: a substring of a string, or an element of an array (by equality). */
function containing (operand: unknown): PayloadMatcher {
  const equal = equalTo(operand)
  return (value) => typeof value === 'string'
    ? typeof operand === 'string' && value.includes(operand)
    : Array.isArray(value) && value.some(equal)
}

const not = (matcher: PayloadMatcher): PayloadMatcher => (value) => !matcher(value)

function all (matchers: PayloadMatcher[]): PayloadMatcher {
  if (matchers.length === 1) return matchers[0]
  return (value) => {
    for (const matcher of matchers) if (!matcher(value)) return false
    return true
  }
}

/** Strings or numbers, each with its own kind: "10" is not greater than 9. */
function ordered (op: '$gt' | '$gte' | '$lt' | '$lte', operand: number | string): PayloadMatcher {
  const kind = typeof operand
  switch (op) {
    case '$gt': return (value) => typeof value === kind && (value as number) > (operand as number)
    case '$gte': return (value) => typeof value === kind && (value as number) >= (operand as number)
    case '$lt': return (value) => typeof value === kind && (value as number) < (operand as number)
    case '$lte': return (value) => typeof value === kind && (value as number) <= (operand as number)
  }
}

class Compiler {
  readonly problems: Problems = {}

  private problem (path: string, message: string): PayloadMatcher {
    addProblem(this.problems, path, message)
    return () => false
  }

  /** Any node: a literal, an array of nodes, or a document. */
  node (node: unknown, path: string): PayloadMatcher {
    if (Array.isArray(node)) return this.array(node, path)
    if (isObject(node)) return this.document(node, path)
    // A literal equals the value, or is one of the elements of an array (Convoy, Outpost).
    return (value) => value === node || (Array.isArray(value) && value.includes(node))
  }

  /** An array in the document: the payload's array holds a match for each of its nodes. */
  private array (nodes: unknown[], path: string): PayloadMatcher {
    const matchers = nodes.map((node, i) => this.node(node, `${path}.${i}`))
    return (value) => Array.isArray(value) && matchers.every((matcher) => value.some(matcher))
  }

  /**
   * An object: every entry holds. Operators test the value itself; a field descends into it; on
   * an array, the fields must all hold in one of its elements (the element "descends").
   */
  document (doc: Record<string, unknown>, path: string): PayloadMatcher {
    const matchers: PayloadMatcher[] = []
    const fields: [string, PayloadMatcher][] = []
    for (const [key, operand] of Object.entries(doc)) {
      const at = `${path}.${key}`
      if (key.startsWith('$')) matchers.push(this.operator(ALIASES[key] ?? key, operand, at))
      else fields.push([key, this.node(operand, at)])
    }
    if (fields.length > 0) {
      const inRecord = (value: unknown) => {
        const record = isObject(value) ? value : undefined
        for (const [key, matcher] of fields) {
          if (!matcher(record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined)) return false
        }
        return true
      }
      matchers.push((value) => Array.isArray(value) ? value.some(inRecord) : inRecord(value))
    }
    return matchers.length === 0 ? () => true : all(matchers)
  }

  private operator (op: string, operand: unknown, path: string): PayloadMatcher {
    switch (op) {
      case '$and':
      case '$or': {
        if (!Array.isArray(operand) || operand.length === 0) return this.problem(path, 'must be a non-empty array of match documents')
        const matchers = operand.map((node, i) => this.node(node, `${path}.${i}`))
        return op === '$and' ? all(matchers) : (value) => matchers.some((matcher) => matcher(value))
      }
      case '$not': return not(this.node(operand, path))
      case '$eq': return equalTo(operand)
      case '$neq': return not(equalTo(operand))
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        if (typeof operand !== 'number' && typeof operand !== 'string') return this.problem(path, 'must be a number or a string')
        return ordered(op, operand)
      case '$in':
      case '$nin': {
        // A string operand is Outpost's substring test ({"$in": "text"}).
        const matcher = Array.isArray(operand) ? oneOf(operand) : typeof operand === 'string' ? containing(operand) : undefined
        if (!matcher) return this.problem(path, 'must be an array of values (or a string: contains it)')
        return op === '$in' ? matcher : not(matcher)
      }
      case '$exists':
        if (typeof operand !== 'boolean') return this.problem(path, 'must be true or false')
        return (value) => (value !== undefined) === operand
      case '$startsWith':
      case '$endsWith': {
        const affixes = typeof operand === 'string' ? [operand] : operand
        if (!Array.isArray(affixes) || affixes.length === 0 || !affixes.every((a) => typeof a === 'string')) {
          return this.problem(path, 'must be a string or a non-empty array of strings')
        }
        return op === '$startsWith'
          ? (value) => typeof value === 'string' && affixes.some((a: string) => value.startsWith(a))
          : (value) => typeof value === 'string' && affixes.some((a: string) => value.endsWith(a))
      }
      case '$contains': return containing(operand)
      default: return this.problem(path, `is not an operator; operators are ${OPERATORS}`)
    }
  }
}

/**
 * Where a document exceeds FILTER_LIMITS, before anything recurses into it: depth first, so
 * that nothing below (JSON.stringify included) meets a document nested past the limit.
 */
function limitProblem (doc: unknown, path: string): [string, string] | null {
  let nodes = 0
  const walk = (value: unknown, at: string, depth: number): [string, string] | null => {
    if (++nodes > FILTER_LIMITS.nodes) return [path, `must have at most ${FILTER_LIMITS.nodes} values`]
    if (typeof value !== 'object' || value === null) return null
    if (depth >= FILTER_LIMITS.depth) return [at, `nests deeper than ${FILTER_LIMITS.depth} levels`]
    for (const [key, inner] of Object.entries(value)) {
      const found = walk(inner, `${at}.${key}`, depth + 1)
      if (found) return found
    }
    return null
  }
  const found = walk(doc, path, 0)
  if (found) return found
  if (JSON.stringify(doc).length > FILTER_LIMITS.bytes) return [path, `must be at most ${FILTER_LIMITS.bytes} characters of JSON`]
  return null
}

/**
 * The problems of a match document, by path under `path` ("filter.payload.order.total.$gte"),
 * or its matcher when there are none.
 */
export function compilePayloadFilter (doc: unknown, path = 'filter.payload'): { matcher: PayloadMatcher } | { problems: Problems } {
  if (!isObject(doc)) return { problems: { [path]: ['must be a match document (a JSON object)'] } }
  const tooLarge = limitProblem(doc, path)
  if (tooLarge) return { problems: { [tooLarge[0]]: [tooLarge[1]] } }
  const compiler = new Compiler()
  const matcher = compiler.document(doc, path)
  return Object.keys(compiler.problems).length > 0 ? { problems: compiler.problems } : { matcher }
}

/** The matcher of a document, or a 422 HOOKHUB_VALIDATION_FAILED naming every bad part. */
export function payloadFilterOrThrow (doc: unknown, path = 'filter.payload'): PayloadMatcher {
  const compiled = compilePayloadFilter(doc, path)
  if ('problems' in compiled) throw validationFailed(compiled.problems)
  return compiled.matcher
}

/** The payload as filters see it: the parsed JSON, or NOT_JSON for a body kept as it came. */
export const NOT_JSON: unique symbol = Symbol('not JSON')
export type FilterablePayload = () => unknown

/**
 * The event's payload, parsed once and only if a filter asks. A body that was not JSON (a form or
 * text, kept with its content type in an envelope) is never matched by a payload filter.
 */
export function filterablePayload (text: string, contentType: string | null): FilterablePayload {
  let parsed: unknown
  let done = false
  return () => {
    if (!done) {
      done = true
      try {
        parsed = contentType === null ? JSON.parse(text) as unknown : NOT_JSON
      } catch {
        parsed = NOT_JSON
      }
    }
    return parsed
  }
}

/** Whether an endpoint's payload filter lets the event through; no filter lets every event through. */
export function payloadMatches (matcher: PayloadMatcher | null, payload: FilterablePayload): boolean {
  if (matcher === null) return true
  const value = payload()
  return value !== NOT_JSON && matcher(value)
}

const MAX_CACHED = 10_000
const cache = new Map<string, { text: string; matcher: PayloadMatcher }>()
const NEVER: PayloadMatcher = () => false

/**
 * The compiled filter of an endpoint, from the text its row stores. Compiled once per version of
 * the endpoint: the entry holds while the stored text is the same (its updated_at can repeat
 * within a millisecond; its text cannot mislead). A text that does not compile was not written
 * through the API, which validates it: it lets nothing through rather than everything.
 */
export function storedPayloadFilter (endpointId: string, text: string | null): PayloadMatcher | null {
  if (text === null) return null
  const cached = cache.get(endpointId)
  if (cached && cached.text === text) return cached.matcher
  let matcher = NEVER
  try {
    const compiled = compilePayloadFilter(JSON.parse(text))
    if ('matcher' in compiled) matcher = compiled.matcher
  } catch {}
  if (cache.size >= MAX_CACHED) cache.clear()
  cache.set(endpointId, { text, matcher })
  return matcher
}
