import { api, type Integration, type LaravelPage } from '../api.ts'
import { navigate } from '../router.ts'
import { useLoad } from '../use-load.ts'
import { CopyButton } from './CopyButton.tsx'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Page } from './Page.tsx'
import { ResourceTable } from './ResourceTable.tsx'
import { Status } from './Status.tsx'

/** CyberCert's registry of connections (GET /api/v1/integrations), newest first. */
export function Integrations ({ query }: { query: URLSearchParams }) {
  const page = Math.max(1, Number(query.get('page')) || 1)
  const list = useLoad(() => api<LaravelPage<Integration>>('/api/v1/integrations', { query: { page, per_page: 25 } }), [page])
  const go = (to: number) => navigate(`/integrations?page=${to}`)
  const data = list.data
  return (
    <Page title="Integrations (CyberCert)">
      <ErrorNotice error={list.error} />
      {data && (
        <>
          <ResourceTable
            caption="Integrations"
            rows={data.data}
            rowKey={(i) => i.id}
            empty="No integrations yet."
            columns={[
              { label: 'Name', cell: (i) => <>{i.name}<br /><code>{i.id}</code></> },
              { label: 'Type', cell: (i) => i.type },
              { label: 'Provider', cell: (i) => i.provider ?? '–' },
              { label: 'Status', cell: (i) => <><Status value={i.status} /> {!i.is_active && <small>inactive</small>}</> },
              { label: 'Inbound URL', cell: (i) => (i.inbound_url ? <><code class="url">{i.inbound_url}</code> <CopyButton text={i.inbound_url} label={`Copy the inbound URL of ${i.name}`} /></> : '–') },
            ]}
          />
          <nav class="pager" aria-label="Pages of integrations">
            <button type="button" class="secondary" disabled={page <= 1} onClick={() => go(page - 1)}>Previous</button>
            <span>Page {data.current_page} of {Math.max(1, data.last_page)} · {data.total} in total</span>
            <button type="button" class="secondary" disabled={page >= data.last_page} onClick={() => go(page + 1)}>Next</button>
          </nav>
        </>
      )}
    </Page>
  )
}
