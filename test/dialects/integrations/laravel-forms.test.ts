// Form bodies read as PHP reads them (parse_str and multipart/form-data into $_POST).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseMultipart, parseUrlEncoded } from '../../../src/dialects/integrations/laravel-forms.ts'

const form = (text: string) => parseUrlEncoded(Buffer.from(text))

test('bracket names nest; [] appends after the largest integer key; lists only for keys 0…n-1 in order', () => {
  assert.deepEqual(form('a[b][c]=1&a[b][d]=2'), { a: { b: { c: '1', d: '2' } } })
  assert.deepEqual(form('s[]=x&s[]=y'), { s: ['x', 'y'] })
  assert.deepEqual(form('f[]=1&f[5]=2&f[]=3'), { f: { 0: '1', 5: '2', 6: '3' } })
  assert.deepEqual(form('0=a&1=b'), { 0: 'a', 1: 'b' }, 'the fields themselves are always an object')
  assert.deepEqual(form('g=1&g[h]=2'), { g: { h: '2' } }, 'a later array replaces a value, as in PHP')
  assert.deepEqual(form(''), {})
})

test('odd names: unclosed brackets, no base, no value, + and percent-encoding', () => {
  assert.deepEqual(form('a[b=1'), { 'a[b': '1' })
  assert.deepEqual(form('c[d][e=2'), { c: { d: '2' } })
  assert.deepEqual(form('[x]=3&k&&=4'), { k: '' })
  assert.deepEqual(form('n=a+b%2Bc%20%C3%B6'), { n: 'a b+c ö' })
})

test('__proto__ and constructor are plain keys', () => {
  const parsed = form('__proto__[x]=1&constructor[prototype][y]=2&a[__proto__]=3')
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype)
  assert.deepEqual(Object.keys(parsed), ['__proto__', 'constructor', 'a'])
  assert.equal(({} as Record<string, unknown>).x, undefined)
  assert.equal(({} as Record<string, unknown>).y, undefined)
  assert.deepEqual(JSON.parse(JSON.stringify(parsed)), JSON.parse('{"__proto__":{"x":"1"},"constructor":{"prototype":{"y":"2"}},"a":{"__proto__":"3"}}'))
})

test('multipart: preamble, padding, quoted names and boundary, empty values; file parts are skipped', () => {
  const body = Buffer.from([
    'preamble', '--X  ', 'Content-Disposition: form-data; name="a\\"b"', '', 'v1',
    '--X', 'content-disposition: form-data; name="e"', 'Content-Type: text/plain; charset=utf-8', '', '',
    '--X', 'Content-Disposition: form-data; name="c[]"', '', 'line 1\r\nline 2',
    '--X', 'Content-Disposition: form-data; name="f"; filename="x.txt"', '', 'file',
    '--X--', '',
  ].join('\r\n'))
  assert.deepEqual(parseMultipart(body, 'multipart/form-data; boundary="X"'), { 'a"b': 'v1', e: '', c: ['line 1\r\nline 2'] })
})

test('malformed bodies throw HOOKHUB_BAD_REQUEST', () => {
  const bad = (fn: () => unknown) => assert.throws(fn, (err: { code?: string }) => err.code === 'HOOKHUB_BAD_REQUEST')
  bad(() => form('a=%ZZ'))
  bad(() => form('a=%FF'))
  bad(() => parseUrlEncoded(Buffer.from([0x61, 0x3d, 0xc3])))
  bad(() => form(`a${'[b]'.repeat(64)}=1`))
  assert.deepEqual(Object.keys(form(`a${'[b]'.repeat(63)}=1`)), ['a'], '64 levels are allowed')
  bad(() => parseMultipart(Buffer.from('--X\r\n\r\nv\r\n--X--'), 'multipart/form-data'))
  bad(() => parseMultipart(Buffer.from('--X\r\nContent-Disposition: form-data; name="a"\r\n\r\nv'), 'multipart/form-data; boundary=X'))
  bad(() => parseMultipart(Buffer.from('no delimiter at all'), 'multipart/form-data; boundary=X'))
})
