// 2. ingest: acknowledged events/s through the native API and through an inbound Kanboard hook,
// each on a fresh hub whose worker delivers to SINK meanwhile, as in production. Each kind of
// event matches one endpoint, so both paths store one event and one delivery per request. Then
// the native API once more with that endpoint paused: the same rows stored, nothing sent, so
// the figure is what ingest costs by itself.
import { load, type Row } from '../figures.ts'
import { AUTH, addKanboardSource, startHub } from '../hub.ts'
import { kanboardBody } from '../load.ts'
import { sinkStats } from '../sink.ts'
import { step, type Bench } from '../plan.ts'

export async function ingest (bench: Bench): Promise<{ events: Row, hooks: Row, undelivered: Row }> {
  const { engine, sink, lifetimeMs, plan } = bench
  const eventsHub = await startHub(engine, 'hookhub-ingest', lifetimeMs, { sinkUrl: sink.url })
  step(`ingest: hookhub POST /api/v1/events, ${plan.loadSeconds} s`)
  const events = await load(bench, eventsHub, '/api/v1/events', { headers: AUTH })
  await eventsHub.stop()
  await sinkStats(sink, true)

  // Kanboard's event type is its event_name (task.create here).
  const hooksHub = await startHub(engine, 'hookhub-hooks', lifetimeMs, { sinkUrl: sink.url, types: ['task.*'] })
  const hookPath = await addKanboardSource(hooksHub)
  step(`ingest: hookhub POST /hooks/<token> (Kanboard), ${plan.loadSeconds} s`)
  const hooks = await load(bench, hooksHub, hookPath, { body: kanboardBody() })
  await hooksHub.stop()
  await sinkStats(sink, true)

  const pausedHub = await startHub(engine, 'hookhub-ingest-paused', lifetimeMs, { sinkUrl: sink.url, paused: true })
  step(`ingest: hookhub POST /api/v1/events, endpoint paused, ${plan.loadSeconds} s`)
  const undelivered = await load(bench, pausedHub, '/api/v1/events', { headers: AUTH })
  await pausedHub.stop()
  return { events, hooks, undelivered }
}
