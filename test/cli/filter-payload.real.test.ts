// Real tier: `hookhub endpoint add --filter-payload`, on both engines: the match document reaches
// the hub, `send` is delivered only where it matches, and a bad flag or document fails clearly.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { assertFails, assertOk, serveHub, show } from './support.ts'

reportSkippedPostgres()

interface Endpoint { id: string; filter: { types: string[]; payload?: unknown } }

for (const engine of engines) {
  describe(`[${engine}] CLI endpoint add --filter-payload`, () => {
    test('creates a payload-filtered endpoint; send reaches it only when the payload matches', { timeout: 120_000 }, async (t) => {
      // No workers: the deliveries made are what is looked at, nothing is sent.
      const hub = await serveHub(t, engine, { HOOKHUB_WORKERS: '0' })
      const document = { order: { total: { $gte: 100 } }, currency: { $in: ['EUR', 'USD'] } }
      const created = await hub.json<Endpoint>(['endpoint', 'add', 'http://127.0.0.1:9/big', '--types', 'order.*', '--filter-payload', JSON.stringify(document)])
      assert.deepEqual(created.filter, { types: ['order.*'], payload: document })

      const text = await hub.run(['endpoint', 'add', 'http://127.0.0.1:9/eur', '--filter-payload', '{"currency":"EUR"}'])
      assertOk(text)
      assert.match(text.stdout, /events: {9}\* whose payload matches \{"currency":"EUR"\}$/m, show(text))

      const table = await hub.run(['endpoint', 'list'])
      assertOk(table)
      assert.ok(table.stdout.split('\n').some((line) => line.startsWith(created.id) && line.includes('order.* +payload filter')), show(table))

      const big = await hub.json<{ id: string; deliveries: number }>(['send', 'order.paid', '--data', '{"order":{"total":250},"currency":"USD"}'])
      assert.equal(big.deliveries, 1, 'only the big-order endpoint')
      const eur = await hub.json<{ id: string; deliveries: number }>(['send', 'order.paid', '--data', '{"order":{"total":250},"currency":"EUR"}'])
      assert.equal(eur.deliveries, 2, 'both')
      const small = await hub.json<{ id: string; deliveries: number }>(['send', 'order.paid', '--data', '{"order":{"total":5},"currency":"GBP"}'])
      assert.equal(small.deliveries, 0)

      assertFails(await hub.run(['endpoint', 'add', 'http://127.0.0.1:9/x', '--filter-payload', '{currency:']), 2, /--filter-payload is not JSON/, { oneLine: false })
      assertFails(await hub.run(['endpoint', 'add', 'http://127.0.0.1:9/x', '--filter-payload', '{"order":{"total":{"$gte":"a","$lt":[1]}}}']), 1,
        /^hookhub: Validation failed: filter\.payload\.order\.total\.\$lt must be a number or a string \(HOOKHUB_VALIDATION_FAILED\)$/)
    })
  })
}
