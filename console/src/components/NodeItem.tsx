import { useState } from 'preact/hooks'
import { api, type BrokerstrNode, type Distributor } from '../api.ts'
import { ErrorNotice } from './ErrorNotice.tsx'

const BASE = '/api/v1/integration'
const TYPES: Record<number, string> = { 1: 'Apex', 2: 'Account', 3: 'SubAccount' }
// Brokerstr lists at most 100 per page; a console view of more would need paging here too.
const PER_PAGE = 100

interface Opened {
  children: BrokerstrNode[]
  totalChildren: number
  distributors: Distributor[]
}

/** A node of the tree; opening it loads its children and distributors from the Brokerstr API. */
export function NodeItem ({ node }: { node: Pick<BrokerstrNode, 'id' | 'name' | 'type' | 'int_id' | 'path'> }) {
  const [opened, setOpened] = useState<Opened | null>(null)
  const [expanded, setExpanded] = useState(false)
  const [error, setError] = useState<Error | null>(null)

  const toggle = async () => {
    if (expanded) return setExpanded(false)
    setExpanded(true)
    try {
      const id = encodeURIComponent(node.id)
      const [children, distributors] = await Promise.all([
        api<{ nodes: BrokerstrNode[]; total: number }>(`${BASE}/nodes/${id}/children`, { query: { page: 1, per_page: PER_PAGE } }),
        api<{ distributors: Distributor[] }>(`${BASE}/distributors/nodes/${id}`, { query: { page: 1, per_page: PER_PAGE } }),
      ])
      setOpened({ children: children.nodes, totalChildren: children.total, distributors: distributors.distributors })
      setError(null)
    } catch (err) {
      setError(err as Error)
    }
  }

  const listId = `node-${node.id}`
  return (
    <li>
      <button type="button" class="tree-toggle" aria-expanded={expanded} aria-controls={listId} onClick={toggle}>
        <span class="caret" aria-hidden="true">{expanded ? '▾' : '▸'}</span> {node.name} <small>{TYPES[node.type] ?? `type ${node.type}`} · int_id {node.int_id} · path {node.path}</small>
      </button>
      {expanded && (
        <div id={listId} class="tree-body">
          <ErrorNotice error={error} />
          {opened === null && !error && <p class="muted">Loading…</p>}
          {opened && (
            <>
              <p class="muted">Node id <code>{node.id}</code></p>
              {opened.distributors.length === 0
                ? <p class="muted">No distributors.</p>
                : (
                  <ul class="distributors" aria-label={`Distributors of ${node.name}`}>
                    {opened.distributors.map((d) => (
                      <li key={d.id}>
                        Distributor <code>{d.id}</code>: {d.meta ? <code class="url">{d.meta.method} {d.meta.host}{d.meta.path}</code> : 'no webhook'}
                      </li>
                    ))}
                  </ul>
                  )}
              {opened.children.length > 0 && (
                <ul class="tree" aria-label={`Children of ${node.name}`}>
                  {opened.children.map((c) => <NodeItem key={c.id} node={c} />)}
                </ul>
              )}
              {opened.totalChildren > opened.children.length && <p class="muted">{opened.totalChildren - opened.children.length} more children not shown.</p>}
            </>
          )}
        </div>
      )}
    </li>
  )
}
