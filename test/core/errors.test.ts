import assert from 'node:assert/strict'
import fs from 'node:fs'
import { test } from 'node:test'
import { codes, HookhubError, retiredCodes } from '../../src/core/errors.ts'

const readmeRows = () => {
  const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  return new Map([...readme.matchAll(/^\| `(HOOKHUB_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]))
}

test('every error code has a status, a message and a row in the README table, and the table names no unknown code', () => {
  const rows = readmeRows()
  for (const [code, entry] of Object.entries(codes)) {
    assert.match(code, /^HOOKHUB_[A-Z_]+$/)
    assert.ok(entry.status >= 400 && entry.status < 600, code)
    assert.ok(entry.message.length > 0, code)
    assert.equal(rows.get(code), entry.status, `README documents ${code} with status ${entry.status}`)
  }
  for (const code of rows.keys()) assert.ok(code in codes, `README names ${code}, which does not exist`)
  for (const code of retiredCodes) assert.ok(!(code in codes), `${code} is retired and must not be reused`)
})

test('HookhubError fills its message template and carries status and details', () => {
  const err = new HookhubError('HOOKHUB_NOT_FOUND', ['Integration'], { id: 3 })
  assert.equal(err.message, 'Integration not found')
  assert.equal(err.statusCode, 404)
  assert.equal(err.code, 'HOOKHUB_NOT_FOUND')
  assert.deepEqual(err.details, { id: 3 })
  assert.equal(new HookhubError('HOOKHUB_METHOD_NOT_ALLOWED', ['GET', '/x']).message, 'Method GET is not allowed on /x')
})
