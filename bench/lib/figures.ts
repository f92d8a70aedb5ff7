// Rounding, ratios and latency percentiles as the report shows them.
import { closedLoop, percentile, type LoadFigures } from './load.ts'
import type { Bench } from './plan.ts'

export type Row = LoadFigures & { peak_rss_mb: number }

export function round (value: number, digits = 2) {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

/** a / b to three places; null when either side is missing, so a missing figure never passes a target. */
export function ratio (a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 || !Number.isFinite(a / b) ? null : round(a / b, 3)
}

export interface Latency { p50_ms: number | null, p90_ms: number | null, p99_ms: number | null, max_ms: number | null }

/**
 * Percentiles of publish → receipt latencies over everything `expected`: samples not received
 * within the wait count as slower than any received one (null: beyond the wait), so a hub that
 * falls behind cannot look fast by what it did deliver.
 */
export function latencies (received: number[], expected: number): Latency {
  const all = [...received, ...Array<number>(Math.max(0, expected - received.length)).fill(Infinity)]
  const at = (p: number) => {
    const value = percentile(all, p)
    return Number.isFinite(value) ? round(value) : null
  }
  return { p50_ms: at(50), p90_ms: at(90), p99_ms: at(99), max_ms: at(100) }
}

/** Closed-loop load on one server for the plan's duration (within the budget), with its peak RSS. */
export async function load (
  bench: Bench, server: { url: string, peakRssMb (): number }, urlPath: string, options: { headers?: Record<string, string>, body?: string } = {},
): Promise<Row> {
  const figures = await closedLoop({ url: server.url + urlPath, ...options, connections: bench.connections, duration: Math.round(bench.budget.seconds(bench.plan.loadSeconds)) })
  return { ...figures, peak_rss_mb: server.peakRssMb() }
}
