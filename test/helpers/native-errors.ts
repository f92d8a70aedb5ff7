import assert from 'node:assert/strict'

type Res = { statusCode: number; json: () => unknown; body: string }

/** Asserts a native error: the status, the stable code, a message and a details object. */
export function assertError (res: Res, status: number, code: string) {
  assert.equal(res.statusCode, status, res.body)
  const body = res.json() as { error: { code: string; message: string; details: Record<string, unknown> } }
  assert.equal(body.error.code, code, res.body)
  assert.equal(typeof body.error.message, 'string')
  assert.equal(typeof body.error.details, 'object')
  return body.error
}

/**
 * Asserts a 422 whose details name `field` with at least one problem; with `nested`, a
 * sub-field ("headers.Bad Header") names its parent field too.
 */
export function assertFieldNamed (res: Res, field: string, label: string, { nested = false } = {}) {
  const error = assertError(res, 422, 'HOOKHUB_VALIDATION_FAILED')
  const fields = (error.details as { fields?: Record<string, string[]> }).fields ?? {}
  const named = Object.keys(fields).filter((key) => key === field || (nested && key.startsWith(`${field}.`)))
  assert.ok(named.length > 0 && named.every((key) => fields[key].length > 0), `${label} names ${field}: ${res.body}`)
}
