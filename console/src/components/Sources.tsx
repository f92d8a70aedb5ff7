import { useState } from 'preact/hooks'
import { api, type Page as ListPage, type Source } from '../api.ts'
import { useLoad } from '../use-load.ts'
import { CopyButton } from './CopyButton.tsx'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Page } from './Page.tsx'
import { ResourceTable } from './ResourceTable.tsx'
import { Status } from './Status.tsx'
import { Time } from './Time.tsx'

/** Inbound sources: where senders post, and when they last did. */
export function Sources () {
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const sources = useLoad(() => api<ListPage<Source>>('/api/v1/sources', { query: { limit: 100, cursor } }), [cursor])
  return (
    <Page title="Sources">
      <ErrorNotice error={sources.error} />
      {sources.data && (
        <ResourceTable
          caption="Inbound sources"
          rows={sources.data.data}
          rowKey={(s) => s.id}
          empty="No inbound sources yet."
          columns={[
            { label: 'Name', cell: (s) => <>{s.name}<br /><code>{s.id}</code>{s.owner && <small> · {s.owner.dialect}</small>}</> },
            { label: 'Verification', cell: (s) => s.verify },
            { label: 'Inbound URL', cell: (s) => <><code class="url">{s.inbound_url}</code> <CopyButton text={s.inbound_url} label={`Copy the inbound URL of ${s.name}`} /></> },
            { label: 'State', cell: (s) => <Status value={s.enabled ? 'enabled' : 'disabled'} /> },
            { label: 'Last received', cell: (s) => (s.last_received_at ? <Time at={s.last_received_at} /> : 'never') },
          ]}
        />
      )}
      <div class="pager">
        {cursor && <button type="button" class="secondary" onClick={() => setCursor(undefined)}>First page</button>}
        {sources.data?.next_cursor && <button type="button" class="secondary" onClick={() => setCursor(sources.data!.next_cursor!)}>Next page</button>}
      </div>
    </Page>
  )
}
