// 1. baseline: the physical ceilings on this machine, each its own bare server (bench/servers/).
import path from 'node:path'
import { startChild } from '../children.ts'
import { load, type Row } from '../figures.ts'
import { sinkStats } from '../sink.ts'
import { step, type Bench } from '../plan.ts'

export async function baseline (bench: Bench): Promise<{ sink: Row, relay: Row, ingest: Row, ingest_fastify: Row }> {
  const { sink, lifetimeMs, plan, engine } = bench
  const pg = engine.name === 'postgres' ? '_PG' : ''
  step(`baseline: SINK, RELAY, INGEST${pg}, INGEST${pg}_FASTIFY, ${plan.loadSeconds} s each`)
  // RELAY and INGEST start fresh, so their VmHWM is this scenario's peak; SINK's is read right
  // after its own load, before it serves as the receiver of later scenarios.
  const sinkRow = await load(bench, sink, '/baseline')
  await sinkStats(sink, true)
  const relay = await startChild('RELAY', ['--import', 'tsx', 'bench/servers/relay.ts'], { SINK_URL: sink.url, RELAY_CONNECTIONS: String(bench.connections) }, lifetimeMs)
  const relayRow = await load(bench, relay, '/relay')
  await relay.stop()
  const ingestRow = await loadIngest(bench, 'INGEST', {})
  // The same insert behind Fastify: the framework's own share of the ceiling.
  const fastifyRow = await loadIngest(bench, 'INGEST_FASTIFY', { INGEST_FRAMEWORK: 'fastify' })
  await sinkStats(sink, true)
  return { sink: sinkRow, relay: relayRow, ingest: ingestRow, ingest_fastify: fastifyRow }
}

async function loadIngest (bench: Bench, name: string, env: Record<string, string>): Promise<Row> {
  const server = await startChild(name, ['--import', 'tsx', path.join('bench', 'servers', 'ingest.ts')],
    { ...await bench.engine.ingestEnv(name.toLowerCase()), ...env }, bench.lifetimeMs)
  const row = await load(bench, server, '/events')
  await server.stop()
  return row
}
