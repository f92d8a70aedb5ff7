import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { toBoolean, validate, type Rules } from '../../../src/dialects/integrations/laravel-validation.ts'

// The rule sets below mirror the ones the CyberCert dialect declares, so the messages checked
// here are the sentences Laravel's validator writes for those rules.
const TYPES = ['webhook', 'oauth', 'api'] as const
const STATUSES = ['active', 'inactive', 'error', 'pending'] as const

const CREATE: Rules = {
  name: ['required', 'string', { max: 255 }],
  type: ['required', 'string', { in: TYPES }],
  provider: ['nullable', 'string', { max: 255 }],
  config: ['nullable', 'array'],
  status: ['sometimes', 'string', { in: STATUSES }],
  is_active: ['sometimes', 'boolean'],
}

const PATCH: Rules = {
  name: ['sometimes', 'required', 'string', { max: 255 }],
  type: ['sometimes', 'required', 'string', { in: TYPES }],
}

const QUERY: Rules = {
  page: ['nullable', 'integer', { min: 1 }],
  per_page: ['nullable', 'integer', { min: 1 }, { max: 100 }],
  with_trashed: ['nullable', 'boolean'],
}

describe('toBoolean', () => {
  test("strict: exactly Laravel's accepted values true, false, 0, 1, '0', '1'", () => {
    for (const value of [true, 1, '1']) assert.equal(toBoolean(value), true, JSON.stringify(value))
    for (const value of [false, 0, '0']) assert.equal(toBoolean(value), false, JSON.stringify(value))
    for (const value of ['true', 'false', 'on', 'off', 'yes', 'no', 2, '2', -1, '', ' 1', null, undefined, [], {}]) {
      assert.equal(toBoolean(value), undefined, JSON.stringify(value))
    }
  })

  test('loose (query strings): also true/false, on/off, yes/no in any case', () => {
    for (const value of [true, 1, '1', 'true', 'TRUE', 'True', 'on', 'yes', 'YES']) {
      assert.equal(toBoolean(value, true), true, JSON.stringify(value))
    }
    for (const value of [false, 0, '0', 'false', 'False', 'off', 'no', 'NO']) {
      assert.equal(toBoolean(value, true), false, JSON.stringify(value))
    }
    for (const value of ['maybe', '2', 2, '', 'truee', 'yes please', null, undefined]) {
      assert.equal(toBoolean(value, true), undefined, JSON.stringify(value))
    }
  })
})

describe('validate: Laravel rules and wording', () => {
  test('a valid input passes with trimmed values and no errors', () => {
    const result = validate({ name: '  Stripe  ', type: 'webhook', provider: 'stripe', config: { a: 1 } }, CREATE)
    assert.deepEqual(result, {
      values: { name: 'Stripe', type: 'webhook', provider: 'stripe', config: { a: 1 } },
      errors: {},
      valid: true,
    })
  })

  test('required: missing, null, empty, blank, [] and {} all fail with "field is required"', () => {
    for (const empty of [undefined, null, '', '   ', '\t\n', [], {}]) {
      const input = empty === undefined ? { type: 'api' } : { name: empty, type: 'api' }
      const result = validate(input, CREATE)
      assert.equal(result.valid, false, JSON.stringify(empty))
      assert.deepEqual(result.errors, { name: ['The name field is required.'] }, JSON.stringify(empty))
    }
  })

  test('a failed required stops the field: no string/in messages after it', () => {
    assert.deepEqual(validate({}, CREATE).errors, {
      name: ['The name field is required.'],
      type: ['The type field is required.'],
    })
  })

  test('string: non-strings fail with "must be a string"', () => {
    for (const value of [5, 0, true, false, ['a'], { a: 1 }]) {
      assert.deepEqual(validate({ name: 'n', type: 'api', provider: value }, CREATE).errors,
        { provider: ['The provider field must be a string.'] }, JSON.stringify(value))
    }
  })

  test('max:255 on strings counts characters (code points), not bytes or UTF-16 units', () => {
    assert.equal(validate({ name: 'x'.repeat(255), type: 'api' }, CREATE).valid, true)
    assert.equal(validate({ name: 'ö'.repeat(255), type: 'api' }, CREATE).valid, true)
    assert.equal(validate({ name: '😀'.repeat(255), type: 'api' }, CREATE).valid, true)
    for (const name of ['x'.repeat(256), 'ö'.repeat(256), '😀'.repeat(256)]) {
      assert.deepEqual(validate({ name, type: 'api' }, CREATE).errors,
        { name: ['The name field must not be greater than 255 characters.'] })
    }
  })

  test('max is checked after trimming', () => {
    assert.equal(validate({ name: `  ${'x'.repeat(255)}  `, type: 'api' }, CREATE).valid, true)
  })

  test('in: only the listed values, case-sensitive, "The selected type is invalid."', () => {
    for (const type of TYPES) assert.equal(validate({ name: 'n', type }, CREATE).valid, true, type)
    for (const type of ['ftp', 'Webhook', 'WEBHOOK', 'webhooks']) {
      assert.deepEqual(validate({ name: 'n', type }, CREATE).errors, { type: ['The selected type is invalid.'] }, type)
    }
  })

  test('a non-string for a string+in field fails both rules, in rule order', () => {
    for (const type of [5, true, ['webhook']]) {
      assert.deepEqual(validate({ name: 'n', type }, CREATE).errors,
        { type: ['The type field must be a string.', 'The selected type is invalid.'] }, JSON.stringify(type))
    }
  })

  test('boolean (body): strict values; "is_active" reads "is active" in the message', () => {
    for (const value of [true, false, 0, 1, '0', '1']) {
      assert.equal(validate({ name: 'n', type: 'api', is_active: value }, CREATE).valid, true, JSON.stringify(value))
    }
    for (const value of ['true', 'false', 'yes', 2, 'x', [true], { a: 1 }]) {
      assert.deepEqual(validate({ name: 'n', type: 'api', is_active: value }, CREATE).errors,
        { is_active: ['The is active field must be true or false.'] }, JSON.stringify(value))
    }
  })

  test('boolean with looseBoolean accepts true/false strings', () => {
    assert.deepEqual(validate({ with_trashed: 'true' }, QUERY, { looseBoolean: true }),
      { values: { with_trashed: 'true' }, errors: {}, valid: true })
    assert.deepEqual(validate({ with_trashed: 'maybe' }, QUERY, { looseBoolean: true }).errors,
      { with_trashed: ['The with trashed field must be true or false.'] })
    assert.deepEqual(validate({ with_trashed: 'true' }, QUERY).errors,
      { with_trashed: ['The with trashed field must be true or false.'] })
  })

  test('array: JSON objects and lists pass (PHP arrays); scalars fail with "must be an array"', () => {
    for (const config of [{}, [], { a: { b: [1] } }, [1, 'two']]) {
      const result = validate({ name: 'n', type: 'api', config }, CREATE)
      assert.equal(result.valid, true, JSON.stringify(config))
      assert.deepEqual(result.values.config, config)
    }
    for (const config of ['abc', 5, true, false, '********']) {
      assert.deepEqual(validate({ name: 'n', type: 'api', config }, CREATE).errors,
        { config: ['The config field must be an array.'] }, JSON.stringify(config))
    }
  })

  test('integer: digits (as query strings send them) pass; others fail with "must be an integer"', () => {
    for (const page of ['1', '25', ' 7 ', 3]) {
      assert.equal(validate({ page }, QUERY).valid, true, JSON.stringify(page))
    }
    for (const page of ['abc', '1.5', 1.5, '1e2', '5abc', 'true']) {
      assert.deepEqual(validate({ page }, QUERY).errors, { page: ['The page field must be an integer.'] }, JSON.stringify(page))
    }
  })

  test('min/max on integers compare numerically with the numeric wording', () => {
    assert.deepEqual(validate({ page: '0' }, QUERY).errors, { page: ['The page field must be at least 1.'] })
    assert.deepEqual(validate({ page: '-3' }, QUERY).errors, { page: ['The page field must be at least 1.'] })
    assert.deepEqual(validate({ per_page: '0' }, QUERY).errors, { per_page: ['The per page field must be at least 1.'] })
    assert.deepEqual(validate({ per_page: '101' }, QUERY).errors,
      { per_page: ['The per page field must not be greater than 100.'] })
    // Numeric, not lexical: "99" < "100" as numbers although "99" > "100" as strings.
    assert.deepEqual(validate({ per_page: '99' }, QUERY), { values: { per_page: '99' }, errors: {}, valid: true })
    assert.equal(validate({ per_page: '100' }, QUERY).valid, true)
    assert.equal(validate({ per_page: '1' }, QUERY).valid, true)
  })

  test('a non-integer gets only the integer message, not min/max as well', () => {
    assert.deepEqual(validate({ per_page: 'abc' }, QUERY).errors, { per_page: ['The per page field must be an integer.'] })
    assert.deepEqual(validate({ page: 'x' }, QUERY).errors, { page: ['The page field must be an integer.'] })
  })

  test('sometimes: an absent field is skipped; present it must satisfy every rule', () => {
    assert.deepEqual(validate({}, PATCH), { values: {}, errors: {}, valid: true })
    assert.deepEqual(validate({ name: 'x' }, PATCH), { values: { name: 'x' }, errors: {}, valid: true })
    assert.deepEqual(validate({ name: null }, PATCH).errors, { name: ['The name field is required.'] })
    assert.deepEqual(validate({ name: '' }, PATCH).errors, { name: ['The name field is required.'] })
    assert.deepEqual(validate({ type: 'ftp' }, PATCH).errors, { type: ['The selected type is invalid.'] })
  })

  test('nullable: null (and "" turned into null) passes and is kept as an explicit null', () => {
    assert.deepEqual(validate({ name: 'n', type: 'api', provider: null, config: null }, CREATE), {
      values: { name: 'n', type: 'api', provider: null, config: null }, errors: {}, valid: true,
    })
    assert.deepEqual(validate({ name: 'n', type: 'api', provider: '' }, CREATE).values,
      { name: 'n', type: 'api', provider: null })
    assert.deepEqual(validate({ page: '', per_page: '  ' }, QUERY), {
      values: { page: null, per_page: null }, errors: {}, valid: true,
    })
  })

  test('null in a present field that is neither nullable nor required fails its type rule', () => {
    assert.deepEqual(validate({ name: 'n', type: 'api', is_active: null }, CREATE).errors,
      { is_active: ['The is active field must be true or false.'] })
  })

  test('null status fails string and in, as Laravel runs every non-implicit rule on a present null', () => {
    // Laravel: validateString(null) fails, then validateIn(null) checks in_array('', [...]) and fails too.
    for (const status of [null, '', '   ']) {
      assert.deepEqual(validate({ name: 'n', type: 'api', status }, CREATE).errors,
        { status: ['The status field must be a string.', 'The selected status is invalid.'] }, JSON.stringify(status))
    }
  })

  test('a field absent and not required is neither an error nor a value', () => {
    assert.deepEqual(validate({ name: 'n', type: 'api' }, CREATE), {
      values: { name: 'n', type: 'api' }, errors: {}, valid: true,
    })
  })

  test('strings are trimmed (TrimStrings) and blank strings become null (ConvertEmptyStringsToNull)', () => {
    const result = validate({ name: '\t Stripe Webhook \n', type: ' webhook ', provider: '   ' }, CREATE)
    assert.deepEqual(result, {
      values: { name: 'Stripe Webhook', type: 'webhook', provider: null }, errors: {}, valid: true,
    })
  })

  test('fields without rules are dropped from values', () => {
    const result = validate({ name: 'n', type: 'api', id: 7, uuid: 'x', user_id: 99, credentials: { a: 1 } }, CREATE)
    assert.deepEqual(result, { values: { name: 'n', type: 'api' }, errors: {}, valid: true })
  })

  test('errors of several fields are collected together', () => {
    const result = validate({ name: 'x'.repeat(300), type: 'ftp', provider: 1, config: 'c', is_active: 'yes', status: 'done' }, CREATE)
    assert.equal(result.valid, false)
    assert.deepEqual(result.errors, {
      name: ['The name field must not be greater than 255 characters.'],
      type: ['The selected type is invalid.'],
      provider: ['The provider field must be a string.'],
      config: ['The config field must be an array.'],
      status: ['The selected status is invalid.'],
      is_active: ['The is active field must be true or false.'],
    })
    assert.deepEqual(result.values, {})
  })

  test('a non-object input (null, list, string, number) is validated as an empty input', () => {
    for (const input of [null, undefined, [], ['webhook'], 'name=x', 42]) {
      assert.deepEqual(validate(input, CREATE).errors, {
        name: ['The name field is required.'],
        type: ['The type field is required.'],
      }, JSON.stringify(input))
    }
  })
})
