import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import {
  assertIncoplaxError, BASE, createPoint, type Entity, getPoint, listPoints, MASK, query, SEED_CREATE, SEED_SECOND, sleep,
} from './support.ts'

reportSkippedPostgres()

/**
 * Four points, created in this order a few ms apart (distinct ext.ct). Codes and titles are
 * upper-case ASCII or digits, so SQLite and PostgreSQL collate them alike.
 */
async function fourPoints (hub: TestHub) {
  const p1 = await createPoint(hub, SEED_CREATE)
  await sleep(5)
  const p2 = await createPoint(hub, { ...SEED_SECOND, opts: { title: 'Charlie', issync: true } })
  await sleep(5)
  const p3 = await createPoint(hub, { code: 'CHARLIE', type: 'public', token_remote: 'r3', opts: { title: 'Alpha', issync: true, allow_files_api: true } })
  await sleep(5)
  const p4 = await createPoint(hub, { code: 'BETA', type: 'site', opts: { title: 'Bravo', recv_timeout: 1000 } })
  // As every read shows them: p3's token_remote masked.
  return [p1, p2, { ...p3, token_remote: MASK }, p4] as const
}

const pick = (entity: Entity, ...keys: (keyof Entity)[]) => Object.fromEntries(keys.map((k) => [k, entity[k]]))

async function listError (hub: TestHub, params: Record<string, string | number>, status: number, mentions: string[]) {
  const res = await hub.app.inject({ method: 'GET', url: BASE + query(params), headers: hub.admin })
  assertIncoplaxError(res, status, mentions, JSON.stringify(params))
}

// Seed 002 "Получение списка каналов интеграции" table 1 (filter, mask, offset, limit, order, flat)
// and table 2 (mask, flat on one point); issue 6 "The resource".
for (const engine of engines) {
  describe(`[${engine}] Incoplax integration points: list query parameters`, () => {
    test('filter: field equality, dot paths, arrays as any of, ext.ct as a time, several fields together', async (t) => {
      const hub = await startHub(t, engine)
      const [p1, p2, p3, p4] = await fourPoints(hub)
      const cases: [Record<string, unknown>, Entity[]][] = [
        [{}, [p1, p2, p3, p4]],
        [{ code: 'ABCDE' }, [p1]],
        [{ code: '902' }, [p2]],
        [{ id: p4.id }, [p4]],
        [{ type: 'public' }, [p1, p3]],
        [{ 'opts.issync': true }, [p2, p3]],
        [{ 'opts.issync': false }, [p1, p4]],
        [{ 'opts.allow_files_api': true }, [p3]],
        [{ 'opts.title': 'Bravo' }, [p4]],
        [{ 'opts.recv_timeout': 1000 }, [p4]],
        [{ type: ['public', 'telegram'] }, [p1, p2, p3]],
        [{ code: ['BETA', '902', 'NONE'] }, [p2, p4]],
        [{ 'ext.ct': p3.ext.ct }, [p3]],
        [{ 'ext.ct': [p1.ext.ct, p4.ext.ct] }, [p1, p4]],
        [{ 'ext.lwt': p2.ext.lwt }, [p2]],
        [{ token_local: p2.token_local }, [p2]],
        [{ tokenlocal: p3.token_local }, [p3]],
        [{ url: 'http://trapper.com' }, [p1, p2]],
        [{ recv_svcscriptcode: 'ws_hook', send_svcscriptcode: 'send_to_web' }, [p1, p2]],
        [{ type: 'public', 'opts.issync': true }, [p3]],
        [{ type: ['public', 'site'], 'opts.issync': false }, [p1, p4]],
        [{ code: 'ABCDE', type: 'telegram' }, []],
        [{ code: 'NONE' }, []],
        // A nested object means its dotted keys (issue 16 item 6).
        [{ opts: { issync: false } }, [p1, p4]],
        [{ opts: { issync: true, title: 'Alpha' } }, [p3]],
        [{ opts: { issync: [true], allow_files_api: false } }, [p2]],
        [{ type: 'public', opts: { issync: true } }, [p3]],
        [{ ext: { ct: [p1.ext.ct, p4.ext.ct] } }, [p1, p4]],
        [{ opts: {} }, [p1, p2, p3, p4]],
      ]
      for (const [filter, expected] of cases) {
        assert.deepEqual(await listPoints(hub, { filter: JSON.stringify(filter) }), expected, JSON.stringify(filter))
      }
    })

    test('filter errors: malformed JSON, not an object, unknown field, wrong value type, secret field → 400 naming them', async (t) => {
      const hub = await startHub(t, engine)
      await fourPoints(hub)
      const cases: [string, string[]][] = [
        ['{', ['filter']],
        ['{"code":}', ['filter']],
        ['["code"]', ['filter']],
        ['"ABCDE"', ['filter']],
        ['{"colour":"red"}', ['filter', 'colour']],
        ['{"opts.colour":"red"}', ['filter', 'opts.colour']],
        ['{"opts.issync":"yes"}', ['filter', 'opts.issync']],
        ['{"code":902}', ['filter', 'code']],
        ['{"type":["public",5]}', ['filter', 'type']],
        ['{"ext.ct":"yesterday"}', ['filter', 'ext.ct']],
        ['{"token_remote":"r3"}', ['filter', 'token_remote']],
        ['{"tokenremote2":""}', ['filter', 'token_remote2']],
        ['{"opts":{"colour":"red"}}', ['filter', 'opts.colour']],
        ['{"opts":{"issync":"yes"}}', ['filter', 'opts.issync']],
        ['{"opts":null}', ['filter', 'opts']],
        ['{"opts":["title"]}', ['filter', 'opts']],
        ['{"code":{"eq":"ABCDE"}}', ['filter', 'code']],
        ['{"ext":{"ct":{"gt":"2019-01-01T00:00:00Z"}}}', ['filter', 'ext.ct']],
        ['{"opts":{"__proto__":{"issync":true}}}', ['filter', '__proto__']],
      ]
      for (const [filter, mentions] of cases) await listError(hub, { filter }, 400, mentions)
    })

    test('mask: names, dot paths, whole groups, the seed\'s token spellings (canonical keys); on lists and on one point', async (t) => {
      const hub = await startHub(t, engine)
      const [p1, p2, p3, p4] = await fourPoints(hub)
      const all = [p1, p2, p3, p4]
      assert.deepEqual(await listPoints(hub, { mask: 'id,code' }), all.map((p) => pick(p, 'id', 'code')))
      assert.deepEqual(await listPoints(hub, { mask: 'code,opts.title' }), all.map((p) => ({ code: p.code, opts: { title: p.opts.title } })))
      assert.deepEqual(await listPoints(hub, { mask: 'opts' }), all.map((p) => ({ opts: p.opts })))
      assert.deepEqual(await listPoints(hub, { mask: 'id,ext' }), all.map((p) => ({ id: p.id, ext: p.ext })))
      assert.deepEqual(await listPoints(hub, { mask: 'ext.ct,opts.issync,code' }), all.map((p) => ({ code: p.code, opts: { issync: p.opts.issync }, ext: { ct: p.ext.ct } })))
      for (const mask of ['tokenlocal,tokenremote,tokenremote2', 'token_local,token_remote,token_remote2', 'tokenlocal,token_remote,tokenremote2']) {
        assert.deepEqual(await listPoints(hub, { mask }), all.map((p) => pick(p, 'token_local', 'token_remote', 'token_remote2')), mask)
      }
      // The seed's list of fields available for output, as printed (with spaces).
      const seedList = 'id, code, type, tokenlocal, tokenremote, tokenremote2, recv_svcscriptcode, recv_svcscriptcode_ws, send_svcscriptcode, send_svcscriptcode_ws, opts.title, opts.allow_files_api, opts.issync, ext.lwt, ext.ct'
      assert.deepEqual(await listPoints(hub, { mask: seedList }), all.map((p) => ({
        ...pick(p, 'id', 'code', 'type', 'token_local', 'token_remote', 'token_remote2', 'recv_svcscriptcode', 'recv_svcscriptcode_ws', 'send_svcscriptcode', 'send_svcscriptcode_ws'),
        opts: { title: p.opts.title, allow_files_api: p.opts.allow_files_api, issync: p.opts.issync },
        ext: p.ext,
      })))

      const one = await hub.app.inject({ method: 'GET', url: `${BASE}/${p3.id}${query({ mask: 'code,tokenremote,opts.title,ext.ct' })}`, headers: hub.admin })
      assert.equal(one.statusCode, 200, one.body)
      assert.deepEqual(one.json(), { code: 'CHARLIE', token_remote: MASK, opts: { title: 'Alpha' }, ext: { ct: p3.ext.ct } })

      for (const mask of ['id,colour', 'opts.colour', 'ext.created']) {
        await listError(hub, { mask }, 400, ['mask', mask.split(',').at(-1)!])
        const res = await hub.app.inject({ method: 'GET', url: `${BASE}/${p1.id}${query({ mask })}`, headers: hub.admin })
        assertIncoplaxError(res, 400, ['mask'], `GET one with mask ${mask}`)
      }
    })

    test('offset and limit page through the list in creation order; bad values answer 400 naming the parameter', async (t) => {
      const hub = await startHub(t, engine)
      const [p1, p2, p3, p4] = await fourPoints(hub)
      assert.deepEqual(await listPoints(hub, { offset: 0, limit: 2 }), [p1, p2])
      assert.deepEqual(await listPoints(hub, { offset: 2, limit: 2 }), [p3, p4])
      assert.deepEqual(await listPoints(hub, { offset: 1, limit: 2 }), [p2, p3])
      assert.deepEqual(await listPoints(hub, { offset: 3 }), [p4])
      assert.deepEqual(await listPoints(hub, { offset: 4 }), [])
      assert.deepEqual(await listPoints(hub, { offset: 100, limit: 5 }), [])
      assert.deepEqual(await listPoints(hub, { limit: 3 }), [p1, p2, p3])
      assert.deepEqual(await listPoints(hub, { limit: 1000 }), [p1, p2, p3, p4])
      await listError(hub, { limit: 1001 }, 400, ['limit'])
      await listError(hub, { limit: -1 }, 400, ['limit'])
      await listError(hub, { limit: 'all' }, 400, ['limit'])
      await listError(hub, { limit: '2.5' }, 400, ['limit'])
      await listError(hub, { offset: -1 }, 400, ['offset'])
      await listError(hub, { offset: '1.5' }, 400, ['offset'])
      await listError(hub, { offset: 'first' }, 400, ['offset'])
    })

    test('without limit every matching point comes back, read in pages past the first hundred (GET ?offset=… without limit)', async (t) => {
      const hub = await startHub(t, engine)
      const created: Entity[] = []
      for (let i = 0; i < 205; i++) {
        created.push(await createPoint(hub, { code: `P${String(i).padStart(3, '0')}`, type: i % 2 === 0 ? 'public' : 'telegram', opts: { title: `T${i % 3}` } }))
      }
      // Creation order is the creation time, then the id: points made in the same millisecond
      // follow their ids.
      created.sort((a, b) => (a.ext.ct === b.ext.ct ? (a.id < b.id ? -1 : 1) : a.ext.ct < b.ext.ct ? -1 : 1))
      const res = await hub.app.inject({ method: 'GET', url: BASE, headers: hub.admin })
      assert.equal(res.statusCode, 200, res.body)
      assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/i)
      assert.deepEqual(res.json(), created)
      const codes = (list: Entity[]) => list.map((p) => ({ code: p.code }))
      assert.deepEqual(await listPoints(hub, { order: '[{"code":"desc"}]', mask: 'code' }), codes([...created].sort((a, b) => (a.code < b.code ? 1 : -1))))
      assert.deepEqual(await listPoints(hub, { mask: 'code', offset: 98 }), codes(created.slice(98)))
      assert.deepEqual(await listPoints(hub, { filter: '{"type":"telegram"}', mask: 'code' }), codes(created.filter((p) => p.type === 'telegram')))
      // Ties on the first key continue in creation order across pages.
      const byTitle = [0, 1, 2].flatMap((n) => created.filter((p) => p.opts.title === `T${n}`))
      assert.deepEqual(await listPoints(hub, { order: '["opts.title"]', mask: 'code', offset: 3 }), codes(byTitle.slice(3)))
      assert.deepEqual(await listPoints(hub, { order: '[{"opts.title":"desc"}]', mask: 'code' }), codes([2, 1, 0].flatMap((n) => created.filter((p) => p.opts.title === `T${n}`))))
      assert.deepEqual(await listPoints(hub, { flat: 'true', mask: 'code,opts.title', limit: 2, offset: 150 }),
        created.slice(150, 152).map((p) => ({ code: p.code, 'opts.title': p.opts.title })))
      assert.equal((await listPoints(hub, { limit: 1000 })).length, 205)
      assert.deepEqual(await listPoints(hub, { filter: '{"code":"none"}' }), [])
      await listError(hub, { limit: 1001 }, 400, ['limit'])
    })

    test('order: names ascending, {"field":"desc"}, several fields, nested fields (opts.title, ext.ct)', async (t) => {
      const hub = await startHub(t, engine)
      const [p1, p2, p3, p4] = await fourPoints(hub)
      const cases: [unknown, Entity[]][] = [
        [['code'], [p2, p1, p4, p3]],
        [[{ code: 'asc' }], [p2, p1, p4, p3]],
        [[{ code: 'desc' }], [p3, p4, p1, p2]],
        [['type', { code: 'desc' }], [p3, p1, p4, p2]],
        [[{ type: 'desc' }, 'code'], [p2, p4, p1, p3]],
        [['opts.title'], [p1, p3, p4, p2]],
        [[{ 'opts.title': 'desc' }], [p2, p4, p3, p1]],
        [['ext.ct'], [p1, p2, p3, p4]],
        [[{ 'ext.ct': 'desc' }], [p4, p3, p2, p1]],
        [[{ 'opts.issync': 'desc' }, { 'ext.ct': 'desc' }], [p3, p2, p4, p1]],
        [[{ 'opts.recv_timeout': 'asc' }, { code: 'asc' }], [p4, p2, p1, p3]],
        [['tokenlocal'], [p1, p2, p3, p4].sort((a, b) => (a.token_local < b.token_local ? -1 : 1))],
        // Issue 16 item 5: direction in any case, several keys in one object (in key order), "-name".
        [[{ code: 'DESC' }], [p3, p4, p1, p2]],
        [[{ code: 'Asc' }], [p2, p1, p4, p3]],
        [[{ code: 'desc', type: 'asc' }], [p3, p4, p1, p2]],
        [[{ type: 'asc', code: 'desc' }], [p3, p1, p4, p2]],
        [[{ type: 'desc', code: 'asc' }], [p2, p4, p1, p3]],
        [['-code'], [p3, p4, p1, p2]],
        [['type', '-code'], [p3, p1, p4, p2]],
        [['-opts.issync', { 'ext.ct': 'DESC' }], [p3, p2, p4, p1]],
        [{ type: 'asc', code: 'desc' }, [p3, p1, p4, p2]],
        ['-code', [p3, p4, p1, p2]],
      ]
      for (const [order, expected] of cases) {
        assert.deepEqual((await listPoints(hub, { order: JSON.stringify(order), mask: 'code' })), expected.map((p) => ({ code: p.code })), JSON.stringify(order))
      }
      // Plain text: a name, "-name", or a comma list of them.
      const textCases: [string, Entity[]][] = [
        ['code', [p2, p1, p4, p3]],
        ['-code', [p3, p4, p1, p2]],
        ['code,-type', [p2, p1, p4, p3]],
        ['type,-code', [p3, p1, p4, p2]],
        ['type, -code', [p3, p1, p4, p2]],
        ['-opts.issync,-ext.ct', [p3, p2, p4, p1]],
      ]
      for (const [order, expected] of textCases) {
        assert.deepEqual((await listPoints(hub, { order, mask: 'code' })), expected.map((p) => ({ code: p.code })), order)
      }
      await listError(hub, { order: '[' }, 400, ['order'])
      await listError(hub, { order: '["colour"]' }, 400, ['order', 'colour'])
      await listError(hub, { order: '[{"opts.colour":"desc"}]' }, 400, ['order', 'opts.colour'])
      await listError(hub, { order: '[{"code":"up"}]' }, 400, ['order'])
      await listError(hub, { order: '[5]' }, 400, ['order'])
      await listError(hub, { order: '[{"code":"desc","colour":"asc"}]' }, 400, ['order', 'colour'])
      await listError(hub, { order: '[{"code":"descending"}]' }, 400, ['order'])
      await listError(hub, { order: '[{}]' }, 400, ['order'])
      await listError(hub, { order: '-colour' }, 400, ['order', 'colour'])
      await listError(hub, { order: 'code,colour' }, 400, ['order', 'colour'])
      await listError(hub, { order: '["--code"]' }, 400, ['order', '-code'])
      await listError(hub, { order: '-token_remote' }, 400, ['order', 'token_remote'])
    })

    test('flat: nested fields become dotted keys ("opts.title", "ext.ct"), with and without mask, on lists and one point', async (t) => {
      const hub = await startHub(t, engine)
      const [p1, p2, p3, p4] = await fourPoints(hub)
      const flat = (p: Entity) => ({
        ...pick(p, 'id', 'code', 'type', 'token_local', 'token_remote', 'token_remote2', 'url', 'recv_svcscriptcode', 'recv_svcscriptcode_ws', 'send_svcscriptcode', 'send_svcscriptcode_ws'),
        'opts.title': p.opts.title,
        'opts.comment': p.opts.comment,
        'opts.allow_files_api': p.opts.allow_files_api,
        'opts.issync': p.opts.issync,
        'opts.recv_timeout': p.opts.recv_timeout,
        'ext.ct': p.ext.ct,
        'ext.lwt': p.ext.lwt,
      })
      const listed = await listPoints(hub, { flat: 'true' })
      assert.deepEqual(listed, [p1, p2, p3, p4].map(flat))
      assert.deepEqual(Object.keys(listed[0]), Object.keys(flat(p1)), 'the entity\'s order')
      assert.deepEqual(await listPoints(hub, { flat: 'false' }), [p1, p2, p3, p4])
      assert.deepEqual(await listPoints(hub, { flat: 'true', mask: 'id,opts.title,ext.ct' }),
        [p1, p2, p3, p4].map((p) => ({ id: p.id, 'opts.title': p.opts.title, 'ext.ct': p.ext.ct })))
      assert.deepEqual(await listPoints(hub, { flat: 'true', mask: 'code,opts' }),
        [p1, p2, p3, p4].map((p) => ({ code: p.code, 'opts.title': p.opts.title, 'opts.comment': p.opts.comment, 'opts.allow_files_api': p.opts.allow_files_api, 'opts.issync': p.opts.issync, 'opts.recv_timeout': p.opts.recv_timeout })))

      const one = await hub.app.inject({ method: 'GET', url: `${BASE}/${p4.id}?flat=true`, headers: hub.admin })
      assert.equal(one.statusCode, 200, one.body)
      assert.deepEqual(one.json(), flat(p4))
      const masked = await hub.app.inject({ method: 'GET', url: `${BASE}/${p4.id}${query({ flat: 'true', mask: 'tokenlocal,ext' })}`, headers: hub.admin })
      assert.deepEqual(masked.json(), { token_local: p4.token_local, 'ext.ct': p4.ext.ct, 'ext.lwt': p4.ext.lwt })
      assert.deepEqual(await getPoint(hub, p4.id), p4, 'without flat: nested')
    })

    test('every parameter combined', async (t) => {
      const hub = await startHub(t, engine)
      const [p1, p2, p3, p4] = await fourPoints(hub)
      // public or telegram: p1 (""), p2 ("Charlie"), p3 ("Alpha"); by title desc: p2, p3, p1.
      const params = { filter: '{"type":["public","telegram"]}', order: '[{"opts.title":"desc"}]', mask: 'code,opts.title,tokenremote' }
      assert.deepEqual(await listPoints(hub, params), [
        { code: '902', token_remote: '', opts: { title: 'Charlie' } },
        { code: 'CHARLIE', token_remote: MASK, opts: { title: 'Alpha' } },
        { code: 'ABCDE', token_remote: '', opts: { title: '' } },
      ])
      assert.deepEqual(await listPoints(hub, { ...params, offset: 1, limit: 1, flat: 'true' }), [
        { code: 'CHARLIE', token_remote: MASK, 'opts.title': 'Alpha' },
      ])
      assert.deepEqual(await listPoints(hub, { filter: '{"opts.issync":false}', order: '[{"ext.ct":"desc"}]', offset: 0, limit: 1 }), [p4])
      assert.deepEqual(await listPoints(hub, { filter: '{"opts.issync":true}', order: '["ext.ct"]', offset: 1, limit: 5, mask: 'id', flat: 'true' }), [{ id: p3.id }])
      assert.deepEqual(await listPoints(hub, { filter: JSON.stringify({ 'ext.ct': [p1.ext.ct, p2.ext.ct, p4.ext.ct] }), order: '[{"code":"desc"}]', mask: 'ext.ct', flat: 'true' }),
        [p4, p1, p2].map((p) => ({ 'ext.ct': p.ext.ct })))
      // One bad parameter among good ones is still refused, naming it.
      await listError(hub, { ...params, limit: 5000 }, 400, ['limit'])
      await listError(hub, { ...params, mask: 'code,colour' }, 400, ['mask', 'colour'])
    })
  })
}
