import { useState } from 'preact/hooks'
import { api, type Endpoint, type EndpointStats, type Page as ListPage } from '../api.ts'
import { useLive, useThrottled } from '../use-live.ts'
import { useLoad } from '../use-load.ts'
import { EndpointRow } from './EndpointRow.tsx'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Page } from './Page.tsx'

const PAGE_SIZE = 100

export function Endpoints () {
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  // The endpoint list and their health page alike (ordered by id), so one cursor serves both.
  const loaded = useLoad(async () => {
    const query = { limit: PAGE_SIZE, cursor }
    const [endpoints, stats] = await Promise.all([
      api<ListPage<Endpoint>>('/api/v1/endpoints', { query }),
      api<ListPage<EndpointStats>>('/api/v1/stats/endpoints', { query }),
    ])
    return { endpoints, stats: new Map(stats.data.map((s) => [s.endpoint_id, s])) }
  }, [cursor])
  const refresh = useThrottled(loaded.reload, 2000)
  const mode = useLive({ poll: loaded.reload, onDelivery: refresh })
  const data = loaded.data

  return (
    <Page title="Endpoints" live={mode}>
      <ErrorNotice error={loaded.error} />
      {data && (data.endpoints.data.length === 0
        ? <p class="empty">No endpoints yet. Create one with <code>POST /api/v1/endpoints</code> or through a dialect.</p>
        : (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Endpoints">
            <table>
              <caption class="visually-hidden">Endpoints with their health over 24 hours</caption>
              <thead>
                <tr>
                  <th scope="col">Endpoint</th><th scope="col">State</th><th scope="col">Circuit</th>
                  <th scope="col">Backlog</th><th scope="col">Success, 24 h</th><th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {data.endpoints.data.map((e) => <EndpointRow key={e.id} endpoint={e} stats={data.stats.get(e.id)} onChanged={loaded.reload} />)}
              </tbody>
            </table>
          </div>
          ))}
      <div class="pager">
        {cursor && <button type="button" class="secondary" onClick={() => setCursor(undefined)}>First page</button>}
        {data?.endpoints.next_cursor && <button type="button" class="secondary" onClick={() => setCursor(data.endpoints.next_cursor!)}>Next page</button>}
      </div>
    </Page>
  )
}
