// Real tier: the commands that talk to a running hub, each against a `serve` child, on both
// engines. One hub per engine; the groups below run side by side on it.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { fetchWithin, linesOf, tempDir } from '../helpers/child.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startSink } from '../helpers/sink.ts'
import { assertFails, assertOk, serveHub, show } from './support.ts'

reportSkippedPostgres()

interface Endpoint {
  id: string; url: string; method: string; headers: Record<string, string>; auth: { type: string; token?: string }
  format: string; filter: { types: string[]; channel?: string }; enabled: boolean; paused: boolean; ordering: string; secret?: string
}
interface Page<T> { data: T[]; next_cursor: string | null }
interface Delivery { id: string; event_id: string; endpoint_id: string; status: string; attempt_count: number }

for (const engine of engines) {
  describe(`[${engine}] CLI commands over the API`, () => {
    test('endpoints, sources, events, deliveries, users and tokens', { concurrency: 4, timeout: 120_000 }, async (t) => {
      const hub = await serveHub(t, engine)

      const groups = [
        t.test('endpoint add, list (pages), pause, resume, rotate-secret', async () => {
          // Types no other group publishes, and a closed local port: nothing here is ever delivered.
          const created = await hub.json<Endpoint>(['endpoint', 'add', 'http://127.0.0.1:9/hooks', '--types', 'ep-test.*,ep-test.other',
            '--bearer', 'abc', '--header', 'X-Team: ops', '--method', 'put', '--ordering', 'fifo', '--rate-limit', '5'])
          assert.match(created.id, /^ep_/)
          assert.match(created.secret!, /^whsec_/)
          assert.deepEqual(created.filter, { types: ['ep-test.*', 'ep-test.other'] })
          assert.deepEqual(created.auth, { type: 'bearer', token: '********' }, 'the API masks the token, the CLI prints what the API says')
          assert.deepEqual(created.headers, { 'X-Team': 'ops' })
          assert.equal(created.method, 'PUT')
          assert.equal(created.ordering, 'fifo')

          const text = await hub.run(['endpoint', 'add', 'http://127.0.0.1:9/other', '--types', 'ep-test.other', '--paused', '--format', 'raw'])
          assertOk(text)
          const secondId = /created endpoint (ep_\S+) \(paused\)/.exec(text.stdout)?.[1]
          assert.ok(secondId, show(text))
          assert.match(text.stdout, /signing secret: whsec_\S+ \(shown once/)

          const paused = await hub.run(['endpoint', 'pause', created.id])
          assertOk(paused)
          assert.match(paused.stdout, new RegExp(`paused endpoint ${created.id}`))

          const all = await hub.json<Page<Endpoint>>(['endpoint', 'list'])
          assert.ok([created.id, secondId].every((id) => all.data.some((e) => e.id === id)), JSON.stringify(all))
          assert.ok(all.data.every((e) => e.secret === undefined), 'a list never shows signing secrets')
          assert.equal(all.data.find((e) => e.id === created.id)?.paused, true, 'pause reached the hub')

          const table = await hub.run(['endpoint', 'list'])
          assertOk(table)
          const lines = linesOf(table.stdout)
          assert.match(lines[0], /^ID\s+STATE\s+FORMAT\s+EVENTS\s+CREATED\s+URL$/)
          const urlColumn = lines[0].indexOf('URL')
          assert.ok(lines.slice(1).every((l) => /^(GET|POST|PUT|PATCH|DELETE) http/.test(l.slice(urlColumn))), `columns are aligned:\n${table.stdout}`)
          assert.equal(lines.length, all.data.length + 1, show(table))
          assert.ok(lines.some((l) => l.startsWith(secondId) && /\bpaused\b/.test(l) && /\braw\b/.test(l)), table.stdout)

          const firstPage = await hub.run(['endpoint', 'list', '--limit', '1'])
          assertOk(firstPage)
          assert.equal(linesOf(firstPage.stdout).length, 3, `header, one row, the next-page hint:\n${show(firstPage)}`)
          const cursor = /^more: add --cursor (\S+)$/m.exec(firstPage.stdout)?.[1]
          assert.ok(cursor, show(firstPage))
          const second = await hub.json<Page<Endpoint>>(['endpoint', 'list', '--limit', '1', '--cursor', cursor])
          assert.equal(second.data.length, 1)
          assert.ok(!firstPage.stdout.includes(second.data[0].id), 'the cursor fetches the next page')

          const resumed = await hub.json<Endpoint>(['endpoint', 'resume', created.id])
          assert.equal(resumed.paused, false)

          const rotated = await hub.json<{ secret: string; previous_secret_valid_until: string }>(['endpoint', 'rotate-secret', created.id])
          assert.match(rotated.secret, /^whsec_/)
          assert.notEqual(rotated.secret, created.secret)
          assert.ok(Date.parse(rotated.previous_secret_valid_until) > Date.now() + 23 * 3_600_000)
          const chosen = 'whsec_' + Buffer.alloc(24, 7).toString('base64')
          const rotatedText = await hub.run(['endpoint', 'rotate-secret', secondId, '--secret', chosen])
          assertOk(rotatedText)
          assert.match(rotatedText.stdout, new RegExp(`new signing secret of endpoint ${secondId} \\(shown once\\): ${chosen.replace(/[+/]/g, '\\$&')}`))
        }),

        t.test('send (text, @file, idempotency key, channel), deliveries with filters, retry', async (st) => {
          const sink = await startSink(st)
          const ep = await hub.json<Endpoint>(['endpoint', 'add', `${sink.url}/orders`, '--types', 'order.*'])
          const shop = await hub.json<Endpoint>(['endpoint', 'add', `${sink.url}/shop`, '--channel', 'shop-cli'])
          assert.deepEqual(shop.filter, { types: ['*'], channel: 'shop-cli' })

          // The payload reaches the receiver byte for byte: key order, spacing and a big number.
          const payload = '{"z": 1, "id":12345678901234567890}'
          const sent = await hub.run(['send', 'order.created', '--data', payload])
          assertOk(sent)
          const eventId = /published (evt_\S+) \(order\.created\) to 1 endpoint$/m.exec(sent.stdout)?.[1]
          assert.ok(eventId, show(sent))
          await sink.waitFor(1, 10_000)
          assert.ok(sink.received[0].body.includes(payload), sink.received[0].body)
          assert.equal(sink.received[0].url, '/orders')

          const file = path.join(tempDir(st), 'order.json')
          fs.writeFileSync(file, '{"id":2}\n')
          const firstTime = await hub.json<{ id: string; type: string; deliveries: number }>(['send', 'order.paid', '--data', `@${file}`, '--idempotency-key', 'cli-order-2'])
          assert.equal(firstTime.type, 'order.paid')
          assert.equal(firstTime.deliveries, 1)
          const again = await hub.run(['send', 'order.paid', '--data', `@${file}`, '--idempotency-key', 'cli-order-2'])
          assertOk(again)
          assert.match(again.stdout, new RegExp(`already published as ${firstTime.id}`))

          const inChannel = await hub.json<{ deliveries: number }>(['send', 'note.added', '--channel', 'shop-cli'])
          assert.equal(inChannel.deliveries, 1, 'the channel endpoint receives events of its channel')
          const outside = await hub.json<{ deliveries: number }>(['send', 'note.added'])
          assert.equal(outside.deliveries, 0, 'and nothing else')
          await sink.waitFor(3, 10_000)

          const ofEvent = await hub.json<Page<Delivery>>(['deliveries', '--event', eventId])
          assert.deepEqual(ofEvent.data.map((d) => d.event_id), [eventId])

          // Wait for the success to be recorded, then filter by status in the table.
          let succeeded: Page<Delivery> = { data: [], next_cursor: null }
          for (const deadline = Date.now() + 10_000; succeeded.data.length < 2 && Date.now() < deadline;) {
            succeeded = await hub.json<Page<Delivery>>(['deliveries', '--endpoint', ep.id, '--status', 'succeeded', '--since', '1h'])
          }
          assert.equal(succeeded.data.length, 2, `both events, the repeated send stored once: ${JSON.stringify(succeeded)}`)
          assert.ok(succeeded.data.every((d) => d.endpoint_id === ep.id))
          const table = await hub.run(['deliveries', '--endpoint', ep.id, '--status', 'succeeded'])
          assertOk(table)
          assert.match(linesOf(table.stdout)[0], /^ID\s+STATUS\s+TRIES\s+HTTP\s+CREATED\s+NEXT TRY\s+ENDPOINT\s+EVENT$/)
          assert.ok(linesOf(table.stdout).slice(1).every((l) => /\bsucceeded\s+1\s+200\b/.test(l)), table.stdout)
          const none = await hub.run(['deliveries', '--endpoint', ep.id, '--status', 'failed'])
          assertOk(none)
          assert.equal(none.stdout.trim(), 'no deliveries match')

          const retried = await hub.run(['retry', succeeded.data[0].id])
          assertOk(retried)
          assert.match(retried.stdout, new RegExp(`queued delivery ${succeeded.data[0].id} again`))
          await sink.waitFor(4, 10_000)
        }),

        t.test('user create, list, delete; token create over the API and on the database; token revoke', async () => {
          const created = await hub.json<{ id: number; name: string; token: string; created_at: string }>(['user', 'create',
            '--email', 'cli-viewer@example.com', '--name', 'cli-viewer', '--permissions', 'endpoints.view', '--database-url', hub.databaseUrl])
          assert.ok(Date.parse(created.created_at) > 0)

          const users = await hub.json<Page<{ id: number; name: string; permissions: string[] }>>(['user', 'list'])
          assert.deepEqual(users.data.find((u) => u.name === 'cli-viewer')?.permissions, ['endpoints.view'])
          assert.ok(users.data.some((u) => u.name === 'admin'))
          const table = await hub.run(['user', 'list'])
          assertOk(table)
          assert.match(table.stdout, /^ID\s+NAME\s+EMAIL\s+CREATED\s+PERMISSIONS$/m)
          assert.match(table.stdout, /\bcli-viewer\s+cli-viewer@example\.com\s+\S+\s+endpoints\.view$/m)

          // HOOKHUB_URL and HOOKHUB_TOKEN are set: the hub issues the token.
          const viaApi = await hub.json<{ id: number; token: string; created_at: string; user_id: number }>(['token', 'create', '--user', 'cli-viewer'])
          assert.equal(viaApi.user_id, created.id)
          assert.match(viaApi.token, /^hh_/)
          const asViewer = await hub.run(['endpoint', 'list'], { HOOKHUB_TOKEN: viaApi.token })
          assertOk(asViewer)
          const forbidden = await hub.run(['send', 'x.y'], { HOOKHUB_TOKEN: viaApi.token })
          assertFails(forbidden, 1, /events\.publish.*\(HOOKHUB_FORBIDDEN\)$/)

          // --database-url: on the database, no hub needed (the URL points nowhere).
          const onDatabase = await hub.run(['token', 'create', '--user', String(created.id), '--database-url', hub.databaseUrl],
            { HOOKHUB_URL: undefined, HOOKHUB_TOKEN: undefined })
          assertOk(onDatabase)
          const dbToken = /token (\d+) for user \d+ \(cli-viewer\), shown once: (hh_\S+)/.exec(onDatabase.stdout)
          assert.ok(dbToken, show(onDatabase))
          assertOk(await hub.run(['endpoint', 'list', '--token', dbToken[2]]))

          const revoked = await hub.run(['token', 'revoke', String(viaApi.id)])
          assertOk(revoked)
          assert.match(revoked.stdout, new RegExp(`revoked token ${viaApi.id}`))
          assertFails(await hub.run(['endpoint', 'list'], { HOOKHUB_TOKEN: viaApi.token }), 1, /\(HOOKHUB_UNAUTHENTICATED\)$/)

          const deleted = await hub.run(['user', 'delete', 'cli-viewer'])
          assertOk(deleted)
          assert.match(deleted.stdout, new RegExp(`deleted user ${created.id} \\(cli-viewer\\)`))
          assertFails(await hub.run(['endpoint', 'list', '--token', dbToken[2]]), 1, /HOOKHUB_UNAUTHENTICATED/)
        }),

        t.test('source add prints the inbound URL that accepts the sender; source list', async () => {
          const text = await hub.run(['source', 'add', 'Kanboard', '--verify', 'kanboard', '--secret', 'kb-secret'])
          assertOk(text)
          const inbound = /inbound URL: (http\S+)/.exec(text.stdout)?.[1]
          assert.ok(inbound, show(text))
          assert.match(text.stdout, /created source src_\S+ \(Kanboard, verify kanboard\)/)
          const accepted = await fetchWithin(`${inbound}?token=kb-secret`.replace(/^http:\/\/localhost:\d+/, hub.url), {
            method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"event_name":"task.create","event_data":{}}',
          })
          assert.equal(accepted.status, 200, await accepted.text())

          const typed = await hub.json<{ id: string; event_type: unknown; accepted_types: string[]; has_secret: boolean }>(['source', 'add', 'Generic',
            '--verify', 'token', '--secret', 's3', '--type-field', 'data.kind', '--accept', 'a.*,b'])
          assert.deepEqual(typed.event_type, { field: 'data.kind' })
          assert.deepEqual(typed.accepted_types, ['a.*', 'b'])
          assert.equal(typed.has_secret, true)
          const unsigned = await hub.run(['source', 'add', 'Later', '--verify', 'github'])
          assertOk(unsigned)
          assert.match(unsigned.stdout, /answers 401 until it has a secret/)

          const list = await hub.json<Page<{ id: string; inbound_url: string }>>(['source', 'list'])
          assert.ok(list.data.some((s) => s.id === typed.id))
          const table = await hub.run(['source', 'list'])
          assertOk(table)
          assert.match(table.stdout, /^ID\s+NAME\s+KIND\s+VERIFY\s+STATE\s+URL$/m)
          assert.match(table.stdout, /\bLater\s+http\s+github \(no secret\)\s+enabled\s+http/)

          // A broker source: `create` is `add`; it needs --broker-url; pause and resume.
          const queue = await hub.run(['source', 'create', 'Orders', '--kind', 'amqp', '--broker-url', 'amqp://hub:pw-9f3k@rabbit.example.com/?queue=orders'])
          assertOk(queue)
          assert.match(queue.stdout, /created source (src_\S+) \(Orders, amqp\)\n {2}consumes: amqp:\/\/hub:\*\*\*\*@rabbit\.example\.com\/\?queue=orders/)
          assert.ok(!queue.stdout.includes('pw-9f3k'))
          const queueId = /created source (src_\S+)/.exec(queue.stdout)![1]
          const paused = await hub.json<{ paused: boolean }>(['source', 'pause', queueId])
          assert.equal(paused.paused, true)
          const resumed = await hub.run(['source', 'resume', queueId])
          assertOk(resumed)
          assert.match(resumed.stdout, /resumed source/)
          const noUrl = await hub.run(['source', 'add', 'Broken', '--kind', 'redis'])
          assert.equal(noUrl.code, 2, show(noUrl))
          assert.match(noUrl.stderr, /needs --broker-url/)
          await hub.run(['source', 'pause', queueId])
        }),
      ]
      await Promise.all(groups)
    })
  })
}
