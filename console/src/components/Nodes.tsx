import { useState } from 'preact/hooks'
import { api, type Page as ListPage, type RootNode } from '../api.ts'
import { useLoad } from '../use-load.ts'
import { ErrorNotice } from './ErrorNotice.tsx'
import { NodeItem } from './NodeItem.tsx'
import { Page } from './Page.tsx'

/** Brokerstr's tenant tree (Apex → Account → SubAccount) with each node's distributors. */
export function Nodes () {
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const roots = useLoad(() => api<ListPage<RootNode>>('/api/v1/stats/nodes', { query: { limit: 100, cursor } }), [cursor])
  return (
    <Page title="Nodes and distributors (Brokerstr)">
      <ErrorNotice error={roots.error} />
      {roots.data && (roots.data.data.length === 0
        ? <p class="empty">No nodes yet. Create an Apex with <code>POST /api/v1/integration/nodes</code>.</p>
        : <ul class="tree" aria-label="Node tree">{roots.data.data.map((n) => <NodeItem key={n.id} node={n} />)}</ul>)}
      <div class="pager">
        {cursor && <button type="button" class="secondary" onClick={() => setCursor(undefined)}>First page</button>}
        {roots.data?.next_cursor && <button type="button" class="secondary" onClick={() => setCursor(roots.data!.next_cursor!)}>Next page</button>}
      </div>
    </Page>
  )
}
