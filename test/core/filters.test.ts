// The payload filter language (src/core/filters.ts): every operator, nesting, arrays, the
// cases of Hookdeck's simple-json-match suite that Outpost runs, each bad input's path, limits.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  compilePayloadFilter, filterablePayload, FILTER_LIMITS, jsonEqual, NOT_JSON, payloadFilterOrThrow, payloadMatches, storedPayloadFilter,
} from '../../src/core/filters.ts'
import { HookhubError } from '../../src/core/errors.ts'

const matches = (filter: Record<string, unknown>, payload: unknown) => payloadFilterOrThrow(filter)(payload)
/** A node under a field, so that literals, arrays and operators can be tried on any value. */
const at = (node: unknown, value: unknown) => matches({ v: node }, { v: value })

function problemsOf (filter: unknown): Record<string, string[]> {
  const compiled = compilePayloadFilter(filter)
  assert.ok('problems' in compiled, 'the document is refused')
  return compiled.problems
}

describe('payload filters: literals, nesting and arrays', () => {
  test('a literal matches by equality, of the same JSON type', () => {
    assert.equal(matches({ type: 'created' }, { type: 'created' }), true)
    assert.equal(matches({ type: 'created' }, { type: 'updated' }), false)
    assert.equal(matches({ type: 'created' }, {}), false)
    assert.equal(matches({ type: 1 }, { type: '1' }), false)
    assert.equal(matches({ n: 1 }, { n: 1.0 }), true)
    assert.equal(matches({ ok: true }, { ok: true }), true)
    assert.equal(matches({ ok: false }, { ok: null }), false)
    assert.equal(matches({ gone: null }, { gone: null }), true)
    assert.equal(matches({ gone: null }, {}), false, 'a missing field is not null')
  })

  test('every field must hold; other fields of the payload do not matter', () => {
    assert.equal(matches({ count: 1 }, { count: 1, type: 'created' }), true)
    assert.equal(matches({ count: 1, type: 'created' }, { count: 1 }), false)
    assert.equal(matches({}, { anything: 1 }), true, 'an empty document has no conditions')
  })

  test('nested objects descend into the payload', () => {
    const filter = { order: { customer: { country: 'DE' } } }
    assert.equal(matches(filter, { order: { customer: { country: 'DE', vip: true }, id: 1 } }), true)
    assert.equal(matches(filter, { order: { customer: { country: 'FR' } } }), false)
    assert.equal(matches(filter, { order: { customer: 'DE' } }), false)
    assert.equal(matches(filter, { order: null }), false)
    assert.equal(matches({ type: { something: 'created' } }, { type: 1 }), false)
    assert.equal(matches({ type: 1 }, { type: { something: 'created' } }), false)
  })

  test('a literal against an array payload matches when the array holds it', () => {
    assert.equal(matches({ tags: 'test' }, { tags: ['test', 'other'] }), true)
    assert.equal(matches({ tags: 'nope' }, { tags: ['test', 'other'] }), false)
    assert.equal(matches({ ids: 3 }, { ids: [1, 2, 3] }), true)
  })

  test('an object against an array of objects: one element must hold every field', () => {
    assert.equal(matches({ items: { sku: 'a' } }, { items: [{ sku: 'b' }, { sku: 'a' }] }), true)
    assert.equal(matches({ items: { sku: 'c' } }, { items: [{ sku: 'b' }, { sku: 'a' }] }), false)
    assert.equal(matches({ items: { inventory: { $lte: 10 } } }, { items: [{ inventory: 9 }, { inventory: 11 }] }), true)
    assert.equal(matches({ items: { inventory: { $lte: 10 } } }, { items: [{ inventory: 12 }, { inventory: 11 }] }), false)
    const both = { items: { sku: 'a', qty: 2 } }
    assert.equal(matches(both, { items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }] }), false, 'fields hold in the same element')
    assert.equal(matches(both, { items: [{ sku: 'b', qty: 2 }, { sku: 'a', qty: 2 }] }), true)
    assert.equal(matches({ items: { sku: 'a' } }, { items: [] }), false)
  })

  test('an array in the document: the payload array holds a match for each element, in any order', () => {
    assert.equal(matches({ tags: ['test', 'other'] }, { tags: ['more', 'other', 'test'] }), true)
    assert.equal(matches({ tags: ['test', 'whatever'] }, { tags: ['test', 'other', 'more'] }), false)
    assert.equal(matches({ tags: ['test'] }, { tags: 'test' }), false, 'a string is not an array')
    assert.equal(matches({ ns: [{ $gt: 2 }] }, { ns: [1, 2, 3] }), true)
    assert.equal(matches({ ns: [{ $gt: 3 }] }, { ns: [1, 2, 3] }), false)
  })

  test('a payload that is an array: the document holds in one of its elements', () => {
    assert.equal(matches({ a: 1 }, [{ a: 2 }, { a: 1 }]), true)
    assert.equal(matches({ a: 1 }, [{ a: 2 }]), false)
  })

  test('keys are literal: a dot is part of a key, not a path; own keys only', () => {
    assert.equal(matches({ 'a.b': 1 }, { a: { b: 1 } }), false)
    assert.equal(matches({ 'a.b': 1 }, { 'a.b': 1 }), true)
    assert.equal(matches({ constructor: { $exists: true } }, {}), false)
    assert.equal(matches(JSON.parse('{"__proto__": {"$exists": true}}'), JSON.parse('{"__proto__": 1}')), true)
    assert.equal(matches(JSON.parse('{"__proto__": {"$exists": true}}'), {}), false)
  })
})

describe('payload filters: operators', () => {
  test('$eq and $neq compare whole JSON values', () => {
    assert.equal(at({ $eq: 2 }, 2), true)
    assert.equal(at({ $eq: 'created' }, 'created'), true)
    assert.equal(at({ $eq: ['test', 'other'] }, ['test', 'other']), true)
    assert.equal(at({ $eq: ['test', 'other'] }, ['test', 'other', 'more']), false)
    assert.equal(at({ $eq: { a: 1, b: [2] } }, { b: [2], a: 1 }), true)
    assert.equal(at({ $eq: 3 }, [1, 2, 3]), false, '$eq does not look into arrays')
    assert.equal(at({ $eq: null }, null), true)
    assert.equal(at({ $eq: null }, undefined), false)
    assert.equal(at({ $neq: 2 }, 2), false)
    assert.equal(at({ $neq: 'created' }, 'updated'), true)
    assert.equal(at({ $neq: null }, null), false)
    assert.equal(at({ $neq: 'x' }, undefined), true, 'a missing field equals nothing')
  })

  test('$gt $gte $lt $lte compare numbers with numbers and strings with strings', () => {
    assert.equal(at({ $gt: 1 }, 2), true)
    assert.equal(at({ $gt: 2 }, 2), false)
    assert.equal(at({ $gte: 2 }, 2), true)
    assert.equal(at({ $lt: 1 }, 0), true)
    assert.equal(at({ $lt: 1 }, 1), false)
    assert.equal(at({ $lte: 1 }, 1), true)
    assert.equal(at({ $gt: 1, $lt: 3 }, 2), true)
    assert.equal(at({ $gt: 1, $lt: 3 }, 4), false)
    assert.equal(at({ $gt: 'b' }, 'c'), true)
    assert.equal(at({ $gt: 'b' }, 'a'), false)
    assert.equal(at({ $gte: '2026-01-01T00:00:00Z' }, '2026-03-04T05:06:07Z'), true, 'RFC 3339 times order as strings')
    assert.equal(at({ $gt: 9 }, '10'), false, 'a string is not a number')
    assert.equal(at({ $lt: '9' }, 10), false)
    assert.equal(at({ $gt: 1 }, undefined), false)
    assert.equal(at({ $gt: 1 }, [5]), false)
    assert.equal(at({ $gte: 0 }, null), false)
  })

  test('$in and $nin: one of a list of values', () => {
    assert.equal(at({ $in: ['EUR', 'USD'] }, 'EUR'), true)
    assert.equal(at({ $in: ['EUR', 'USD'] }, 'GBP'), false)
    assert.equal(at({ $in: [123, 456] }, 123), true)
    assert.equal(at({ $in: [{ a: 1 }, [1, 2]] }, [1, 2]), true)
    assert.equal(at({ $in: [{ a: 1 }] }, { a: 1 }), true)
    assert.equal(at({ $in: [] }, 'x'), false)
    assert.equal(at({ $in: ['a', 'b'] }, ['x', 'b']), false, 'an array is compared as a whole')
    assert.equal(at({ $or: ['a', 'b'] }, ['x', 'b']), true, 'literals look into it (docs/filters.md)')
    assert.equal(at({ $in: ['a'] }, undefined), false)
    assert.equal(at({ $nin: ['updated', 'truncated'] }, 'created'), true)
    assert.equal(at({ $nin: [123, 456] }, 123), false)
    assert.equal(at({ $nin: ['x'] }, undefined), true)
  })

  test('$in and $nin with a string: Outpost\'s substring test', () => {
    assert.equal(at({ $in: 'text' }, 'some-text'), true)
    assert.equal(at({ $in: 'no' }, 'some-text'), false)
    assert.equal(at({ $nin: 'some' }, 'some-text'), false)
    assert.equal(at({ $nin: 'test' }, ['test', 'something']), false)
  })

  test('$exists (and Outpost\'s $exist): present, even as null, or absent', () => {
    assert.equal(matches({ a: { $exists: true } }, { a: null }), true)
    assert.equal(matches({ a: { $exists: true } }, {}), false)
    assert.equal(matches({ a: { $exists: false } }, {}), true)
    assert.equal(matches({ a: { $exists: false } }, { a: 0 }), false)
    assert.equal(matches({ a: { $exist: true } }, { a: 'x' }), true)
    assert.equal(matches({ a: { $exist: false } }, { a: 'x' }), false)
    assert.equal(matches({ a: { b: { $exists: false } } }, { a: { c: 1 } }), true)
    assert.equal(matches({ a: { b: { $exists: false } } }, {}), true, 'below a missing field nothing exists')
    assert.equal(matches({ a: { b: { $exists: true } } }, { a: { b: { c: 1 } } }), true)
  })

  test('$startsWith and $endsWith: a string, or any of several', () => {
    assert.equal(at({ $startsWith: 'some' }, 'some-text'), true)
    assert.equal(at({ $endsWith: 'some' }, 'some-text'), false)
    assert.equal(at({ $endsWith: 'text' }, 'some-text'), true)
    assert.equal(at({ $startsWith: ['else', 'some'] }, 'some-text'), true)
    assert.equal(at({ $startsWith: ['something', 'else'] }, 'some-text'), false)
    assert.equal(at({ $endsWith: ['text', 'else'] }, 'some-text'), true)
    assert.equal(at({ $startsWith: 'text' }, { more: true }), false)
    assert.equal(at({ $startsWith: '1' }, 12), false)
  })

  test('$contains: a substring of a string, an element of an array', () => {
    assert.equal(at({ $contains: 'ell' }, 'hello'), true)
    assert.equal(at({ $contains: 'xyz' }, 'hello'), false)
    assert.equal(at({ $contains: 'b' }, ['a', 'b']), true)
    assert.equal(at({ $contains: 'b' }, ['abc']), false, 'elements by equality, not substring')
    assert.equal(at({ $contains: { sku: 'a' } }, [{ sku: 'a' }]), true)
    assert.equal(at({ $contains: 2 }, [1, 2]), true)
    assert.equal(at({ $contains: 2 }, '123'), false, 'a string contains strings only')
    assert.equal(at({ $contains: 'a' }, undefined), false)
    assert.equal(at({ $contains: 'a' }, { a: 1 }), false)
  })

  test('$and, $or and $not combine documents, at the top or under a field', () => {
    const weekly = { $or: [{ cities: 'london' }, { type: 'weekly' }] }
    assert.equal(matches(weekly, { cities: ['lagos', 'london'] }), true)
    assert.equal(matches(weekly, { type: 'weekly' }), true)
    assert.equal(matches(weekly, { type: 'daily' }), false)
    const both = { $and: [{ age: { $gte: 10 } }, { $or: [{ type: 'weekly' }, { cities: 'lagos' }] }] }
    assert.equal(matches(both, { age: 12, cities: ['lagos'] }), true)
    assert.equal(matches(both, { age: 9, cities: ['lagos'] }), false)
    assert.equal(at({ $or: [1, 2] }, 1), true)
    assert.equal(at({ $or: [2, 3] }, 1), false)
    assert.equal(at({ $and: [1, 2] }, 1), false)
    assert.equal(matches({ test: { $or: [{ something: true }, { something: { $in: 'else' } }] } }, { test: { something: 'else' } }), true)
    assert.equal(matches({ $not: { status: 'test' } }, { status: 'live' }), true)
    assert.equal(matches({ $not: { status: 'test' } }, { status: 'test' }), false)
    assert.equal(matches({ status: { $not: { $in: ['a', 'b'] } } }, { status: 'c' }), true)
    // Field conditions and logical operators in one object: all of them hold.
    const mixed = { test: { test1: { $exists: true, $or: ['else', 'not'] }, $and: [{ test1: 'else' }, { test2: 'not' }] } }
    assert.equal(matches(mixed, { test: { test1: 'else', test2: 'not' } }), true)
    assert.equal(matches(mixed, { test: { test1: 'not', test2: 'not' } }), false)
  })

  test('the example of issue 18', () => {
    const filter = { order: { total: { $gte: 100 } }, currency: { $in: ['EUR', 'USD'] } }
    assert.equal(matches(filter, { order: { total: 250 }, currency: 'EUR' }), true)
    assert.equal(matches(filter, { order: { total: 99.99 }, currency: 'EUR' }), false)
    assert.equal(matches(filter, { order: { total: 250 }, currency: 'GBP' }), false)
    assert.equal(matches(filter, { currency: 'EUR' }), false)
  })
})

describe('payload filters: bad documents name the path of the bad part', () => {
  test('the top must be an object', () => {
    for (const bad of [null, 'x', 1, true, [], [{ a: 1 }]]) {
      assert.deepEqual(problemsOf(bad), { 'filter.payload': ['must be a match document (a JSON object)'] }, JSON.stringify(bad))
    }
  })

  test('each operator refuses operands it cannot use', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ order: { total: { $gte: [100] } } }, 'filter.payload.order.total.$gte'],
      [{ a: { $gt: null } }, 'filter.payload.a.$gt'],
      [{ a: { $lt: true } }, 'filter.payload.a.$lt'],
      [{ a: { $lte: { n: 1 } } }, 'filter.payload.a.$lte'],
      [{ a: { $in: 1 } }, 'filter.payload.a.$in'],
      [{ a: { $nin: { x: 1 } } }, 'filter.payload.a.$nin'],
      [{ a: { $exists: 'yes' } }, 'filter.payload.a.$exists'],
      [{ a: { $exist: 1 } }, 'filter.payload.a.$exist'],
      [{ a: { $startsWith: 1 } }, 'filter.payload.a.$startsWith'],
      [{ a: { $endsWith: [] } }, 'filter.payload.a.$endsWith'],
      [{ a: { $endsWith: ['x', 2] } }, 'filter.payload.a.$endsWith'],
      [{ $and: [] }, 'filter.payload.$and'],
      [{ $or: { a: 1 } }, 'filter.payload.$or'],
      [{ a: { $regex: '^x' } }, 'filter.payload.a.$regex'],
      [{ $where: 'true' }, 'filter.payload.$where'],
      [{ $or: [{ a: 1 }, { b: { $gt: [] } }] }, 'filter.payload.$or.1.b.$gt'],
      [{ $not: { a: { $nope: 1 } } }, 'filter.payload.$not.a.$nope'],
      [{ tags: ['x', { $bad: 1 }] }, 'filter.payload.tags.1.$bad'],
    ]
    for (const [filter, path] of cases) {
      const problems = problemsOf(filter)
      assert.deepEqual(Object.keys(problems), [path], JSON.stringify(filter))
      assert.ok(problems[path].length === 1 && problems[path][0].length > 0)
    }
  })

  test('every bad part is named at once', () => {
    assert.deepEqual(Object.keys(problemsOf({ a: { $gt: [] }, b: { $in: 2 }, c: 1 })).sort(), ['filter.payload.a.$gt', 'filter.payload.b.$in'])
  })

  test('the thrown error is 422 HOOKHUB_VALIDATION_FAILED with the fields by path', () => {
    assert.throws(() => payloadFilterOrThrow({ order: { total: { $gte: 'x', $gt: [] } } }), (err: unknown) => {
      assert.ok(err instanceof HookhubError)
      assert.equal(err.statusCode, 422)
      assert.equal(err.code, 'HOOKHUB_VALIDATION_FAILED')
      assert.deepEqual(Object.keys(err.details.fields as object), ['filter.payload.order.total.$gt'])
      return true
    })
  })

  test('depth, number of values and size are bounded', () => {
    let deep: Record<string, unknown> = { leaf: 1 }
    for (let i = 0; i < FILTER_LIMITS.depth; i++) deep = { a: deep }
    const depthProblems = problemsOf(deep)
    const [path] = Object.keys(depthProblems)
    assert.match(path, /^filter\.payload(\.a)+$/)
    assert.match(depthProblems[path][0], /deeper than 16 levels/)
    let fits: Record<string, unknown> = { leaf: 1 }
    for (let i = 0; i < FILTER_LIMITS.depth - 2; i++) fits = { a: fits }
    assert.ok('matcher' in compilePayloadFilter(fits), 'just under the depth limit compiles')

    const wide = { a: { $in: Array.from({ length: FILTER_LIMITS.nodes + 1 }, (_, i) => i) } }
    assert.deepEqual(problemsOf(wide), { 'filter.payload': [`must have at most ${FILTER_LIMITS.nodes} values`] })
    assert.deepEqual(problemsOf({ a: 'x'.repeat(FILTER_LIMITS.bytes) }), { 'filter.payload': [`must be at most ${FILTER_LIMITS.bytes} characters of JSON`] })
    // Nested far past the limit: refused without recursing into all of it.
    let abyss: unknown = 1
    for (let i = 0; i < 100_000; i++) abyss = [abyss]
    assert.ok(Object.keys(problemsOf({ a: abyss }))[0].startsWith('filter.payload.a.0'))
  })
})

describe('payload filters: the payload they see, and stored filters', () => {
  test('a body that was not JSON never matches a payload filter, an empty one included', () => {
    const envelope = JSON.stringify({ content_type: 'text/plain', body: 'hello' })
    const asText = filterablePayload(envelope, 'text/plain')
    assert.equal(asText(), NOT_JSON)
    assert.equal(payloadMatches(payloadFilterOrThrow({}), asText), false)
    assert.equal(payloadMatches(payloadFilterOrThrow({ content_type: 'text/plain' }), asText), false)
    assert.equal(payloadMatches(null, asText), true, 'no payload filter: every event passes')
    const asJson = filterablePayload(envelope, null)
    assert.equal(payloadMatches(payloadFilterOrThrow({ content_type: 'text/plain' }), asJson), true)
  })

  test('the payload is parsed once, and only when a filter asks', () => {
    let reads = 0
    const text = { toString: () => { reads++; return '{"a":1}' } }
    const payload = filterablePayload(text as unknown as string, null)
    assert.equal(reads, 0)
    assert.equal(payloadMatches(payloadFilterOrThrow({ a: 1 }), payload), true)
    assert.equal(payloadMatches(payloadFilterOrThrow({ a: 2 }), payload), false)
    assert.equal(reads, 1)
  })

  test('stored filters compile once per text; a changed text compiles again', () => {
    const first = storedPayloadFilter('ep_cache', '{"a":1}')
    assert.ok(first)
    assert.equal(storedPayloadFilter('ep_cache', '{"a":1}'), first, 'the same text: the same compiled matcher')
    const second = storedPayloadFilter('ep_cache', '{"a":2}')
    assert.notEqual(second, first)
    assert.equal(second!({ a: 2 }), true)
    assert.equal(storedPayloadFilter('ep_cache', null), null)
    assert.equal(storedPayloadFilter('ep_bad', '{"a":{"$gt":[]}}')!({ a: 1 }), false, 'a stored text that does not compile lets nothing through')
  })
})

// Documents over a few field names and operators, so that generated payloads often have the fields.
const KEYS = ['a', 'b', 'c']
const scalar = fc.oneof(fc.constantFrom('x', 'y', 'xy', ''), fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.constant(null))
const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    scalar, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 3 })),
})).value
const documents = fc.letrec<{ doc: Record<string, unknown>; node: unknown; op: Record<string, unknown> }>((tie) => ({
  doc: fc.dictionary(fc.constantFrom(...KEYS, '$and', '$or', '$not'), tie('node'), { maxKeys: 3 }).map((d) => {
    // Logical operators take documents; give them ones of their shape.
    const out: Record<string, unknown> = { ...d }
    for (const key of ['$and', '$or'] as const) if (key in out) out[key] = [out[key]]
    return out
  }),
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('doc'), tie('op')),
  op: fc.oneof(
    fc.record({ $eq: value }), fc.record({ $neq: value }), fc.record({ $gt: fc.integer({ min: -3, max: 3 }) }),
    fc.record({ $lte: fc.constantFrom('x', 'y') }), fc.record({ $in: fc.array(scalar, { maxLength: 3 }) }),
    fc.record({ $nin: fc.array(value, { maxLength: 2 }) }), fc.record({ $exists: fc.boolean() }),
    fc.record({ $startsWith: fc.constantFrom('x', 'y') }), fc.record({ $endsWith: fc.constantFrom('x', 'y') }),
    fc.record({ $contains: value }),
  ),
})).doc

describe('payload filters: properties', () => {
  test('$not inverts any document', () => {
    fc.assert(fc.property(documents, value, (doc, payload) => matches({ $not: doc }, payload) === !matches(doc, payload)))
  })

  test('$in equals $or of $eq, and $nin equals $not of $in; $neq equals $not of $eq', () => {
    fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 4 }), value, (list, v) => {
      const inList = at({ $in: list }, v)
      assert.equal(inList, at({ $or: list.map((item) => ({ $eq: item })) }, v))
      assert.equal(at({ $nin: list }, v), !inList)
      assert.equal(at({ $neq: list[0] }, v), !at({ $eq: list[0] }, v))
    }))
  })

  test('$and of documents equals their fields in one document when they share no key', () => {
    fc.assert(fc.property(value, value, value, (x, y, payload) => {
      assert.equal(matches({ $and: [{ a: x }, { b: y }] }, payload), matches({ a: x, b: y }, payload))
    }))
  })

  test('a payload matches its own scalar fields, and jsonEqual ignores key order', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...KEYS), scalar), (record) => {
      assert.equal(matches(record, record), true)
      assert.equal(jsonEqual(record, Object.fromEntries(Object.entries(record).reverse())), true)
    }))
    fc.assert(fc.property(fc.jsonValue(), (v) => jsonEqual(v, JSON.parse(JSON.stringify(v)))))
  })
})
