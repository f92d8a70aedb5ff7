import assert from 'node:assert/strict'
import { test } from 'node:test'
import { toHookhubError } from '../../src/http/error-handler.ts'
import { HookhubError, WireError } from '../../src/core/errors.ts'

const codeOf = (err: unknown) => (toHookhubError(err, 1024) as HookhubError | null)?.code

test('database outages become 503 HOOKHUB_DATABASE_UNAVAILABLE, never a 2xx or a 500', () => {
  for (const err of [
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    new Error('Connection terminated unexpectedly'),
    Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
  ]) {
    assert.equal(codeOf(err), 'HOOKHUB_DATABASE_UNAVAILABLE', err.message)
  }
})

test('framework errors map to stable codes; unknown errors to null (answered as 500)', () => {
  assert.equal(codeOf(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })), 'HOOKHUB_BODY_TOO_LARGE')
  assert.equal(codeOf(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 })), 'HOOKHUB_UNSUPPORTED_MEDIA_TYPE')
  assert.equal(codeOf(new SyntaxError('Unexpected token')), 'HOOKHUB_INVALID_JSON')
  assert.equal(codeOf(Object.assign(new Error('bad'), { statusCode: 400 })), 'HOOKHUB_BAD_REQUEST')
  assert.equal(toHookhubError(new Error('boom'), 1024), null)
  const wire = new WireError(400, { message: 'x' })
  assert.equal(toHookhubError(wire, 1024), wire)
})

test('a number out of a PostgreSQL column\'s range (22003) is the client\'s 400, not a 500', () => {
  const mapped = toHookhubError(Object.assign(new Error('value "2147483648" is out of range for type integer'), { code: '22003' }), 1024) as HookhubError
  assert.equal(mapped.code, 'HOOKHUB_BAD_REQUEST')
  assert.equal(mapped.message, 'A number is out of range')
})

test('ajv issues become field lists', () => {
  const err = Object.assign(new Error('invalid'), {
    validation: [
      { instancePath: '', keyword: 'required', params: { missingProperty: 'email' }, message: "must have required property 'email'" },
      { instancePath: '/permissions/0', keyword: 'type', params: {}, message: 'must be string' },
      { instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'admin' }, message: 'x' },
    ],
    validationContext: 'body',
  })
  const mapped = toHookhubError(err, 1024) as HookhubError
  assert.equal(mapped.code, 'HOOKHUB_VALIDATION_FAILED')
  assert.deepEqual(mapped.details, {
    fields: {
      email: ["must have required property 'email'"],
      'permissions.0': ['must be string'],
      admin: ['is not a known field'],
    },
  })
})
