import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createEndpoint, FAST_DELIVERY, publish, settled } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startHub, type TestHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'

reportSkippedPostgres()

/** Counts the deliveries the worker claims back from the database (the rest were handed to it). */
function countClaims (hub: TestHub) {
  const repository = hub.repositories.deliveries
  const claim = repository.claim.bind(repository)
  const counted = { deliveries: 0 }
  repository.claim = async (...args) => {
    const claimed = await claim(...args)
    counted.deliveries += claimed.length
    return claimed
  }
  return counted
}

for (const engine of engines) {
  describe(`[${engine}] new deliveries handed to the worker`, () => {
    test('a delivery to an idle endpoint is created leased to the worker and sent without a claim', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const claims = countClaims(hub)
      const sink = await startSink(t)
      await createEndpoint(hub, { url: sink.url })
      for (let i = 0; i < 3; i++) {
        const event = await publish(hub, 'a.b', { i })
        const [delivery] = await settled(hub, event.id)
        assert.equal(delivery.status, 'succeeded')
        assert.equal(delivery.attempt_count, 1)
      }
      assert.equal(sink.received.length, 3)
      assert.equal(claims.deliveries, 0)
    })

    test('paused and fifo endpoints are left to claims, and a paused one sends nothing until resumed', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const claims = countClaims(hub)
      const sink = await startSink(t)
      const paused = await createEndpoint(hub, { url: `${sink.url}/paused`, paused: true })
      await createEndpoint(hub, { url: `${sink.url}/fifo`, ordering: 'fifo' })
      const event = await publish(hub, 'a.b', { n: 1 })
      await settled(hub, event.id, 8000, (ds) => ds.some((d) => d.status === 'succeeded'))
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.deepEqual(sink.received.map((r) => r.url), ['/fifo'])
      const resumed = await hub.app.inject({ method: 'POST', url: `/api/v1/endpoints/${paused.id}/resume`, headers: hub.admin })
      assert.equal(resumed.statusCode, 200)
      const deliveries = await settled(hub, event.id)
      assert.deepEqual(deliveries.map((d) => d.status), ['succeeded', 'succeeded'])
      assert.equal(claims.deliveries, 2)
    })

    test('a lane at its max_in_flight takes no more: the others wait in the queue and are claimed when it frees', async (t) => {
      const hub = await startHub(t, engine, FAST_DELIVERY)
      const claims = countClaims(hub)
      let open = 0
      let most = 0
      const sink = await startSink(t, (_req, res) => {
        most = Math.max(most, ++open)
        setTimeout(() => { open--; res.end('ok') }, 100)
      })
      await createEndpoint(hub, { url: sink.url, max_in_flight: 1 })
      const events = await Promise.all([1, 2, 3].map((i) => publish(hub, 'a.b', { i })))
      for (const event of events) assert.equal((await settled(hub, event.id))[0].status, 'succeeded')
      assert.equal(sink.received.length, 3)
      assert.equal(most, 1, 'never two at once')
      assert.equal(claims.deliveries, 2, 'the first went straight to the worker, the other two were claimed')
    })
  })
}
