// API contract of broker sources (kind amqp, nats, redis, mqtt) at /api/v1/sources: validation,
// the password masked on every read and sealed at rest, pause and resume. No broker is needed:
// workers are off, so nothing consumes.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { assertError, assertFieldNamed } from '../helpers/native-errors.ts'

reportSkippedPostgres()

const API_ONLY = { HOOKHUB_WORKERS: '0' }
const PASSWORD = 'pa55-w0rd_q8Zr'

const create = (hub: TestHub, body: unknown, headers = hub.admin) =>
  hub.app.inject({ method: 'POST', url: '/api/v1/sources', headers, payload: body as object })

const VALID: Record<string, string> = {
  amqp: `amqp://hookhub:${PASSWORD}@rabbit.example.com:5672/shop?queue=orders`,
  nats: `nats://hookhub:${PASSWORD}@nats.example.com:4222?stream=ORDERS&consumer=hookhub`,
  redis: `redis://hookhub:${PASSWORD}@redis.example.com:6379/2?stream=orders&group=hookhub`,
  mqtt: `mqtt://hookhub:${PASSWORD}@mqtt.example.com:1883?topic=shop/orders/%23`,
}

for (const engine of engines) {
  describe(`[${engine}] broker sources API`, () => {
    test('each kind is created (201) with its URL read back with the password as ****, sealed at rest', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      for (const [kind, url] of Object.entries(VALID)) {
        const res = await create(hub, { name: `${kind} source`, kind, url, type_from: 'type' })
        assert.equal(res.statusCode, 201, res.body)
        assert.ok(!res.body.includes(PASSWORD), res.body)
        const body = res.json() as Record<string, unknown>
        assert.deepEqual(Object.keys(body).sort(), [
          'accepted_types', 'created_at', 'enabled', 'event_type', 'id', 'kind', 'last_received_at', 'name', 'paused', 'type_from', 'updated_at', 'url',
        ])
        assert.equal(body.kind, kind)
        assert.equal(body.url, url.replace(PASSWORD, '****'))
        assert.equal(body.type_from, 'type')
        assert.equal(body.paused, false)
        const read = await hub.app.inject({ method: 'GET', url: `/api/v1/sources/${body.id as string}`, headers: hub.admin })
        assert.equal(read.statusCode, 200)
        assert.deepEqual(read.json(), body)
        const row = await hub.database.db.selectFrom('sources').selectAll().where('id', '=', body.id as string).executeTakeFirstOrThrow()
        assert.ok(row.broker_url !== null && !row.broker_url.includes(PASSWORD) && !row.broker_url.includes('rabbit'), 'the URL is sealed at rest')
      }
      const list = await hub.app.inject({ method: 'GET', url: '/api/v1/sources?limit=10', headers: hub.admin })
      assert.equal(list.statusCode, 200)
      assert.ok(!list.body.includes(PASSWORD))
    })

    test('a bad kind or URL answers 422 naming kind or url', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const cases: [unknown, string, string][] = [
        [{ name: 'x', kind: 'kafka', url: VALID.amqp }, 'kind', 'unknown kind'],
        [{ name: 'x', kind: 'amqp' }, 'url', 'missing url'],
        [{ name: 'x', kind: 'amqp', url: 'not a url' }, 'url', 'not a URL'],
        [{ name: 'x', kind: 'amqp', url: VALID.redis }, 'url', 'scheme of another kind'],
        [{ name: 'x', kind: 'amqp', url: 'amqp://rabbit.example.com/' }, 'url', 'no ?queue='],
        [{ name: 'x', kind: 'nats', url: 'nats://nats.example.com?stream=ORDERS' }, 'url', 'no ?consumer='],
        [{ name: 'x', kind: 'nats', url: 'nats://nats.example.com?stream=OR.DERS&consumer=c' }, 'url', 'a dot in a stream name'],
        [{ name: 'x', kind: 'redis', url: 'redis://redis.example.com/0?stream=s' }, 'url', 'no ?group='],
        [{ name: 'x', kind: 'redis', url: 'redis://redis.example.com/x?stream=s&group=g' }, 'url', 'a database that is no number'],
        [{ name: 'x', kind: 'mqtt', url: 'mqtt://mqtt.example.com' }, 'url', 'no ?topic='],
        [{ name: 'x', kind: 'mqtt', url: 'mqtt://mqtt.example.com?topic=a/%23/b' }, 'url', '# not last'],
        [{ name: 'x', kind: 'amqp', url: 'amqp://rabbit.example.com/?queue=q\r\nx' }, 'url', 'CR LF'],
        [{ name: 'x', kind: 'amqp', url: 'amqp://127.0.0.1/?queue=q' }, 'url', 'a loopback host'],
        [{ name: 'x', kind: 'redis', url: 'redis://10.1.2.3/0?stream=s&group=g' }, 'url', 'a private host'],
        [{ name: 'x', kind: 'mqtt', url: 'mqtt://broker.internal?topic=t' }, 'url', 'an internal name'],
        [{ name: 'x', kind: 'amqp', url: VALID.amqp, verify: 'none' }, 'verify', 'verify on a broker source'],
        [{ name: 'x', kind: 'amqp', url: VALID.amqp, type_from: '' }, 'type_from', 'an empty type_from'],
        [{ name: 'x', verify: 'none', url: VALID.amqp }, 'url', 'a url on an http source'],
        [{ name: 'x', kind: 'http' }, 'verify', 'an http source without verify'],
        [{ name: 'x', kind: 7, url: VALID.amqp }, 'kind', 'a kind that is no string'],
      ]
      for (const [body, field, label] of cases) assertFieldNamed(await create(hub, body), field, label)
      assert.equal((await create(hub, { name: 'x', kind: 'amqp', url: 'x'.repeat(5000) })).statusCode, 422, 'an oversized url')
      const malformed = await hub.app.inject({
        method: 'POST', url: '/api/v1/sources', headers: { ...hub.admin, 'content-type': 'application/json' }, payload: '{"name": "x", "kind": "amqp",',
      })
      assertError(malformed, 400, 'HOOKHUB_INVALID_JSON')
      const listed = await hub.app.inject({ method: 'GET', url: '/api/v1/sources', headers: hub.admin })
      assert.deepEqual((listed.json() as { data: unknown[] }).data, [], 'nothing was stored')
    })

    test('private broker hosts are allowed with HOOKHUB_ALLOW_PRIVATE_NETWORKS', async (t) => {
      const hub = await startHub(t, engine, { ...API_ONLY, HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true' })
      const res = await create(hub, { name: 'local', kind: 'amqp', url: 'amqp://guest:guest@127.0.0.1:5672/?queue=q' })
      assert.equal(res.statusCode, 201, res.body)
      assert.equal(res.json().url, 'amqp://guest:****@127.0.0.1:5672/?queue=q')
    })

    test('pause and resume: 200 with paused; an http source answers 409, an unknown id 404, another owner\'s 404', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const source = (await create(hub, { name: 'q', kind: 'redis', url: VALID.redis })).json() as { id: string }
      const post = (action: string, id: string, headers = hub.admin) =>
        hub.app.inject({ method: 'POST', url: `/api/v1/sources/${id}/${action}`, headers })
      const paused = await post('pause', source.id)
      assert.equal(paused.statusCode, 200, paused.body)
      assert.equal(paused.json().paused, true)
      assert.equal((await hub.app.inject({ method: 'GET', url: `/api/v1/sources/${source.id}`, headers: hub.admin })).json().paused, true)
      const resumed = await post('resume', source.id)
      assert.equal(resumed.statusCode, 200)
      assert.equal(resumed.json().paused, false)
      const http = (await create(hub, { name: 'h', verify: 'none' })).json() as { id: string }
      assertError(await post('pause', http.id), 409, 'HOOKHUB_CONFLICT')
      assertError(await post('pause', 'src_nope'), 404, 'HOOKHUB_NOT_FOUND')
      const other = await hub.userWith(['sources.manage.own', 'sources.create.own'])
      assertError(await post('pause', source.id, { authorization: other.authorization }), 404, 'HOOKHUB_NOT_FOUND')
      const viewer = await hub.userWith(['sources.view'])
      assertError(await post('pause', source.id, { authorization: viewer.authorization }), 403, 'HOOKHUB_FORBIDDEN')
      assertError(await hub.app.inject({ method: 'POST', url: `/api/v1/sources/${source.id}/pause` }), 401, 'HOOKHUB_UNAUTHENTICATED')
    })

    test('a broker source takes no HTTP posts on an inbound URL', async (t) => {
      const hub = await startHub(t, engine, API_ONLY)
      const source = (await create(hub, { name: 'q', kind: 'amqp', url: VALID.amqp })).json() as { id: string }
      const row = await hub.database.db.selectFrom('sources').select('token').where('id', '=', source.id).executeTakeFirstOrThrow()
      const res = await hub.app.inject({ method: 'POST', url: `/hooks/${row.token}`, headers: { 'content-type': 'application/json' }, payload: '{}' })
      assert.equal(res.statusCode, 404)
    })
  })
}
