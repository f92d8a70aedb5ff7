// 6. footprint: the hub's RSS after many events, published as fast as accepted and delivered to
// SINK, sampled at half and at all of them (a leak shows as growth between the two), then the
// bytes on disk per event with its delivery and attempt.
import { ratio, round } from '../figures.ts'
import { AUTH, startHub } from '../hub.ts'
import { closedLoop } from '../load.ts'
import { sinkStats, waitForSink } from '../sink.ts'
import { step, type Bench } from '../plan.ts'

/**
 * `accepted` counts the 2xx answers the load generator saw; requests in flight when a time limit
 * stops it may still be stored and delivered, so `delivered` can exceed it by up to the number of
 * connections, and the database's counts are the exact ones.
 */
interface Sample { target: number, accepted: number, delivered: number, complete: boolean, rss_mb: number }

export async function footprint (bench: Bench) {
  const { engine, sink, plan, budget, lifetimeMs } = bench
  const hub = await startHub(engine, 'hookhub-footprint', lifetimeMs, { sinkUrl: sink.url })
  step(`footprint: ${plan.footprintEvents} events, RSS at half and at all, then bytes on disk`)
  // Each half gets half of the phase's time, so that a slow first half still leaves the second
  // a chance and both samples exist.
  const halfS = budget.seconds(plan.footprintMaxS) / 2
  const samples: Sample[] = []
  let accepted = 0
  for (const target of [plan.footprintEvents / 2, plan.footprintEvents]) {
    const deadline = Date.now() + halfS * 1000
    const publish = await closedLoop({ url: `${hub.url}/api/v1/events`, headers: AUTH, connections: bench.connections, amount: target - accepted, maxSeconds: halfS })
    accepted += publish.requests
    const received = await waitForSink(sink, (stats) => stats.count >= accepted, Math.max(1, (deadline - Date.now()) / 1000))
    samples.push({ target, accepted, delivered: received.count, complete: accepted >= target && received.count >= accepted, rss_mb: hub.rssMb() })
    step(`footprint: ${accepted} events accepted, ${received.count} delivered`)
  }
  const peakRss = hub.peakRssMb()
  const peakByProcess = hub.peakRssByProcess()
  const disk = await engine.footprint(hub)
  await hub.stop()
  await sinkStats(sink, true)
  const [half, all] = samples
  return {
    events: plan.footprintEvents,
    complete: samples.every((s) => s.complete),
    samples,
    rss_mb: all.rss_mb,
    peak_rss_mb: peakRss,
    peak_rss_mb_by_process: peakByProcess,
    // RSS at all events over RSS at half of them: 1.0 is flat.
    rss_growth: ratio(all.rss_mb, half.rss_mb),
    disk,
    bytes_per_event: disk.events > 0 ? round(disk.bytes / disk.events, 0) : null,
  }
}
