// Isolation between owners when taking events in: an event that comes in through a source (a
// native source, a Kanboard source, an Incoplax integration point's token_local URL, a CyberCert
// webhook integration) reaches only the routes of the source's owner, unless that owner holds the
// unscoped `events.publish` (or `events.*`, `*`); a source without owner reaches every owner.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'
import { API_ONLY, made, OWN_MAKER, TYPE, twoOwners, type Auth } from './owners.ts'

reportSkippedPostgres()

/** Every owner's routes that listen to TYPE without a node or channel: where an unscoped publish goes. */
const EVERYONE = ['a.endpoint', 'a.webhook', 'admin.endpoint', 'b.endpoint', 'b.webhook']

const pathOf = (inboundUrl: string) => {
  const url = new URL(inboundUrl)
  return url.pathname + url.search
}

async function eventIds (hub: TestHub) {
  const res = await hub.app.inject({ method: 'GET', url: '/api/v1/events?limit=500', headers: hub.admin })
  assert.equal(res.statusCode, 200, res.body)
  return (res.json() as { data: { id: string }[] }).data.map((e) => e.id)
}

/** Posts to an inbound path; answers the response and the id of the one event it stored (some sources answer `{}`). */
async function post (hub: TestHub, path: string, body: unknown = { type: TYPE, n: 1 }) {
  const before = new Set(await eventIds(hub))
  const res = await hub.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })
  const stored = (await eventIds(hub)).filter((id) => !before.has(id))
  assert.equal(stored.length, 1, `one event stored by ${path}: ${res.statusCode} ${res.body}`)
  return { res, eventId: stored[0] }
}

/** A native source of `auth`'s user; its inbound path. */
async function sourceOf (hub: TestHub, auth: Auth, body: Record<string, unknown> = { name: 'in', verify: 'none' }) {
  return pathOf((await made(hub, '/api/v1/sources', auth, body)).inbound_url as string)
}

for (const engine of engines) {
  describe(`[${engine}] an event taken in by a source reaches the routes of the source's owner only`, () => {
    test('a verify:none source of a user holding only sources.create.own reaches no other owner', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { reachedBy } = await twoOwners(hub)
      const maker = await hub.userWith(['sources.create.own'])
      const { res, eventId } = await post(hub, await sourceOf(hub, maker))
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(await reachedBy(eventId), [])
    })

    test("native and Kanboard sources of an .own owner reach that owner's routes only", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, reachedBy } = await twoOwners(hub)
      const native = await post(hub, await sourceOf(hub, a))
      assert.deepEqual(await reachedBy(native.eventId), ['a.endpoint', 'a.webhook'])
      const kanboard = await sourceOf(hub, a, { name: 'kb', verify: 'kanboard', secret: 'kanboard-token' })
      const { res, eventId } = await post(hub, `${kanboard}?token=kanboard-token`, { event_name: TYPE, event_data: {} })
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(await reachedBy(eventId), ['a.endpoint', 'a.webhook'])
    })

    test("an integration point's token_local URL reaches its owner's routes only", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { routesA, reachedBy } = await twoOwners(hub)
      const { res, eventId } = await post(hub, `/hooks/${routesA.point.token_local}`, { text: 'hello' })
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(await reachedBy(eventId), ['a.endpoint', 'a.point'])
    })

    test("a CyberCert webhook integration's inbound URL reaches its owner's routes only", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, reachedBy } = await twoOwners(hub)
      const integration = await made(hub, '/api/v1/integrations', a, { name: 'shop', type: 'webhook' })
      const { res, eventId } = await post(hub, pathOf(integration.inbound_url as string))
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(await reachedBy(eventId), ['a.endpoint', 'a.webhook'])
    })

    test("issync: the call is relayed to the owner's point at once and no other owner's route gets it", async (t) => {
      const hub = await startHub(t, engine, { ...API_ONLY, HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true' })
      const sink = await startSink(t, (_req, res) => res.setHeader('content-type', 'application/json').end('{"answer":42}'))
      const { a, reachedBy } = await twoOwners(hub)
      const point = await made(hub, '/rest/v1/service/integration_points', a, { code: 'sync-a', type: 'public', url: `${sink.url}/sync`, opts: { issync: true } })
      const { res, eventId } = await post(hub, `/hooks/${point.token_local as string}`, { text: 'hello' })
      assert.equal(res.statusCode, 200, res.body)
      assert.deepEqual(res.json(), { answer: 42 })
      assert.equal(sink.received.length, 1)
      const reached = await reachedBy(eventId)
      assert.equal(reached.length, 2, reached.join(', '))
      assert.equal(reached[0], 'a.endpoint')
      assert.match(reached[1], /^ep_/, 'the sync point\'s own endpoint')
    })

    test('an owner holding the unscoped events.publish, events.* or * reaches every owner, as before', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { reachedBy } = await twoOwners(hub)
      for (const permissions of [['events.publish'], ['events.*'], ['*']]) {
        const owner = await hub.userWith(['sources.create.own', ...permissions])
        const { eventId } = await post(hub, await sourceOf(hub, owner))
        assert.deepEqual(await reachedBy(eventId), EVERYONE, permissions.join())
      }
      const { eventId } = await post(hub, await sourceOf(hub, hub.admin))
      assert.deepEqual(await reachedBy(eventId), EVERYONE, 'the admin')
    })

    test('a source without owner reaches every owner, as before', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { reachedBy } = await twoOwners(hub)
      const source = await hub.services.sources.create({ name: 'ownerless', verify: 'none' }, { userId: null })
      const { eventId } = await post(hub, pathOf(source.inboundUrl))
      assert.deepEqual(await reachedBy(eventId), EVERYONE)
    })

    test("the owner's permissions count as they are when the event comes in; a deleted owner's source reaches no other owner", async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, reachedBy } = await twoOwners(hub)
      const path = await sourceOf(hub, a)
      assert.deepEqual(await reachedBy((await post(hub, path)).eventId), ['a.endpoint', 'a.webhook'])
      await hub.database.db.updateTable('users').set({ permissions: JSON.stringify([...OWN_MAKER, 'events.publish']) }).where('id', '=', a.id).execute()
      assert.deepEqual(await reachedBy((await post(hub, path)).eventId), EVERYONE, 'granted events.publish')
      const owner = await hub.userWith(['sources.create.own', 'events.publish'])
      const ownerPath = await sourceOf(hub, owner)
      assert.deepEqual(await reachedBy((await post(hub, ownerPath)).eventId), EVERYONE)
      const deleted = await hub.app.inject({ method: 'DELETE', url: `/api/v1/users/${owner.id}`, headers: hub.admin })
      assert.equal(deleted.statusCode, 204, deleted.body)
      const after = await post(hub, ownerPath)
      assert.equal(after.res.statusCode, 200, after.res.body)
      assert.deepEqual(await reachedBy(after.eventId), [])
    })

    test('inbound calls of several owners at once (one source lookup, one routing query) each keep to their own routes', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const { a, b, reachedBy } = await twoOwners(hub)
      const paths = [await sourceOf(hub, a), await sourceOf(hub, b), await sourceOf(hub, hub.admin), await sourceOf(hub, a)]
      const answers = await Promise.all(paths.map((path) => hub.app.inject({ method: 'POST', url: path, payload: { type: TYPE } })))
      const reached = await Promise.all(answers.map((res) => {
        assert.equal(res.statusCode, 200, res.body)
        return reachedBy(res.json().event_id as string)
      }))
      assert.deepEqual(reached, [['a.endpoint', 'a.webhook'], ['b.endpoint', 'b.webhook'], EVERYONE, ['a.endpoint', 'a.webhook']])
    })
  })
}
