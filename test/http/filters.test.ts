// Content filters over the API (issue 18): filter.payload on endpoints (create, read, update,
// 422 paths), routing with it for events of every origin, and POST /api/v1/filters/test.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { assertError } from '../helpers/native-errors.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { createPoint, SEED_CREATE } from '../dialects/incoplax/support.ts'

reportSkippedPostgres()

/** No workers: deliveries stay pending, and which endpoints got one is all that is looked at. */
const API_ONLY = { HOOKHUB_WORKERS: '0' }
const ISSUE_EXAMPLE = { order: { total: { $gte: 100 } }, currency: { $in: ['EUR', 'USD'] } }

type Auth = { authorization: string }
type Wire = { id: string; filter: { types: string[]; payload?: unknown }; updated_at: string }

const post = (hub: TestHub, url: string, payload: unknown, headers: Auth = hub.admin) =>
  hub.app.inject({ method: 'POST', url, headers, payload: payload as object })
const patch = (hub: TestHub, id: string, payload: object) =>
  hub.app.inject({ method: 'PATCH', url: `/api/v1/endpoints/${id}`, headers: hub.admin, payload })

async function endpoint (hub: TestHub, filter: Record<string, unknown>, url = 'https://example.com/hook'): Promise<Wire> {
  const res = await post(hub, '/api/v1/endpoints', { url, filter })
  assert.equal(res.statusCode, 201, res.body)
  return res.json() as Wire
}

/** Publishes through the native API and returns the ids of the endpoints the event got a delivery for. */
async function reached (hub: TestHub, payload: unknown, type = 'order.paid'): Promise<string[]> {
  const res = await post(hub, '/api/v1/events', { type, payload })
  assert.equal(res.statusCode, 202, res.body)
  return reachedBy(hub, (res.json() as { id: string }).id)
}

async function reachedBy (hub: TestHub, eventId: string): Promise<string[]> {
  const res = await hub.app.inject({ method: 'GET', url: `/api/v1/events/${eventId}`, headers: hub.admin })
  assert.equal(res.statusCode, 200, res.body)
  return (res.json() as { deliveries: { endpoint_id: string }[] }).deliveries.map((d) => d.endpoint_id).sort()
}

/** A 422 naming exactly these fields. */
function assertFields (res: { statusCode: number; json: () => unknown; body: string }, fields: string[]) {
  const error = assertError(res, 422, 'HOOKHUB_VALIDATION_FAILED')
  assert.deepEqual(Object.keys((error.details as { fields: object }).fields).sort(), [...fields].sort(), res.body)
}

const testFilter = (hub: TestHub, body: unknown, headers: Auth = hub.admin) => post(hub, '/api/v1/filters/test', body, headers)

for (const engine of engines) {
  describe(`[${engine}] payload filters on endpoints`, () => {
    test('filter.payload is stored, read back as given, changed and removed by PATCH', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const created = await endpoint(hub, { types: ['order.*'], payload: ISSUE_EXAMPLE })
      assert.deepEqual(created.filter, { types: ['order.*'], payload: ISSUE_EXAMPLE })
      const read = await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${created.id}`, headers: hub.admin })
      assert.deepEqual((read.json() as Wire).filter, { types: ['order.*'], payload: ISSUE_EXAMPLE })
      const plain = await endpoint(hub, { types: ['order.*'] })
      assert.deepEqual(plain.filter, { types: ['order.*'] }, 'no payload filter, no payload key')

      const changed = await patch(hub, created.id, { filter: { payload: { currency: 'EUR' } } })
      assert.equal(changed.statusCode, 200, changed.body)
      assert.deepEqual((changed.json() as Wire).filter, { types: ['order.*'], payload: { currency: 'EUR' } }, 'types kept, payload replaced')
      const typesOnly = await patch(hub, created.id, { filter: { types: ['*'] } })
      assert.deepEqual((typesOnly.json() as Wire).filter, { types: ['*'], payload: { currency: 'EUR' } }, 'a filter without payload keeps it')
      const removed = await patch(hub, created.id, { filter: { payload: null } })
      assert.equal(removed.statusCode, 200, removed.body)
      assert.deepEqual((removed.json() as Wire).filter, { types: ['*'] })
    })

    test('an invalid filter.payload is 422 naming the path of the bad part, at create and at update; nothing changes', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const bad: [unknown, string[]][] = [
        [{ order: { total: { $gte: [100] } } }, ['filter.payload.order.total.$gte']],
        [{ currency: { $in: 'EUR', $regex: '^E' } }, ['filter.payload.currency.$regex']],
        [{ $or: [] }, ['filter.payload.$or']],
        [{ $and: [{ a: 1 }, { b: { $exists: 'yes' } }] }, ['filter.payload.$and.1.b.$exists']],
        [{ a: { $gt: {} }, b: { $startsWith: 5 } }, ['filter.payload.a.$gt', 'filter.payload.b.$startsWith']],
        ['EUR', ['filter.payload']],
        [[{ currency: 'EUR' }], ['filter.payload']],
        [{ note: 'x'.repeat(20_000) }, ['filter.payload']],
      ]
      for (const [payload, fields] of bad) {
        assertFields(await post(hub, '/api/v1/endpoints', { url: 'https://example.com/hook', filter: { payload } }), fields)
      }
      let deep: unknown = 1
      for (let i = 0; i < 40; i++) deep = { a: deep }
      const tooDeep = await post(hub, '/api/v1/endpoints', { url: 'https://example.com/hook', filter: { payload: deep } })
      assertError(tooDeep, 422, 'HOOKHUB_VALIDATION_FAILED')
      assert.match(tooDeep.body, /deeper than 16 levels/)
      const list = await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: hub.admin })
      assert.deepEqual((list.json() as { data: unknown[] }).data, [], 'nothing was created')

      const kept = await endpoint(hub, { payload: { currency: 'EUR' } })
      for (const [payload, fields] of bad) assertFields(await patch(hub, kept.id, { filter: { payload } }), fields)
      const after = await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints/${kept.id}`, headers: hub.admin })
      assert.deepEqual((after.json() as Wire).filter, { types: ['*'], payload: { currency: 'EUR' } })
      assert.equal((after.json() as Wire).updated_at, kept.updated_at)
    })

    test('publishing delivers only to the endpoints whose payload filter matches', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const big = await endpoint(hub, { types: ['order.*'], payload: ISSUE_EXAMPLE })
      const urgent = await endpoint(hub, { payload: { tags: 'urgent' } })
      const none = await endpoint(hub, { types: ['order.*'] })
      const notTest = await endpoint(hub, { payload: { $not: { mode: 'test' } } })
      const otherType = await endpoint(hub, { types: ['invoice.*'], payload: { currency: 'EUR' } })

      assert.deepEqual(await reached(hub, { order: { total: 250 }, currency: 'EUR' }), [big.id, none.id, notTest.id].sort())
      assert.deepEqual(await reached(hub, { order: { total: 99 }, currency: 'EUR', tags: ['urgent', 'vip'] }), [urgent.id, none.id, notTest.id].sort())
      assert.deepEqual(await reached(hub, { order: { total: 500 }, currency: 'USD', mode: 'test' }), [big.id, none.id].sort())
      assert.deepEqual(await reached(hub, ['a', 'payload', 'array']), [none.id, notTest.id].sort())
      assert.deepEqual(await reached(hub, 'a string'), [none.id, notTest.id].sort())
      assert.deepEqual(await reached(hub, { currency: 'EUR' }, 'invoice.paid'), [otherType.id, notTest.id].sort(), 'types still apply')
    })

    test('an update changes what matches from the next publish on', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const ep = await endpoint(hub, { payload: { currency: 'EUR' } })
      assert.deepEqual(await reached(hub, { currency: 'EUR' }), [ep.id])
      assert.deepEqual(await reached(hub, { currency: 'USD' }), [])
      assert.equal((await patch(hub, ep.id, { filter: { payload: { currency: 'USD' } } })).statusCode, 200)
      assert.deepEqual(await reached(hub, { currency: 'EUR' }), [], 'the old filter is not used again')
      assert.deepEqual(await reached(hub, { currency: 'USD' }), [ep.id])
      // Two updates within a millisecond: the second filter counts even with the same updated_at.
      assert.equal((await patch(hub, ep.id, { filter: { payload: { currency: 'GBP' } } })).statusCode, 200)
      assert.equal((await patch(hub, ep.id, { filter: { payload: { currency: 'CHF' } } })).statusCode, 200)
      assert.deepEqual(await reached(hub, { currency: 'CHF' }), [ep.id])
      assert.equal((await patch(hub, ep.id, { filter: { payload: null } })).statusCode, 200)
      assert.deepEqual(await reached(hub, { currency: 'anything' }), [ep.id])
    })

    test('events from an inbound source route the same way; bodies that were not JSON never match a payload filter', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      // An Incoplax integration point: its inbound URL takes JSON, text and form bodies, on its channel.
      const point = await createPoint(hub, { ...SEED_CREATE, url: 'https://example.com/point' })
      const onChannel = { channel: SEED_CREATE.code }
      const vip = await endpoint(hub, { ...onChannel, payload: { customer: { tier: 'vip' } } })
      const anyBody = await endpoint(hub, { ...onChannel, payload: {} })
      const noFilter = await endpoint(hub, onChannel)
      const own = (await hub.app.inject({ method: 'GET', url: `/api/v1/endpoints?limit=500`, headers: hub.admin })).json() as { data: (Wire & { owner?: { id: string } })[] }
      const pointEndpoint = own.data.find((e) => e.owner?.id === String(point.id))!.id

      const eventIds = async () => {
        const res = await hub.app.inject({ method: 'GET', url: '/api/v1/events?limit=500', headers: hub.admin })
        return (res.json() as { data: { id: string }[] }).data.map((e) => e.id)
      }
      const send = async (body: string, contentType: string) => {
        const before = await eventIds()
        const res = await hub.app.inject({ method: 'POST', url: `/hooks/${point.token_local}`, headers: { 'content-type': contentType }, payload: body })
        assert.equal(res.statusCode, 200, res.body)
        const added = (await eventIds()).filter((id) => !before.includes(id))
        assert.equal(added.length, 1, `one event stored for ${body}`)
        return reachedBy(hub, added[0])
      }
      assert.deepEqual(await send('{"customer":{"tier":"vip"},"n":1}', 'application/json'), [vip.id, anyBody.id, noFilter.id, pointEndpoint].sort())
      assert.deepEqual(await send('{"customer":{"tier":"std"},"n":2}', 'application/json'), [anyBody.id, noFilter.id, pointEndpoint].sort())
      assert.deepEqual(await send('customer.tier=vip&n=3', 'application/x-www-form-urlencoded'), [noFilter.id, pointEndpoint].sort(),
        'a form body is kept as it came: no payload filter matches it, not even an empty one')
      assert.deepEqual(await send('vip customer n=4', 'text/plain'), [noFilter.id, pointEndpoint].sort())
    })

    test('a dialect-owned endpoint cannot get a payload filter through the native API', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const point = await createPoint(hub, { ...SEED_CREATE, url: 'https://example.com/point' })
      const list = (await hub.app.inject({ method: 'GET', url: '/api/v1/endpoints', headers: hub.admin })).json() as { data: (Wire & { owner?: { id: string } })[] }
      const owned = list.data.find((e) => e.owner?.id === String(point.id))!
      assertError(await patch(hub, owned.id, { filter: { payload: { a: 1 } } }), 409, 'HOOKHUB_OWNED_BY_DIALECT')
    })
  })

  describe(`[${engine}] POST /api/v1/filters/test`, () => {
    test('answers whether the filter lets the payload through', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const cases: [unknown, boolean][] = [
        [{ filter: { payload: ISSUE_EXAMPLE }, payload: { order: { total: 100 }, currency: 'USD' } }, true],
        [{ filter: { payload: ISSUE_EXAMPLE }, payload: { order: { total: 100 }, currency: 'GBP' } }, false],
        [{ filter: { payload: { tags: 'urgent' } }, payload: { tags: ['urgent', 'billing'] } }, true],
        [{ filter: { payload: {} }, payload: 'text' }, true],
        [{ filter: {}, payload: null }, true],
        [{ filter: { payload: null }, payload: 1 }, true],
        [{ filter: { types: ['order.*'], payload: { a: 1 } }, payload: { a: 1 } }, true],
        [{ filter: { types: ['order.*'], payload: { a: 1 } }, payload: { a: 1 }, type: 'order.paid' }, true],
        [{ filter: { types: ['order.*'], payload: { a: 1 } }, payload: { a: 1 }, type: 'invoice.paid' }, false],
        [{ filter: { types: ['order.*'], node_id: 'n1', channel: 'c1' }, payload: {}, type: 'order.paid' }, true],
      ]
      for (const [body, matches] of cases) {
        const res = await testFilter(hub, body)
        assert.equal(res.statusCode, 200, res.body)
        assert.deepEqual(res.json(), { matches }, JSON.stringify(body))
      }
    })

    test('bad filters and bad bodies: 422 with the path, 400, 413', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      assertFields(await testFilter(hub, { filter: { payload: { order: { total: { $gte: 'a', $lt: [] } } } }, payload: {} }), ['filter.payload.order.total.$lt'])
      assertFields(await testFilter(hub, { filter: { payload: { $nor: [] } }, payload: {} }), ['filter.payload.$nor'])
      assertFields(await testFilter(hub, { filter: { payload: ['x'] }, payload: {} }), ['filter.payload'])
      assertFields(await testFilter(hub, { filter: { payload: { a: 1 } } }), ['payload'])
      assertFields(await testFilter(hub, { payload: {} }), ['filter'])
      assertFields(await testFilter(hub, { filter: 'x', payload: {} }), ['filter'])
      assertFields(await testFilter(hub, { filter: { payload: {} }, payload: {}, extra: 1 }), ['extra'])
      assertFields(await testFilter(hub, { filter: { pay: {} }, payload: {} }), ['filter.pay'])
      assertFields(await testFilter(hub, { filter: {}, payload: {}, type: '' }), ['type'])
      const malformed = await hub.app.inject({
        method: 'POST', url: '/api/v1/filters/test', headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{"filter": {',
      })
      assertError(malformed, 400, 'HOOKHUB_INVALID_JSON')
      const noBody = await hub.app.inject({ method: 'POST', url: '/api/v1/filters/test', headers: hub.admin })
      assert.ok([400, 415, 422].includes(noBody.statusCode), noBody.body)
      assert.ok((noBody.json() as { error: { code: string } }).error.code.startsWith('HOOKHUB_'))
      const huge = await testFilter(hub, { filter: {}, payload: 'x'.repeat(2 * 1024 * 1024) })
      assertError(huge, 413, 'HOOKHUB_BODY_TOO_LARGE')
    })

    test('any principal that may view endpoints may test filters; others may not', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const body = { filter: { payload: { a: 1 } }, payload: { a: 1 } }
      assertError(await hub.app.inject({ method: 'POST', url: '/api/v1/filters/test', payload: body }), 401, 'HOOKHUB_UNAUTHENTICATED')
      assertError(await testFilter(hub, body, { authorization: 'Bearer hh_wrong' }), 401, 'HOOKHUB_UNAUTHENTICATED')
      const nothing = await hub.userWith([])
      assertError(await testFilter(hub, body, nothing), 403, 'HOOKHUB_FORBIDDEN')
      const creator = await hub.userWith(['endpoints.create', 'endpoints.manage'])
      assertError(await testFilter(hub, body, creator), 403, 'HOOKHUB_FORBIDDEN')
      for (const permissions of [['endpoints.view'], ['endpoints.view.own'], ['endpoints.*']]) {
        const viewer = await hub.userWith(permissions)
        const res = await testFilter(hub, body, viewer)
        assert.equal(res.statusCode, 200, `${permissions}: ${res.body}`)
        assert.deepEqual(res.json(), { matches: true })
      }
    })
  })
}
