import { api, type IntegrationPoint } from '../api.ts'
import { useLoad } from '../use-load.ts'
import { CopyButton } from './CopyButton.tsx'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Page } from './Page.tsx'
import { ResourceTable } from './ResourceTable.tsx'

const LIMIT = 1000

/** Incoplax's two-way channels: the inbound URL of each and where it delivers. */
export function IntegrationPoints () {
  const points = useLoad(() => api<IntegrationPoint[]>('/rest/v1/service/integration_points', {
    query: { limit: LIMIT, mask: 'id,code,type,url,token_local', order: '["code"]' },
  }), [])
  const inbound = (p: IntegrationPoint) => `${location.origin}/hooks/${p.token_local}`
  return (
    <Page title="Integration points (Incoplax)">
      <ErrorNotice error={points.error} />
      {points.data && (
        <>
          <ResourceTable
            caption="Integration points"
            rows={points.data}
            rowKey={(p) => p.id}
            empty="No integration points yet."
            columns={[
              { label: 'Code', cell: (p) => <>{p.code}<br /><code>{p.id}</code></> },
              { label: 'Type', cell: (p) => p.type },
              { label: 'Inbound URL', cell: (p) => <><code class="url">{inbound(p)}</code> <CopyButton text={inbound(p)} label={`Copy the inbound URL of ${p.code}`} /></> },
              { label: 'Delivers to', cell: (p) => (p.url ? <code class="url">{p.url}</code> : '–') },
            ]}
          />
          {points.data.length === LIMIT && <p class="muted">Showing the first {LIMIT} by code.</p>}
        </>
      )}
    </Page>
  )
}
