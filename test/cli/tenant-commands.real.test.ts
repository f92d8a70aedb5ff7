// Real tier: `hookhub tenant …`, `--tenant` on `endpoint add` and `send`, and `hookhub event-type …`, against a `serve` child.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { linesOf, tempDir } from '../helpers/child.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { assertFails, assertOk, serveHub, show } from './support.ts'

reportSkippedPostgres()

interface Tenant { id: string; name: string; metadata: Record<string, unknown> }

for (const engine of engines) {
  describe(`[${engine}] CLI tenant commands`, () => {
    test('tenant create, list, portal, delete; endpoint add and send with --tenant', { timeout: 120_000 }, async (t) => {
      const hub = await serveHub(t, engine, { HOOKHUB_WORKERS: '0', HOOKHUB_PUBLIC_URL: 'https://hooks.example.com' })
      const acme = await hub.json<Tenant>(['tenant', 'create', 'Acme Corp', '--id', 'acme', '--metadata', '{"plan":"pro"}'])
      assert.deepEqual([acme.id, acme.name, acme.metadata], ['acme', 'Acme Corp', { plan: 'pro' }])
      const text = await hub.run(['tenant', 'create', 'Globex'])
      assertOk(text)
      assert.match(text.stdout, /^created tenant tnt_[0-9a-z]{26} \(Globex\)$/m)
      assertFails(await hub.run(['tenant', 'create', 'Again', '--id', 'acme']), 1, /already exists/)
      assertFails(await hub.run(['tenant', 'create', 'Bad', '--metadata', '{']), 2, /--metadata is not valid JSON/)

      const table = await hub.run(['tenant', 'list'])
      assertOk(table)
      const lines = linesOf(table.stdout)
      assert.match(lines[0], /^ID\s+CREATED\s+NAME$/)
      assert.ok(lines.some((l) => l.startsWith('acme ') && l.endsWith('Acme Corp')), show(table))

      const endpoint = await hub.json<{ id: string; tenant_id: string }>(['endpoint', 'add', 'http://127.0.0.1:9/hook', '--tenant', 'acme'])
      assert.equal(endpoint.tenant_id, 'acme')
      const sent = await hub.json<{ deliveries: number }>(['send', 'order.created', '--tenant', 'acme'])
      assert.equal(sent.deliveries, 1)
      assert.equal((await hub.json<{ deliveries: number }>(['send', 'order.created'])).deliveries, 0, 'an event without a tenant skips the tenant\'s endpoint')
      assertFails(await hub.run(['send', 'order.created', '--tenant', 'nobody']), 1, /tenant_id/)

      const portal = await hub.run(['tenant', 'portal', 'acme', '--expires-in', '900', '--read-only'])
      assertOk(portal)
      assert.match(portal.stdout, /^portal session for tenant acme \(read-only\), until \S+:\n {2}https:\/\/hooks\.example\.com\/portal#token=hhp_\S+$/m)
      const session = await hub.json<{ token: string }>(['tenant', 'portal', 'acme'])
      const asPortal = await hub.run(['endpoint', 'list', '--json'], { HOOKHUB_TOKEN: session.token })
      assertOk(asPortal)
      assert.deepEqual((JSON.parse(asPortal.stdout) as { data: { id: string }[] }).data.map((e) => e.id), [endpoint.id])
      assertOk(await hub.run(['tenant', 'portal', 'acme', '--revoke']))
      assertFails(await hub.run(['endpoint', 'list'], { HOOKHUB_TOKEN: session.token }), 1, /credentials/i)
      assertFails(await hub.run(['tenant', 'portal', 'acme', '--expires-in', '0']), 2, /expires-in/, { oneLine: false })

      const deleted = await hub.run(['tenant', 'delete', 'acme'])
      assertOk(deleted)
      assert.match(deleted.stdout, /deleted tenant acme/)
      assertFails(await hub.run(['tenant', 'delete', 'acme']), 1, /tenant acme not found/)
    })

    test('event-type add, list, delete; a payload its schema rejects is refused', { timeout: 120_000 }, async (t) => {
      const hub = await serveHub(t, engine, { HOOKHUB_WORKERS: '0' })
      const dir = tempDir(t)
      const schemaFile = path.join(dir, 'paid.schema.json')
      fs.writeFileSync(schemaFile, JSON.stringify({ type: 'object', required: ['amount'], properties: { amount: { type: 'number', minimum: 0 } } }))
      const added = await hub.run(['event-type', 'add', 'invoice.paid', '--schema', `@${schemaFile}`, '--description', 'Paid', '--example', '{"amount":1}'])
      assertOk(added)
      assert.match(added.stdout, /^added event type invoice\.paid \(payloads are checked against its schema\)$/m)
      assertOk(await hub.run(['event-type', 'add', 'crm/contact.created', '--deprecated']))
      assertFails(await hub.run(['event-type', 'add', 'x', '--schema', '{"type":"nope"}']), 1, /schema/)
      assertFails(await hub.run(['event-type', 'add', 'x', '--schema', '{']), 2, /--schema is not valid JSON/)
      const table = await hub.run(['event-type', 'list'])
      assertOk(table)
      const lines = linesOf(table.stdout)
      assert.match(lines[0], /^NAME\s+SCHEMA\s+DEPRECATED\s+DESCRIPTION$/)
      assert.ok(lines.some((l) => /^invoice\.paid\s+yes\s+no\s+Paid$/.test(l)), show(table))
      assert.ok(lines.some((l) => /^crm\/contact\.created\s+no\s+yes$/.test(l)), show(table))
      assertFails(await hub.run(['send', 'invoice.paid', '--data', '{"amount":-1}']), 1, /schema of event type invoice\.paid/)
      assertOk(await hub.run(['send', 'invoice.paid', '--data', '{"amount":1}']))
      assertOk(await hub.run(['event-type', 'delete', 'crm/contact.created']))
      assertFails(await hub.run(['event-type', 'delete', 'crm/contact.created']), 1, /event type crm\/contact\.created not found/)
    })
  })
}
