// 6. filters (issue 18): publishing to endpoints with payload filters, half of which match each
// event, against the same publish with type-only filters that let the same half through: the
// same rows are stored either way, so the ratio of the two rates is what evaluating payload
// filters costs. The endpoints are paused (nothing is sent), as in ingest's paused figure.
import { load, type Row } from '../figures.ts'
import { AUTH, addEndpoint, startHub } from '../hub.ts'
import { step, type Bench } from '../plan.ts'

/** Matches eventBody(): every condition holds, so each one is evaluated. */
const matching = (i: number) => ({
  currency: { $in: ['EUR', 'USD'] },
  total: { $gte: i },
  customer: { email: { $endsWith: '@example.com' } },
  items: { sku: { $startsWith: 'SKU-1' }, quantity: { $gte: 2 } },
})
/** The same, failing on its last condition only. */
const missing = (i: number) => ({ ...matching(i), shipping: { country: { $in: ['FR', 'NL'] } } })

async function publishTo (bench: Bench, name: string, filterOf: (i: number) => { types: string[], payload?: unknown }): Promise<Row> {
  const { engine, sink, lifetimeMs, plan } = bench
  const hub = await startHub(engine, name, lifetimeMs)
  for (let i = 0; i < plan.filterEndpoints; i++) {
    const { types, payload } = filterOf(i)
    await addEndpoint(hub, `${sink.url}/filters/${i}`, types, true, {}, payload)
  }
  step(`filters: ${name}, ${plan.filterEndpoints} paused endpoints, half matching, ${plan.loadSeconds} s`)
  const row = await load(bench, hub, '/api/v1/events', { headers: AUTH })
  await hub.stop()
  return row
}

export async function filters (bench: Bench) {
  const payload = await publishTo(bench, 'hookhub-filters-payload', (i) => ({ types: ['bench.*'], payload: i % 2 === 0 ? matching(i) : missing(i) }))
  const typeOnly = await publishTo(bench, 'hookhub-filters-types', (i) => ({ types: [i % 2 === 0 ? 'bench.*' : 'other.*'] }))
  return { endpoints: bench.plan.filterEndpoints, matching: bench.plan.filterEndpoints / 2, payload_filters: payload, type_only: typeOnly }
}
