import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub } from '../../helpers/hub.ts'
import {
  assertIncoplaxError, BASE, createPoint, injectVerb, lookup, lookupByOverride, patchPoint, SEED_CONTENT_TYPE, SEED_CREATE, SEED_ENTITY,
  SEED_LOOKUP_BODY, SEED_SECOND, sleep,
} from './support.ts'

reportSkippedPostgres()

/** The seed's "Пример неуспешного ответа", whole. */
const LOOKUP_FAILED = { error_code: 1404, error_message: 'Lookup failed' }

// LOOKUP goes through routing here (inject); the real-socket layer is tested with the server.
// Seed 002 "Поиск идентификатора канала интеграции": keys id, code, tokenlocal; issue 6.
for (const engine of engines) {
  const ways = [['LOOKUP', lookup], ['POST + X-HTTP-Method-Override: LOOKUP', lookupByOverride]] as const
  for (const [way, send] of ways) {
    describe(`[${engine}] Incoplax LOOKUP (${way})`, () => {
      test('by token_local (the seed\'s example), by id and by code: 200 with the id in an array', async (t) => {
        const hub = await startHub(t, engine)
        const p = await createPoint(hub, SEED_CREATE)
        const other = await createPoint(hub, SEED_SECOND)
        for (const key of [p.token_local, SEED_ENTITY.id, 'ABCDE']) {
          const res = await send(hub, JSON.stringify(key))
          assert.equal(res.statusCode, 200, `${key}: ${res.body}`)
          assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/i)
          assert.deepEqual(res.json(), ['b4680fbe-016c-d86f-1d6b-50e54938780c'], key)
        }
        for (const key of [other.token_local, other.id, '902']) {
          const res = await send(hub, JSON.stringify(key))
          assert.equal(res.statusCode, 200, `${key}: ${res.body}`)
          assert.deepEqual(res.json(), ['a188288e-016c-d86f-cd99-50e54938780c'], key)
        }
        // The JSON text may be spaced as any JSON.
        const spaced = await send(hub, ` \n"${p.token_local}"\n`)
        assert.equal(spaced.statusCode, 200, spaced.body)
        assert.deepEqual(spaced.json(), [p.id])
      })

      test('no match answers 404 with exactly the seed\'s body', async (t) => {
        const hub = await startHub(t, engine)
        const p = await createPoint(hub, SEED_CREATE)
        // The seed's own body: its token_local is not this point's (none was given: one is generated).
        assert.notEqual(p.token_local, '82ddc7c68623726346a78371173e2f8d')
        const keys = [
          SEED_LOOKUP_BODY, '"a188288e-016c-d86f-cd99-50e54938780c"', '"ABCD"', '"abcde"', '"ABCDE "',
          `"${p.token_local.toUpperCase()}"`, `"${p.token_local.slice(0, 31)}"`, '"public"', '"http://trapper.com"', '"ws_hook"', '"%"', '"*"',
        ]
        for (const body of keys) {
          const res = await send(hub, body)
          assert.equal(res.statusCode, 404, `${body}: ${res.body}`)
          assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/i)
          assert.deepEqual(res.json(), LOOKUP_FAILED, body)
        }
      })

      test('a key matching several points returns every id, oldest first', async (t) => {
        const hub = await startHub(t, engine)
        const byCode = await createPoint(hub, { code: 'K-1', type: 'public' })
        await sleep(5)
        const byId = await createPoint(hub, { id: 'K-1', code: 'other', type: 'public' })
        await sleep(5)
        await createPoint(hub, { code: 'unrelated', type: 'public' })
        const res = await send(hub, '"K-1"')
        assert.equal(res.statusCode, 200, res.body)
        assert.deepEqual(res.json(), [byCode.id, byId.id])
        assert.equal(byId.id, 'K-1')
      })

      test('a body that is not a JSON string answers 400 in the dialect\'s shape', async (t) => {
        const hub = await startHub(t, engine)
        await createPoint(hub, SEED_CREATE)
        for (const body of ['123', '{"id":"b4680fbe-016c-d86f-1d6b-50e54938780c"}', '["ABCDE"]', 'null', 'true', '""']) {
          assertIncoplaxError(await send(hub, body), 400, [], body)
        }
        assertIncoplaxError(await send(hub, '"ABCDE'), 400, [], 'malformed JSON')
        assertIncoplaxError(await send(hub, undefined), 400, [], 'no body')
      })

      test('a non-JSON content type answers 415', async (t) => {
        const hub = await startHub(t, engine)
        await createPoint(hub, SEED_CREATE)
        const headers = { ...hub.admin, 'content-type': 'text/plain' }
        const res = way === 'LOOKUP'
          ? await injectVerb(hub, { method: 'LOOKUP', url: BASE, headers, payload: 'ABCDE' })
          : await hub.app.inject({ method: 'POST', url: BASE, headers: { ...headers, 'x-http-method-override': 'LOOKUP' }, payload: 'ABCDE' })
        assertIncoplaxError(res, 415)
      })

      test('follows changes: a new code is found, the old one not; a deleted point is not found', async (t) => {
        const hub = await startHub(t, engine)
        const p = await createPoint(hub, SEED_CREATE)
        assert.equal((await patchPoint(hub, p.id, { code: 'FGHIJ' })).statusCode, 200)
        assert.deepEqual((await send(hub, '"FGHIJ"')).json(), [p.id])
        assert.deepEqual((await send(hub, '"ABCDE"')).json(), LOOKUP_FAILED)
        assert.equal((await hub.app.inject({ method: 'DELETE', url: `${BASE}/${p.id}`, headers: hub.admin })).statusCode, 204)
        for (const key of [p.id, 'FGHIJ', p.token_local]) {
          const res = await send(hub, JSON.stringify(key))
          assert.equal(res.statusCode, 404, key)
          assert.deepEqual(res.json(), LOOKUP_FAILED)
        }
      })
    })
  }

  describe(`[${engine}] Incoplax LOOKUP: methods around it`, () => {
    test('the override header works in either case and only on POST', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, SEED_CREATE)
      const res = await hub.app.inject({
        method: 'POST', url: BASE, headers: { ...hub.admin, 'content-type': SEED_CONTENT_TYPE, 'x-http-method-override': 'lookup' }, payload: '"ABCDE"',
      })
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json(), [p.id])
      // On GET the header means nothing: the list answers.
      const get = await hub.app.inject({ method: 'GET', url: BASE, headers: { ...hub.admin, 'x-http-method-override': 'LOOKUP' } })
      assert.equal(get.statusCode, 200, get.body)
      assert.deepEqual(get.json(), [p])
    })

    test('a SEARCH request (the verb LOOKUP travels as inside) is refused with 405, even with a matching key', async (t) => {
      const hub = await startHub(t, engine)
      await createPoint(hub, SEED_CREATE)
      const res = await injectVerb(hub, { method: 'SEARCH', url: BASE, headers: { ...hub.admin, 'content-type': SEED_CONTENT_TYPE }, payload: '"ABCDE"' })
      assertIncoplaxError(res, 405)
      const allow = String(res.headers.allow).split(/,\s*/)
      assert.ok(allow.includes('LOOKUP'), `Allow: ${res.headers.allow}`)
      assert.ok(!allow.includes('SEARCH'), `Allow: ${res.headers.allow}`)
      assert.ok(!res.body.includes('b4680fbe'), 'no id leaks')
    })

    test('LOOKUP on one point\'s path answers 405 naming LOOKUP, the method the client sent', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, SEED_CREATE)
      const res = await injectVerb(hub, { method: 'LOOKUP', url: `${BASE}/${p.id}`, headers: { ...hub.admin, 'content-type': SEED_CONTENT_TYPE }, payload: '"ABCDE"' })
      assertIncoplaxError(res, 405, ['LOOKUP'])
      assert.ok(!res.body.includes('SEARCH'), `the carrier verb is not shown to clients: ${res.body}`)
      const allow = String(res.headers.allow).split(/,\s*/)
      assert.ok(allow.includes('GET') && allow.includes('PATCH') && allow.includes('DELETE') && !allow.includes('LOOKUP'), `Allow: ${res.headers.allow}`)
    })
  })
}
