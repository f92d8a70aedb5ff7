import { test } from 'node:test'
import { createEndpoint, FAST_DELIVERY, publish } from '../helpers/delivery.ts'
import { startHub } from '../helpers/hub.ts'
import { startSink } from '../helpers/sink.ts'
import { waitUntil } from '../reliability/support.ts'

for (const [name, endpoints, events] of [['drain', 1, 3000], ['fanout', 20, 150]] as const) {
  test(`measure ${name}`, { timeout: 300_000 }, async (t) => {
    const hub = await startHub(t, 'sqlite', FAST_DELIVERY)
    const repo = hub.repositories.deliveries
    const claim = repo.claim.bind(repo)
    let claims = 0
    let claimed = 0
    repo.claim = async (...args) => { claims++; const r = await claim(...args); claimed += r.length; return r }
    const sink = await startSink(t)
    const ids: string[] = []
    for (let i = 0; i < endpoints; i++) ids.push((await createEndpoint(hub, { url: `${sink.url}/${i}`, paused: true })).id)
    for (let i = 0; i < events; i += 50) await Promise.all(Array.from({ length: Math.min(50, events - i) }, (_, j) => publish(hub, 'm.x', { i: i + j })))
    claims = 0; claimed = 0
    const start = Date.now()
    for (const id of ids) await hub.app.inject({ method: 'POST', url: `/api/v1/endpoints/${id}/resume`, headers: hub.admin })
    await waitUntil('drained', () => sink.received.length >= endpoints * events ? true : undefined, 280_000, 20)
    console.error(`MEASURE ${name}: deliveries ${endpoints * events}, claims ${claims}, claimed ${claimed}, ms ${Date.now() - start}`)
  })
}
