// 5. noisy neighbour: healthy endpoints at SINK beside one at BLACKHOLE, which never answers.
// The healthy endpoints' publish → receipt p99 is compared with end-to-end's (issue 9's target),
// measured the same way (paced()) at the same deliveries/s to healthy receivers: events/s = e2e's
// rate / healthy endpoints. Per-event costs differ from end-to-end's even so, and a saturated
// end-to-end p99 flatters any ratio, so the same hub first runs the same load without the
// neighbour: that control isolates what the hanging endpoint alone costs.
import { startChild } from '../children.ts'
import { addEndpoint, startHub } from '../hub.ts'
import { sinkStats } from '../sink.ts'
import { step, type Bench } from '../plan.ts'
import { paced } from './e2e.ts'

// The default 15 s would outlast a quick run's window; at 2 s the hanging requests time out, are
// retried and trip the circuit inside it, so the healthy endpoints live beside all of that.
const REQUEST_TIMEOUT = '2s'

export async function noisyNeighbour (bench: Bench) {
  const { engine, sink, plan, lifetimeMs } = bench
  const rate = Math.max(1, Math.round(plan.latencyRate / plan.noisyHealthy))
  const blackhole = await startChild('BLACKHOLE', ['--import', 'tsx', 'bench/servers/blackhole.ts'], {}, lifetimeMs)
  const hub = await startHub(engine, 'hookhub-noisy', lifetimeMs, { env: { HOOKHUB_REQUEST_TIMEOUT: REQUEST_TIMEOUT } })
  for (let i = 0; i < plan.noisyHealthy; i++) await addEndpoint(hub, `${sink.url}/healthy/${i}`, ['bench.*'])
  step(`noisy neighbour: control, ${plan.noisyHealthy} healthy endpoints alone, ${rate} events/s for ${plan.latencySeconds} s`)
  const alone = await paced(bench, hub.url, rate, plan.noisyHealthy, plan.noisyDrainMaxS)
  await sinkStats(sink, true)
  await addEndpoint(hub, `${blackhole.url}/hang`, ['bench.*'])
  step(`noisy neighbour: the same beside 1 endpoint that never answers`)
  const latency = await paced(bench, hub.url, rate, plan.noisyHealthy, plan.noisyDrainMaxS)
  const hanging = await (await fetch(`${blackhole.url}/stats`)).json() as { requests: number, open_connections: number }
  const peakRss = hub.peakRssMb()
  await hub.stop()
  await blackhole.stop()
  await sinkStats(sink, true)
  const expected = latency.accepted * plan.noisyHealthy
  return {
    healthy_endpoints: plan.noisyHealthy,
    request_timeout: REQUEST_TIMEOUT,
    ...latency,
    expected,
    complete: latency.delivered >= expected,
    without_neighbour: { ...alone, expected: alone.accepted * plan.noisyHealthy, complete: alone.delivered >= alone.accepted * plan.noisyHealthy },
    blackhole_requests: hanging.requests,
    peak_rss_mb: peakRss,
  }
}
