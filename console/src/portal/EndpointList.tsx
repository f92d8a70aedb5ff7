import { api, type Endpoint, type EndpointHealth, type Page as ListPage } from '../api.ts'
import { percent } from '../format.ts'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Page } from '../components/Page.tsx'
import { Status } from '../components/Status.tsx'
import { useLoad } from '../use-load.ts'
import type { View } from './PortalApp.tsx'
import { usePolling } from './use-polling.ts'

export const endpointState = (e: Endpoint) => (!e.enabled ? 'disabled' : e.paused ? 'paused' : 'enabled')

/** The tenant's endpoints, each with its state, circuit and success rate. */
export function EndpointList ({ go }: { go: (view: View) => void }) {
  const loaded = useLoad(async () => {
    const endpoints = await api<ListPage<Endpoint>>('/api/v1/endpoints', { query: { limit: 100 } })
    const health = await Promise.all(endpoints.data.map((e) => api<EndpointHealth>(`/api/v1/endpoints/${encodeURIComponent(e.id)}/health`)))
    return endpoints.data.map((endpoint, i) => ({ endpoint, health: health[i] }))
  }, [])
  usePolling(loaded.reload)

  return (
    <Page title="Webhook endpoints">
      <p><button type="button" onClick={() => go({ kind: 'new' })}>Add endpoint</button></p>
      <ErrorNotice error={loaded.error} />
      {loaded.data?.length === 0 && <p class="empty">No endpoints yet. Add one to receive webhooks.</p>}
      <ul class="endpoint-cards">
        {loaded.data?.map(({ endpoint: e, health: h }) => (
          <li key={e.id} class="card" data-endpoint={e.id}>
            <p class="url"><strong>{e.url}</strong></p>
            <p>
              <Status value={endpointState(e)} /> <Status value={h.circuit.state} />
              {h.backlog > 0 && <small> {h.backlog} waiting</small>}
            </p>
            <p data-testid="success-rate">Success: {percent(h.success_rate.last_hour)} last hour · {percent(h.success_rate.last_day)} last day</p>
            <p class="muted">{e.filter.types.join(', ')}</p>
            <button type="button" class="secondary" onClick={() => go({ kind: 'endpoint', id: e.id })} aria-label={`Open ${e.url}`}>Open</button>
          </li>
        ))}
      </ul>
    </Page>
  )
}
