import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import Fastify from 'fastify'
import { jsonArray } from '../../src/http/json-array.ts'

async function * pagesOf (...pages: unknown[][]) {
  for (const page of pages) yield page
}

async function text (pages: AsyncIterable<unknown[]>) {
  let out = ''
  for await (const chunk of jsonArray(pages)) out += chunk
  return out
}

test('jsonArray writes the pages as one JSON array, empty pages and no pages included', async () => {
  assert.equal(await text(pagesOf()), '[]')
  assert.equal(await text(pagesOf([])), '[]')
  assert.equal(await text(pagesOf([{ a: 1 }, 'x'], [], [null, [2]])), '[{"a":1},"x",null,[2]]')
  assert.deepEqual(JSON.parse(await text(pagesOf([1], [2, 3]))), [1, 2, 3])
})

test('a failure reading the first page still answers through the error handler, not as a cut 200', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  app.setErrorHandler((err: Error, _request, reply) => reply.code(503).send({ failed: err.message }))
  app.get('/list', async (_request, reply) => {
    async function * failing (): AsyncGenerator<unknown[]> { throw new Error('database unavailable') }
    return reply.type('application/json; charset=utf-8').send(Readable.from(jsonArray(failing())))
  })
  const res = await app.inject({ method: 'GET', url: '/list' })
  assert.equal(res.statusCode, 503)
  assert.deepEqual(res.json(), { failed: 'database unavailable' })
})
