// Unit tests of the Incoplax list query language (src/dialects/incoplax/query.ts): filter, mask,
// order, flat, offset/limit, on the entity's field paths (seed 002, issue 6).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { toEntity } from '../../../src/dialects/incoplax/mapping.ts'
import {
  applyMask, canonicalField, FIELDS, flatten, parseFilter, parseFlat, parseMask, parseOrder, parseWindow,
} from '../../../src/dialects/incoplax/query.ts'
import { HookhubError } from '../../../src/core/errors.ts'
import type { IntegrationPointRow } from '../../../src/storage/integration-point-repository.ts'

/** The call throws a validation error for `parameter` whose messages mention `mention`. */
function assertRejects (call: () => unknown, parameter: string, mention?: string) {
  assert.throws(call, (err: unknown) => {
    assert.ok(err instanceof HookhubError, `a HookhubError: ${String(err)}`)
    assert.equal(err.code, 'HOOKHUB_VALIDATION_FAILED')
    const fields = err.details.fields as Record<string, string[]>
    assert.deepEqual(Object.keys(fields), [parameter], JSON.stringify(fields))
    assert.ok(fields[parameter].length > 0)
    if (mention) assert.ok(fields[parameter].some((m) => m.includes(mention)), `${JSON.stringify(fields)} mentions ${mention}`)
    return true
  })
}

/** The seed's first point as a stored row. */
const ROW: IntegrationPointRow = {
  id: 'b4680fbe-016c-d86f-1d6b-50e54938780c',
  code: 'ABCDE',
  type: 'public',
  token_local: '82ddc7c68623726346a78371173e2f8d',
  token_remote: '',
  token_remote2: '',
  url: 'http://trapper.com',
  recv_svcscriptcode: 'ws_hook',
  recv_svcscriptcode_ws: '',
  send_svcscriptcode: 'send_to_web',
  send_svcscriptcode_ws: '',
  opts_title: '',
  opts_comment: '',
  opts_allow_files_api: 0,
  opts_issync: 0,
  opts_recv_timeout: 5000,
  endpoint_id: null,
  source_id: 'src_1',
  user_id: 1,
  created_at: Date.parse('2019-08-28T13:34:16.420Z'),
  updated_at: Date.parse('2019-09-10T12:49:25.170Z'),
}

const SEED_ENTITY = {
  id: 'b4680fbe-016c-d86f-1d6b-50e54938780c',
  code: 'ABCDE',
  type: 'public',
  token_local: '82ddc7c68623726346a78371173e2f8d',
  token_remote: '',
  token_remote2: '',
  url: 'http://trapper.com',
  recv_svcscriptcode: 'ws_hook',
  recv_svcscriptcode_ws: '',
  send_svcscriptcode: 'send_to_web',
  send_svcscriptcode_ws: '',
  opts: { title: '', comment: '', allow_files_api: false, issync: false, recv_timeout: 5000 },
  ext: { ct: '2019-08-28T13:34:16.420Z', lwt: '2019-09-10T12:49:25.170Z' },
}

describe('Incoplax query language: the field table', () => {
  test('the entity (mapping.ts) has exactly the field paths the query language knows, in the same order', () => {
    const entity = toEntity(ROW)
    assert.deepEqual(entity, SEED_ENTITY)
    assert.deepEqual(Object.keys(flatten(entity)), Object.keys(FIELDS))
  })

  test('the seed\'s spellings without underscores map to the canonical names', () => {
    assert.equal(canonicalField('tokenlocal'), 'token_local')
    assert.equal(canonicalField('tokenremote'), 'token_remote')
    assert.equal(canonicalField('tokenremote2'), 'token_remote2')
    for (const name of ['token_local', 'id', 'opts.title', 'ext.ct']) assert.equal(canonicalField(name), name)
  })
})

describe('Incoplax query language: filter', () => {
  test('absent or empty: no condition', () => {
    assert.deepEqual(parseFilter(undefined), [])
    assert.deepEqual(parseFilter(''), [])
    assert.deepEqual(parseFilter('{}'), [])
  })

  test('field equality on top-level fields, each mapped to its column', () => {
    assert.deepEqual(parseFilter('{"code":"ABCDE"}'), [{ column: 'code', values: ['ABCDE'] }])
    assert.deepEqual(parseFilter('{"id":"b4680fbe-016c-d86f-1d6b-50e54938780c","type":"public","url":"http://trapper.com"}'), [
      { column: 'id', values: ['b4680fbe-016c-d86f-1d6b-50e54938780c'] },
      { column: 'type', values: ['public'] },
      { column: 'url', values: ['http://trapper.com'] },
    ])
    assert.deepEqual(parseFilter('{"recv_svcscriptcode":"ws_hook","send_svcscriptcode_ws":""}'), [
      { column: 'recv_svcscriptcode', values: ['ws_hook'] },
      { column: 'send_svcscriptcode_ws', values: [''] },
    ])
  })

  test('dot paths for nested fields, with their own value types', () => {
    assert.deepEqual(parseFilter('{"opts.issync": true}'), [{ column: 'opts_issync', values: [1] }])
    assert.deepEqual(parseFilter('{"opts.allow_files_api": false}'), [{ column: 'opts_allow_files_api', values: [0] }])
    assert.deepEqual(parseFilter('{"opts.title": "Сайт"}'), [{ column: 'opts_title', values: ['Сайт'] }])
    assert.deepEqual(parseFilter('{"opts.comment": ""}'), [{ column: 'opts_comment', values: [''] }])
    assert.deepEqual(parseFilter('{"opts.recv_timeout": 5000}'), [{ column: 'opts_recv_timeout', values: [5000] }])
  })

  test('ext.ct and ext.lwt compare as instants, in any ISO 8601 spelling of the instant', () => {
    const at = Date.parse('2019-08-28T13:34:16.420Z')
    assert.deepEqual(parseFilter('{"ext.ct": "2019-08-28T13:34:16.42Z"}'), [{ column: 'created_at', values: [at] }])
    assert.deepEqual(parseFilter('{"ext.ct": "2019-08-28T13:34:16.420Z"}'), [{ column: 'created_at', values: [at] }])
    assert.deepEqual(parseFilter('{"ext.lwt": "2019-08-28T16:34:16.420+03:00"}'), [{ column: 'updated_at', values: [at] }])
  })

  test('an array means any of', () => {
    assert.deepEqual(parseFilter('{"type": ["public", "telegram"]}'), [{ column: 'type', values: ['public', 'telegram'] }])
    assert.deepEqual(parseFilter('{"opts.issync": [true, false], "code": ["902"]}'), [
      { column: 'opts_issync', values: [1, 0] },
      { column: 'code', values: ['902'] },
    ])
  })

  test('the seed\'s tokenlocal spelling filters token_local', () => {
    assert.deepEqual(parseFilter('{"tokenlocal": "82ddc7c68623726346a78371173e2f8d"}'), [{ column: 'token_local', values: ['82ddc7c68623726346a78371173e2f8d'] }])
  })

  test('malformed JSON or not an object: 400 on filter', () => {
    for (const text of ['{', '{"code":}', 'code=ABCDE', "{'code':'A'}"]) assertRejects(() => parseFilter(text), 'filter', 'JSON')
    for (const text of ['[]', '["code"]', '"ABCDE"', '5', 'null', 'true']) assertRejects(() => parseFilter(text), 'filter')
  })

  test('unknown fields, groups and secrets: 400 naming the field', () => {
    assertRejects(() => parseFilter('{"colour": "red"}'), 'filter', 'colour')
    assertRejects(() => parseFilter('{"opts.colour": "red"}'), 'filter', 'opts.colour')
    assertRejects(() => parseFilter('{"token_remote": "00ea293c29f9dc30"}'), 'filter', 'token_remote')
    assertRejects(() => parseFilter('{"tokenremote2": ""}'), 'filter', 'token_remote2')
  })

  test('a nested object means its dotted keys', () => {
    assert.deepEqual(parseFilter('{"opts": {"issync": false}}'), parseFilter('{"opts.issync": false}'))
    assert.deepEqual(parseFilter('{"code": "ABCDE", "opts": {"issync": true, "title": ["a", "b"]}, "ext": {"ct": "2019-08-28T13:34:16.42Z"}}'), [
      { column: 'code', values: ['ABCDE'] },
      { column: 'opts_issync', values: [1] },
      { column: 'opts_title', values: ['a', 'b'] },
      { column: 'created_at', values: [Date.parse('2019-08-28T13:34:16.420Z')] },
    ])
    assert.deepEqual(parseFilter('{"opts": {}}'), [])
  })

  test('nested objects only where the entity nests: anything else is an unknown field, however deep', () => {
    assertRejects(() => parseFilter('{"opts": {"colour": "red"}}'), 'filter', 'opts.colour')
    assertRejects(() => parseFilter('{"code": {"$ne": "x"}}'), 'filter', 'code.$ne')
    assertRejects(() => parseFilter('{"opts": {"title": {"$gt": ""}}}'), 'filter', 'opts.title.$gt')
    assertRejects(() => parseFilter('{"opts": {"__proto__": {"issync": true}}}'), 'filter', 'opts.__proto__')
    assertRejects(() => parseFilter('{"__proto__": {"issync": true}}'), 'filter', '__proto__')
    assertRejects(() => parseFilter('{"constructor": {"prototype": {"x": 1}}}'), 'filter', 'constructor')
    assertRejects(() => parseFilter('{"opts": null}'), 'filter', 'opts')
    assertRejects(() => parseFilter('{"opts": ["issync"]}'), 'filter', 'opts')
    assertRejects(() => parseFilter('{"opts.issync": {"x": true}}'), 'filter', 'opts.issync')
    // A deeply nested document is refused at its first unknown level, without recursing through it.
    const deep = '{"opts":'.repeat(5000) + '1' + '}'.repeat(5000)
    assertRejects(() => parseFilter(deep), 'filter', 'opts.opts')
  })

  test('a value of the wrong type: 400 naming the field', () => {
    const cases: [string, string][] = [
      ['{"opts.issync": "true"}', 'opts.issync'],
      ['{"opts.issync": 1}', 'opts.issync'],
      ['{"opts.allow_files_api": null}', 'opts.allow_files_api'],
      ['{"code": 902}', 'code'],
      ['{"type": ["public", 5]}', 'type'],
      ['{"opts.title": {"a": 1}}', 'opts.title'],
      ['{"opts.recv_timeout": "5000"}', 'opts.recv_timeout'],
      ['{"opts.recv_timeout": 1.5}', 'opts.recv_timeout'],
      ['{"ext.ct": "yesterday"}', 'ext.ct'],
      ['{"ext.ct": 1567000456420}', 'ext.ct'],
      ['{"ext.lwt": ""}', 'ext.lwt'],
    ]
    for (const [text, field] of cases) assertRejects(() => parseFilter(text), 'filter', field)
  })
})

describe('Incoplax query language: order', () => {
  test('absent or empty: no order of its own', () => {
    assert.deepEqual(parseOrder(undefined), [])
    assert.deepEqual(parseOrder(''), [])
    assert.deepEqual(parseOrder('[]'), [])
  })

  test('names sort ascending; {"field": "asc"|"desc"} objects set the direction; several fields in turn', () => {
    assert.deepEqual(parseOrder('["code"]'), [{ column: 'code', direction: 'asc' }])
    assert.deepEqual(parseOrder('[{"code":"desc"}]'), [{ column: 'code', direction: 'desc' }])
    assert.deepEqual(parseOrder('[{"code":"asc"}]'), [{ column: 'code', direction: 'asc' }])
    assert.deepEqual(parseOrder('["type", {"opts.title": "desc"}, {"ext.ct": "asc"}, "ext.lwt", "id"]'), [
      { column: 'type', direction: 'asc' },
      { column: 'opts_title', direction: 'desc' },
      { column: 'created_at', direction: 'asc' },
      { column: 'updated_at', direction: 'asc' },
      { column: 'id', direction: 'asc' },
    ])
    assert.deepEqual(parseOrder('["tokenlocal"]'), [{ column: 'token_local', direction: 'asc' }])
  })

  test('direction in any case; several keys in one object, in key order; "-name" descending; comma lists', () => {
    const codeDescTypeAsc = [{ column: 'code', direction: 'desc' }, { column: 'type', direction: 'asc' }]
    for (const text of [
      '[{"code":"DESC"},{"type":"Asc"}]', '[{"code":"desc","type":"asc"}]', '{"code":"desc","type":"asc"}', '["-code","type"]',
      '["-code,type"]', '-code,type', ' -code , type ',
    ]) {
      assert.deepEqual(parseOrder(text), codeDescTypeAsc, text)
    }
    assert.deepEqual(parseOrder('[{"type":"asc","code":"desc"}]'), [{ column: 'type', direction: 'asc' }, { column: 'code', direction: 'desc' }])
    assert.deepEqual(parseOrder('code'), [{ column: 'code', direction: 'asc' }])
    assert.deepEqual(parseOrder('"-code"'), [{ column: 'code', direction: 'desc' }])
    assert.deepEqual(parseOrder('-opts.title,ext.ct'), [{ column: 'opts_title', direction: 'desc' }, { column: 'created_at', direction: 'asc' }])
    assert.deepEqual(parseOrder('-tokenlocal'), [{ column: 'token_local', direction: 'desc' }])
  })

  test('malformed, unknown, secret or badly shaped items: 400 on order', () => {
    assertRejects(() => parseOrder('['), 'order', 'JSON')
    assertRejects(() => parseOrder('[{"code":}]'), 'order', 'JSON')
    assertRejects(() => parseOrder('["colour"]'), 'order', 'colour')
    assertRejects(() => parseOrder('[{"opts.colour":"asc"}]'), 'order', 'opts.colour')
    assertRejects(() => parseOrder('[{"code":"up"}]'), 'order', 'code')
    assertRejects(() => parseOrder('[{"code":"desc","colour":"asc"}]'), 'order', 'colour')
    assertRejects(() => parseOrder('[{"code":"descending"}]'), 'order', 'code')
    assertRejects(() => parseOrder('[{"code":1}]'), 'order', 'code')
    assertRejects(() => parseOrder('-colour'), 'order', 'colour')
    assertRejects(() => parseOrder('code,colour'), 'order', 'colour')
    assertRejects(() => parseOrder('["--code"]'), 'order', '-code')
    assertRejects(() => parseOrder('-'), 'order')
    assertRejects(() => parseOrder('[{"__proto__":"asc"}]'), 'order', '__proto__')
    assertRejects(() => parseOrder('-token_remote'), 'order', 'token_remote')
    assertRejects(() => parseOrder('[{}]'), 'order')
    assertRejects(() => parseOrder('[5]'), 'order')
    assertRejects(() => parseOrder('[["code"]]'), 'order')
    assertRejects(() => parseOrder('["token_remote"]'), 'order', 'token_remote')
  })
})

describe('Incoplax query language: mask', () => {
  test('absent or empty: every field', () => {
    assert.equal(parseMask(undefined), undefined)
    assert.equal(parseMask(''), undefined)
    assert.equal(applyMask(SEED_ENTITY, undefined), SEED_ENTITY)
  })

  test('comma-separated names and dot paths, spaces around names allowed', () => {
    assert.deepEqual(parseMask('id,code,opts.title'), ['id', 'code', 'opts.title'])
    assert.deepEqual(parseMask('id, code , ext.ct'), ['id', 'code', 'ext.ct'])
  })

  test('a group name stands for all of its fields', () => {
    assert.deepEqual(parseMask('opts'), ['opts.title', 'opts.comment', 'opts.allow_files_api', 'opts.issync', 'opts.recv_timeout'])
    assert.deepEqual(parseMask('id,ext'), ['id', 'ext.ct', 'ext.lwt'])
  })

  test('the seed\'s spellings give the canonical names', () => {
    assert.deepEqual(parseMask('tokenlocal,tokenremote,tokenremote2'), ['token_local', 'token_remote', 'token_remote2'])
    assert.deepEqual(parseMask('token_local,token_remote,token_remote2'), ['token_local', 'token_remote', 'token_remote2'])
  })

  test('the seed\'s list of fields available for output is accepted whole', () => {
    const seedList = 'id, code, type, tokenlocal, tokenremote, tokenremote2, recv_svcscriptcode, recv_svcscriptcode_ws, send_svcscriptcode, send_svcscriptcode_ws, opts.title, opts.allow_files_api, opts.issync, ext.lwt, ext.ct'
    const mask = parseMask(seedList)
    assert.deepEqual(applyMask(SEED_ENTITY, mask), {
      id: SEED_ENTITY.id,
      code: 'ABCDE',
      type: 'public',
      token_local: '82ddc7c68623726346a78371173e2f8d',
      token_remote: '',
      token_remote2: '',
      recv_svcscriptcode: 'ws_hook',
      recv_svcscriptcode_ws: '',
      send_svcscriptcode: 'send_to_web',
      send_svcscriptcode_ws: '',
      opts: { title: '', allow_files_api: false, issync: false },
      ext: { ct: '2019-08-28T13:34:16.420Z', lwt: '2019-09-10T12:49:25.170Z' },
    })
  })

  test('unknown names: 400 on mask naming them', () => {
    assertRejects(() => parseMask('id,colour'), 'mask', 'colour')
    assertRejects(() => parseMask('opts.colour'), 'mask', 'opts.colour')
    assertRejects(() => parseMask('ext.created'), 'mask', 'ext.created')
    assertRejects(() => parseMask('token'), 'mask', 'token')
  })

  test('applyMask keeps the masked paths in the entity\'s own order, nested groups only when something of them is kept', () => {
    assert.deepEqual(applyMask(SEED_ENTITY, ['id', 'code']), { id: SEED_ENTITY.id, code: 'ABCDE' })
    const picked = applyMask(SEED_ENTITY, ['opts.issync', 'id', 'ext.ct'])
    assert.deepEqual(picked, { id: SEED_ENTITY.id, opts: { issync: false }, ext: { ct: '2019-08-28T13:34:16.420Z' } })
    assert.deepEqual(Object.keys(picked), ['id', 'opts', 'ext'])
    assert.deepEqual(applyMask(SEED_ENTITY, ['opts.title', 'opts.recv_timeout']), { opts: { title: '', recv_timeout: 5000 } })
    assert.deepEqual(applyMask(SEED_ENTITY, ['token_local']), { token_local: '82ddc7c68623726346a78371173e2f8d' })
  })
})

describe('Incoplax query language: flat', () => {
  test('flatten turns nested objects into dotted keys in order; flat values stay', () => {
    assert.deepEqual(flatten(SEED_ENTITY), {
      id: SEED_ENTITY.id,
      code: 'ABCDE',
      type: 'public',
      token_local: '82ddc7c68623726346a78371173e2f8d',
      token_remote: '',
      token_remote2: '',
      url: 'http://trapper.com',
      recv_svcscriptcode: 'ws_hook',
      recv_svcscriptcode_ws: '',
      send_svcscriptcode: 'send_to_web',
      send_svcscriptcode_ws: '',
      'opts.title': '',
      'opts.comment': '',
      'opts.allow_files_api': false,
      'opts.issync': false,
      'opts.recv_timeout': 5000,
      'ext.ct': '2019-08-28T13:34:16.420Z',
      'ext.lwt': '2019-09-10T12:49:25.170Z',
    })
    assert.deepEqual(flatten({ a: { b: { c: 1 } }, d: [1, 2], e: null }), { 'a.b.c': 1, d: [1, 2], e: null })
    assert.deepEqual(flatten(applyMask(SEED_ENTITY, parseMask('id,opts.title'))), { id: SEED_ENTITY.id, 'opts.title': '' })
  })

  test('parseFlat: true/1 and false/0/absent; anything else 400 on flat', () => {
    for (const text of ['true', '1']) assert.equal(parseFlat(text), true, text)
    for (const text of [undefined, '', 'false', '0']) assert.equal(parseFlat(text), false, String(text))
    for (const text of ['yes', 'TRUE ', '2']) assertRejects(() => parseFlat(text), 'flat')
  })
})

describe('Incoplax query language: offset and limit', () => {
  test('offset defaults to 0; without limit there is none (every match); limit up to 1000', () => {
    assert.deepEqual(parseWindow(undefined, undefined), { offset: 0, limit: undefined })
    assert.deepEqual(parseWindow('', ''), { offset: 0, limit: undefined })
    assert.deepEqual(parseWindow('0', '2'), { offset: 0, limit: 2 })
    assert.deepEqual(parseWindow('250', '1000'), { offset: 250, limit: 1000 })
    assert.deepEqual(parseWindow('7', undefined), { offset: 7, limit: undefined })
  })

  test('negative, non-integer or too large: 400 naming the parameter', () => {
    assertRejects(() => parseWindow('-1', undefined), 'offset')
    assertRejects(() => parseWindow('1.5', undefined), 'offset')
    assertRejects(() => parseWindow('abc', undefined), 'offset')
    assertRejects(() => parseWindow('1e3', undefined), 'offset')
    assertRejects(() => parseWindow(undefined, '1001'), 'limit')
    assertRejects(() => parseWindow(undefined, '-5'), 'limit')
    assertRejects(() => parseWindow(undefined, '2.0'), 'limit')
    assertRejects(() => parseWindow(undefined, 'all'), 'limit')
  })
})
