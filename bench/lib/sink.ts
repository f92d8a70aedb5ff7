// Reading SINK's counters (bench/servers/sink.ts) from the runner.
import type { Child } from './children.ts'

export interface SinkStats { count: number, first_at: number, last_at: number, paths: number, latencies_ms: number[] }

export async function sinkStats (sink: Child, reset = false): Promise<SinkStats> {
  const res = await fetch(`${sink.url}/stats${reset ? '?reset=1' : ''}`)
  return await res.json() as SinkStats
}

/** Polls SINK until `done(stats)`, for at most `timeoutS`. */
export async function waitForSink (sink: Child, done: (stats: SinkStats) => boolean, timeoutS: number): Promise<SinkStats> {
  const deadline = Date.now() + timeoutS * 1000
  for (;;) {
    const stats = await sinkStats(sink)
    if (done(stats) || Date.now() > deadline) return stats
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
