// 7. transform: the same burst delivered by two fresh hubs to one endpoint each, once as the
// format renders it and once through a small transform (two fields renamed, a header added,
// docs/transforms.md); deliveries/s from the first publish to the last receipt, and their ratio.
import { ratio, round } from '../figures.ts'
import { AUTH, addEndpoint, startHub } from '../hub.ts'
import { closedLoop, now } from '../load.ts'
import { sinkStats, waitForSink } from '../sink.ts'
import { step, type Bench } from '../plan.ts'

export const RENAME_TRANSFORM = `function handler (webhook) {
  const order = webhook.payload.data
  order.order_id = order.id
  order.amount = order.total
  delete order.id
  delete order.total
  webhook.headers['x-shop'] = 'bench'
  return webhook
}`

async function burst (bench: Bench, name: string, transform: string | null) {
  const { engine, sink, plan, budget, lifetimeMs } = bench
  const hub = await startHub(engine, name, lifetimeMs)
  await addEndpoint(hub, `${sink.url}/${name}`, ['bench.*'], false, transform === null ? {} : { transform: { code: transform } })
  step(`transform: ${plan.transformEvents} events ${transform === null ? 'without a transform' : 'through a transform'}`)
  const maxS = budget.seconds(plan.transformMaxS)
  const deadline = Date.now() + maxS * 1000
  const start = now()
  const publish = await closedLoop({ url: `${hub.url}/api/v1/events`, headers: AUTH, connections: bench.connections, amount: plan.transformEvents, maxSeconds: maxS })
  const received = await waitForSink(sink, (stats) => stats.count >= publish.requests, Math.max(1, (deadline - Date.now()) / 1000))
  const seconds = (received.last_at - start) / 1000
  const peakRss = hub.peakRssMb()
  await hub.stop()
  await sinkStats(sink, true)
  return {
    accepted: publish.requests,
    delivered: received.count,
    complete: publish.requests >= plan.transformEvents && received.count >= publish.requests,
    deliveries_per_s: received.count > 0 ? Math.round(received.count / seconds) : 0,
    seconds_to_last_delivery: round(seconds),
    peak_rss_mb: peakRss,
  }
}

export async function transformScenario (bench: Bench) {
  const plain = await burst(bench, 'hookhub-plain', null)
  const transformed = await burst(bench, 'hookhub-transform', RENAME_TRANSFORM)
  return {
    events: bench.plan.transformEvents,
    plain,
    transformed,
    complete: plain.complete && transformed.complete,
    ratio: ratio(transformed.deliveries_per_s, plain.deliveries_per_s),
  }
}
