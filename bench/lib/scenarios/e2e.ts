// 3. end-to-end, on a fresh hub: a burst published as fast as accepted, then drained to SINK;
// then publish → SINK receipt latency at a fixed rate.
import { latencies, round, type Latency } from '../figures.ts'
import { AUTH, startHub } from '../hub.ts'
import { closedLoop, fixedRate, now, type LoadFigures } from '../load.ts'
import { sinkStats, waitForSink } from '../sink.ts'
import { step, type Bench } from '../plan.ts'

export interface Burst {
  events: number
  accepted: number
  delivered: number
  published_all: boolean
  delivered_all: boolean
  publish: LoadFigures
  deliveries_per_s: number
  seconds_to_last_delivery: number
}

export type Paced = Latency & { rate_per_s: number, seconds: number, sent: number, accepted: number, failed: number, delivered: number }

export async function endToEnd (bench: Bench): Promise<{ burst: Burst, latency: Paced & { behind_burst_backlog: boolean }, peak_rss_mb: number }> {
  const { engine, sink, plan, budget, lifetimeMs } = bench
  const hub = await startHub(engine, 'hookhub-e2e', lifetimeMs, { sinkUrl: sink.url })
  step(`end-to-end: a burst of ${plan.e2eEvents} events`)
  const burstStart = now()
  const publish = await closedLoop({ url: `${hub.url}/api/v1/events`, headers: AUTH, connections: bench.connections, amount: plan.e2eEvents, maxSeconds: budget.seconds(plan.burstMaxS) })
  const drained = await waitForSink(sink, (stats) => stats.count >= publish.requests, budget.seconds(plan.drainMaxS))
  const drainSeconds = (drained.last_at - burstStart) / 1000
  const burst = {
    events: plan.e2eEvents,
    accepted: publish.requests,
    delivered: drained.count,
    published_all: publish.requests >= plan.e2eEvents,
    delivered_all: drained.count >= publish.requests,
    publish,
    deliveries_per_s: drained.count > 0 ? Math.round(drained.count / drainSeconds) : 0,
    seconds_to_last_delivery: round(drainSeconds),
  }
  await sinkStats(sink, true)
  step(`end-to-end: ${plan.latencyRate} events/s for ${plan.latencySeconds} s`)
  // Only the paced events carry a send time, so a backlog left by the burst delays them but is
  // not counted as theirs.
  const latency = await paced(bench, hub.url, plan.latencyRate, 1, plan.latencyDrainMaxS)
  const peakRss = hub.peakRssMb()
  await hub.stop()
  await sinkStats(sink, true)
  return { burst, latency: { ...latency, behind_burst_backlog: !burst.delivered_all }, peak_rss_mb: peakRss }
}

/**
 * Publishes at `rate` events/s for the plan's latency seconds and waits, at most `drainMaxS`,
 * until SINK has every delivery: `fanout` per accepted event. Shared by end-to-end and noisy neighbour, so that
 * their p99s are measured the same way.
 */
export async function paced (bench: Bench, hubUrl: string, rate: number, fanout: number, drainMaxS: number): Promise<Paced> {
  const { sink, plan, budget } = bench
  const seconds = Math.round(budget.seconds(plan.latencySeconds))
  const sent = await fixedRate({ url: `${hubUrl}/api/v1/events`, headers: AUTH, rate, seconds })
  const expected = sent.accepted * fanout
  const received = await waitForSink(sink, (stats) => stats.latencies_ms.length >= expected, budget.seconds(drainMaxS))
  return { rate_per_s: rate, seconds, ...sent, delivered: received.latencies_ms.length, ...latencies(received.latencies_ms, expected) }
}
