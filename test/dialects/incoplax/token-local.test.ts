import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub } from '../../helpers/hub.ts'
import {
  assertIncoplaxError, BASE, createPoint, getPoint, listPoints, lookup, patchPoint, SEED_CONTENT_TYPE, SEED_CREATE, SEED_ENTITY,
  SEED_LOOKUP_BODY, SEED_SECOND, TOKEN_LOCAL,
} from './support.ts'

reportSkippedPostgres()

const TOKEN = '82ddc7c68623726346a78371173e2f8d'

// Issue 16 item 3; DESIGN "Dialect details decided here (second pass)": a token_local given on
// create is kept (32 hex characters; other forms 400 1400; taken 409 1409), generated only when absent.
for (const engine of engines) {
  describe(`[${engine}] Incoplax integration points: a token_local given on create`, () => {
    test('is kept: the inbound URL, LOOKUP, GET and the list all use it', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, { ...SEED_CREATE, token_local: TOKEN })
      assert.equal(p.token_local, TOKEN)
      assert.equal((await getPoint(hub, p.id)).token_local, TOKEN)
      assert.deepEqual((await listPoints(hub, { mask: 'token_local' })), [{ token_local: TOKEN }])
      const res = await lookup(hub, SEED_LOOKUP_BODY)
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json(), [SEED_ENTITY.id])
      const hook = await hub.app.inject({ method: 'POST', url: `/hooks/${TOKEN}`, headers: { 'content-type': 'application/json' }, payload: '{"m":1}' })
      assert.equal(hook.statusCode, 200, hook.body)
      // Upper-case hex is hex too, kept as given.
      const upper = await createPoint(hub, { ...SEED_SECOND, token_local: 'ABCDEF0123456789ABCDEF0123456789' })
      assert.equal(upper.token_local, 'ABCDEF0123456789ABCDEF0123456789')
    })

    test('absent: one is generated', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, SEED_CREATE)
      assert.match(p.token_local, TOKEN_LOCAL)
    })

    test('any other form answers 400 1400 naming token_local, and nothing is created', async (t) => {
      const hub = await startHub(t, engine)
      const bad: unknown[] = [
        '', ' ', TOKEN.slice(0, 31), `${TOKEN}0`, ` ${TOKEN}`, `${TOKEN}\n`, 'g'.repeat(32), '82ddc7c6-8623-7263-46a7-8371173e2f8d',
        `0x${TOKEN.slice(2)}`, 82, null, true, [TOKEN], { token: TOKEN },
      ]
      for (const token_local of bad) {
        const res = await hub.app.inject({
          method: 'POST', url: BASE, headers: { ...hub.admin, 'content-type': SEED_CONTENT_TYPE }, payload: JSON.stringify({ ...SEED_CREATE, token_local }),
        })
        assertIncoplaxError(res, 400, ['token_local'], JSON.stringify(token_local))
      }
      assert.deepEqual(await listPoints(hub), [])
    })

    test('taken by another point answers 409 1409 naming token_local; nothing half-made stays', async (t) => {
      const hub = await startHub(t, engine)
      const first = await createPoint(hub, { ...SEED_CREATE, token_local: TOKEN })
      const res = await hub.app.inject({
        method: 'POST', url: BASE, headers: { ...hub.admin, 'content-type': SEED_CONTENT_TYPE },
        payload: JSON.stringify({ ...SEED_SECOND, token_local: TOKEN }),
      })
      assertIncoplaxError(res, 409, ['token_local'])
      assert.deepEqual(await listPoints(hub), [first])
      // The refused point's code and id are free: nothing of it was kept.
      const second = await createPoint(hub, SEED_SECOND)
      assert.notEqual(second.token_local, TOKEN)
      const found = await lookup(hub, SEED_LOOKUP_BODY)
      assert.deepEqual(found.json(), [first.id])
    })

    test('PATCH: the same token_local is accepted, another one (well-formed or not) is 400 naming it', async (t) => {
      const hub = await startHub(t, engine)
      const p = await createPoint(hub, { ...SEED_CREATE, token_local: TOKEN })
      const same = await patchPoint(hub, p.id, { token_local: TOKEN, opts: { title: 'kept' } })
      assert.equal(same.statusCode, 200, same.body)
      assert.equal(same.json().token_local, TOKEN)
      for (const token_local of ['0'.repeat(32), TOKEN.toUpperCase(), 'short', 5]) {
        assertIncoplaxError(await patchPoint(hub, p.id, { token_local }), 400, ['token_local'], JSON.stringify(token_local))
      }
      assert.equal((await getPoint(hub, p.id)).token_local, TOKEN)
    })
  })
}
