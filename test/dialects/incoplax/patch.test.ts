import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub } from '../../helpers/hub.ts'
import {
  assertIncoplaxError, BASE, createPoint, getPoint, listPoints, patchPoint, SEED_CONTENT_TYPE, SEED_CREATE, SEED_ENTITY, sleep, type Entity,
} from './support.ts'

reportSkippedPostgres()

// Seed 002 "Поля запрещенные для изменения: id, tokenlocal"; issue 6: PATCH is partial, `id` and
// `token_local` may not be changed (400 naming the field), `code` is required and unique (409).
for (const engine of engines) {
  describe(`[${engine}] Incoplax integration points: PATCH and POST guards`, () => {
    test('changing id or token_local answers 400 naming the field and changes nothing', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, SEED_CREATE)
      const cases: [Record<string, unknown>, string][] = [
        [{ id: 'a188288e-016c-d86f-cd99-50e54938780c' }, 'id'],
        [{ id: 'a188288e-016c-d86f-cd99-50e54938780c', opts: { title: 'x' } }, 'id'],
        [{ token_local: '82ddc7c68623726346a78371173e2f8d' }, 'token_local'],
        [{ token_local: '82ddc7c68623726346a78371173e2f8d', code: 'NEW' }, 'token_local'],
        // The seed spells the forbidden field "tokenlocal".
        [{ tokenlocal: '82ddc7c68623726346a78371173e2f8d' }, 'tokenlocal'],
      ]
      for (const [body, field] of cases) {
        assertIncoplaxError(await patchPoint(hub, p.id, body), 400, [field], JSON.stringify(body))
      }
      assert.deepEqual(await getPoint(hub, p.id), p, 'nothing changed')
      assertIncoplaxError(await hub.app.inject({ method: 'GET', url: `${BASE}/a188288e-016c-d86f-cd99-50e54938780c`, headers: hub.admin }), 404)
    })

    test('sending the same id and token_local back is accepted', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, SEED_CREATE)
      await sleep(5)
      const res = await patchPoint(hub, p.id, { id: p.id, token_local: p.token_local, opts: { title: 'Сайт' } })
      assert.equal(res.statusCode, 200, res.body)
      const patched = res.json() as Entity
      assert.deepEqual(patched, { ...p, opts: { ...p.opts, title: 'Сайт' }, ext: { ct: p.ext.ct, lwt: patched.ext.lwt } })
      assert.deepEqual(await getPoint(hub, p.id), patched)
    })

    test('the entity read and sent back whole (ext included) is accepted; ext is the hub\'s own', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, { ...SEED_CREATE, token_remote: 'r1' })
      const read = await getPoint(hub, p.id)
      await sleep(5)
      const res = await patchPoint(hub, p.id, { ...read, code: 'ABCDE-2', ext: { ct: '2019-08-28T13:34:16.42Z', lwt: '2019-08-28T13:34:16.42Z' } })
      assert.equal(res.statusCode, 200, res.body)
      const patched = res.json() as Entity
      assert.equal(patched.code, 'ABCDE-2')
      assert.equal(patched.ext.ct, p.ext.ct, 'ext.ct cannot be set')
      assert.ok(Date.parse(patched.ext.lwt) > Date.parse(p.ext.lwt), 'ext.lwt is the time of the change, not the one sent')
    })

    test('PATCH is partial: only the fields sent change, nested opts included', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, {
        code: 'tg', type: 'telegram', url: 'https://bot.example.com/in', recv_svcscriptcode: 'ws_hook',
        opts: { title: 'Bot', comment: 'c', allow_files_api: true, issync: false, recv_timeout: 2000 },
      })
      const steps: [Record<string, unknown>, (e: Entity) => Entity][] = [
        [{ opts: { title: 'Bot 2' } }, (e) => ({ ...e, opts: { ...e.opts, title: 'Bot 2' } })],
        [{ opts: { allow_files_api: false, recv_timeout: 750 } }, (e) => ({ ...e, opts: { ...e.opts, allow_files_api: false, recv_timeout: 750 } })],
        [{ send_svcscriptcode: 'send_to_web', recv_svcscriptcode_ws: 'ws2' }, (e) => ({ ...e, send_svcscriptcode: 'send_to_web', recv_svcscriptcode_ws: 'ws2' })],
        [{ type: 'public', url: 'http://trapper.com' }, (e) => ({ ...e, type: 'public', url: 'http://trapper.com' })],
        [{ opts: {} }, (e) => e],
        [{}, (e) => e],
      ]
      let current = p
      for (const [body, change] of steps) {
        const res = await patchPoint(hub, p.id, body)
        assert.equal(res.statusCode, 200, `${JSON.stringify(body)}: ${res.body}`)
        const patched = res.json() as Entity
        assert.deepEqual(patched, { ...change(current), ext: patched.ext }, JSON.stringify(body))
        assert.equal(patched.ext.ct, p.ext.ct)
        current = patched
      }
      assert.deepEqual(await getPoint(hub, p.id), current)
    })

    test('unknown fields and wrong types answer 400 naming the field; nothing changes', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, SEED_CREATE)
      const cases: [unknown, string[]][] = [
        [{ colour: 'red' }, ['colour']],
        [{ opts: { title: 'x', colour: 'red' } }, ['opts.colour']],
        [{ code: 5 }, ['code']],
        [{ type: true }, ['type']],
        [{ url: 5 }, ['url']],
        [{ url: 'ftp://files.example.com/in' }, ['url']],
        [{ url: 'trapper.com' }, ['url']],
        [{ token_remote: 123 }, ['token_remote']],
        [{ token_remote2: null }, ['token_remote2']],
        [{ recv_svcscriptcode: ['a'] }, ['recv_svcscriptcode']],
        [{ send_svcscriptcode_ws: {} }, ['send_svcscriptcode_ws']],
        [{ opts: 'x' }, ['opts']],
        [{ opts: [] }, ['opts']],
        [{ opts: { issync: 'yes' } }, ['opts.issync']],
        [{ opts: { allow_files_api: 1 } }, ['opts.allow_files_api']],
        [{ opts: { title: 7 } }, ['opts.title']],
        [{ opts: { comment: false } }, ['opts.comment']],
        [{ opts: { recv_timeout: '5000' } }, ['opts.recv_timeout']],
        [{ opts: { recv_timeout: 1.5 } }, ['opts.recv_timeout']],
        [{ code: 5, opts: { issync: 'yes' } }, ['code', 'opts.issync']],
        [[{ code: 'x' }], []],
        ['ABCDE', []],
        [null, []],
      ]
      for (const [body, fields] of cases) {
        assertIncoplaxError(await patchPoint(hub, p.id, body), 400, fields, JSON.stringify(body))
      }
      assert.deepEqual(await getPoint(hub, p.id), p, 'nothing changed')
    })

    test('code and type are required: PATCH to "" answers 400 naming the field', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, SEED_CREATE)
      assertIncoplaxError(await patchPoint(hub, p.id, { code: '' }), 400, ['code'], 'code ""')
      assertIncoplaxError(await patchPoint(hub, p.id, { type: '' }), 400, ['type'], 'type ""')
      assert.deepEqual(await getPoint(hub, p.id), p, 'nothing changed')
    })

    test('a duplicate code answers 409 on POST and on PATCH; a point may keep its own code', async (t) => {
      const hub = await startHub(t, engine)
      const a = await createPoint(hub, SEED_CREATE)
      const b = await createPoint(hub, { code: '902', type: 'telegram' })
      const dupPost = await hub.app.inject({
        method: 'POST', url: BASE, headers: { ...hub.admin, 'content-type': SEED_CONTENT_TYPE },
        payload: JSON.stringify({ code: 'ABCDE', type: 'telegram', url: 'https://other.example.com/x' }),
      })
      assertIncoplaxError(dupPost, 409, [], 'POST with a taken code')
      assertIncoplaxError(await patchPoint(hub, b.id, { code: 'ABCDE' }), 409, [], 'PATCH to a taken code')
      assertIncoplaxError(await patchPoint(hub, b.id, { code: 'ABCDE', opts: { title: 'nope' } }), 409, [], 'PATCH to a taken code with other fields')
      assert.deepEqual(await listPoints(hub), [a, b], 'nothing created, nothing changed')
      const same = await patchPoint(hub, a.id, { code: 'ABCDE' })
      assert.equal(same.statusCode, 200, same.body)
      assert.equal(same.json().code, 'ABCDE')
      // A freed code can be taken.
      assert.equal((await patchPoint(hub, a.id, { code: 'ABCDE-old' })).statusCode, 200)
      const moved = await patchPoint(hub, b.id, { code: 'ABCDE' })
      assert.equal(moved.statusCode, 200, moved.body)
      assert.equal(moved.json().code, 'ABCDE')
    })

    test('a duplicate id on POST answers 409 and leaves the first point as it was', async (t) => {
      const hub = await startHub(t, engine)
      const a = await createPoint(hub, SEED_CREATE)
      const res = await hub.app.inject({
        method: 'POST', url: BASE, headers: { ...hub.admin, 'content-type': SEED_CONTENT_TYPE },
        payload: JSON.stringify({ id: SEED_ENTITY.id, code: 'other', type: 'public' }),
      })
      assertIncoplaxError(res, 409)
      assert.deepEqual(await listPoints(hub), [a])
    })

    test('url: private, loopback and metadata addresses are refused (SSRF guard on by default) with 400 naming url', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, { ...SEED_CREATE, url: 'https://crm.example.com/in' })
      for (const url of ['http://127.0.0.1:9/in', 'http://10.0.0.5/in', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/in', 'http://localhost/in']) {
        const res = await hub.app.inject({
          method: 'POST', url: BASE, headers: { ...hub.admin, 'content-type': SEED_CONTENT_TYPE }, payload: JSON.stringify({ code: 'ssrf', type: 'public', url }),
        })
        assertIncoplaxError(res, 400, ['url'], `POST ${url}`)
        assertIncoplaxError(await patchPoint(hub, p.id, { url }), 400, ['url'], `PATCH ${url}`)
      }
      assert.deepEqual(await listPoints(hub), [p], 'nothing created or changed')
    })

    test('POST: code and type are required, fields are checked as on PATCH; nothing is created', async (t) => {
      const hub = await startHub(t, engine)
      const cases: [unknown, string[]][] = [
        [{ type: 'public' }, ['code']],
        [{ code: '', type: 'public' }, ['code']],
        [{ code: 'A' }, ['type']],
        [{ code: 'A', type: '' }, ['type']],
        [{}, ['code', 'type']],
        [{ code: 5, type: 'public' }, ['code']],
        [{ code: 'A', type: 'public', id: 'has space' }, ['id']],
        [{ code: 'A', type: 'public', id: 5 }, ['id']],
        [{ code: 'A', type: 'public', colour: 'red' }, ['colour']],
        [{ code: 'A', type: 'public', url: 'ftp://x.example.com/' }, ['url']],
        [{ code: 'A', type: 'public', opts: { issync: 'no' } }, ['opts.issync']],
        [{ code: 'A', type: 'public', opts: { recv_timeout: 'slow' } }, ['opts.recv_timeout']],
        [{ code: 'A', type: 'public', opts: { nope: 1 } }, ['opts.nope']],
        [['A'], []],
        ['A', []],
      ]
      for (const [body, fields] of cases) {
        const res = await hub.app.inject({
          method: 'POST', url: BASE, headers: { ...hub.admin, 'content-type': SEED_CONTENT_TYPE }, payload: JSON.stringify(body),
        })
        assertIncoplaxError(res, 400, fields, JSON.stringify(body))
      }
      const empty = await hub.app.inject({ method: 'POST', url: BASE, headers: hub.admin })
      assertIncoplaxError(empty, 400, [], 'POST without a body')
      assert.deepEqual(await listPoints(hub), [])
    })
  })
}
