// 4. fan-out: every event to many endpoints at SINK, each on its own path (so SINK can tell they
// all were reached); deliveries/s from the first publish to the last receipt.
import { round } from '../figures.ts'
import { AUTH, addEndpoint, startHub } from '../hub.ts'
import { closedLoop, now } from '../load.ts'
import { sinkStats, waitForSink } from '../sink.ts'
import { step, type Bench } from '../plan.ts'

export async function fanout (bench: Bench) {
  const { engine, sink, plan, budget, lifetimeMs } = bench
  const expected = plan.fanoutEvents * plan.fanoutEndpoints
  const hub = await startHub(engine, 'hookhub-fanout', lifetimeMs)
  for (let i = 0; i < plan.fanoutEndpoints; i++) await addEndpoint(hub, `${sink.url}/fanout/${i}`, ['bench.*'])
  step(`fan-out: ${plan.fanoutEvents} events to ${plan.fanoutEndpoints} endpoints (${expected} deliveries)`)
  const maxS = budget.seconds(plan.fanoutMaxS)
  const deadline = Date.now() + maxS * 1000
  const start = now()
  const publish = await closedLoop({ url: `${hub.url}/api/v1/events`, headers: AUTH, connections: bench.connections, amount: plan.fanoutEvents, maxSeconds: maxS })
  const wanted = publish.requests * plan.fanoutEndpoints
  const received = await waitForSink(sink, (stats) => stats.count >= wanted, Math.max(1, (deadline - Date.now()) / 1000))
  const seconds = (received.last_at - start) / 1000
  const peakRss = hub.peakRssMb()
  await hub.stop()
  await sinkStats(sink, true)
  return {
    events: plan.fanoutEvents,
    endpoints: plan.fanoutEndpoints,
    accepted: publish.requests,
    deliveries: expected,
    delivered: received.count,
    endpoints_reached: received.paths,
    complete: publish.requests >= plan.fanoutEvents && received.count >= expected,
    publish,
    deliveries_per_s: received.count > 0 ? Math.round(received.count / seconds) : 0,
    seconds_to_last_delivery: round(seconds),
    peak_rss_mb: peakRss,
  }
}
