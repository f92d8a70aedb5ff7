import { useEffect, useState } from 'preact/hooks'
import { api, type HubEvent, type Page as ListPage } from '../api.ts'
import { navigate } from '../router.ts'
import { useLive } from '../use-live.ts'
import { useLoad } from '../use-load.ts'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Link } from './Link.tsx'
import { Page } from './Page.tsx'
import { ResourceTable } from './ResourceTable.tsx'
import { Time } from './Time.tsx'

const PAGE_SIZE = 100
const FIELDS = ['type', 'since', 'until'] as const

/** Events, newest first: search by type and time, or jump to one by id. */
export function Events ({ query }: { query: URLSearchParams }) {
  const filters = { type: query.get('type') ?? '', since: query.get('since') ?? '24h', until: query.get('until') ?? '' }
  const key = JSON.stringify(filters)
  const [rows, setRows] = useState<HubEvent[]>([])
  const [shown, setShown] = useState(PAGE_SIZE)
  const loaded = useLoad(() => api<ListPage<HubEvent>>('/api/v1/events', { query: { ...filters, limit: Math.min(shown, 500) } }), [key, shown])
  useEffect(() => { if (loaded.data) setRows(loaded.data.data) }, [loaded.data])

  const mode = useLive({
    poll: loaded.reload,
    // A new event belongs at the top, which is always shown.
    onEvent: (m) => {
      if (filters.until || (filters.type && filters.type !== m.type)) return
      setRows((current) => (current.some((e) => e.id === m.id)
        ? current
        : [{ id: m.id, type: m.type, source: m.source, node_id: m.node_id, channel: m.channel, received_at: m.created_at }, ...current]))
    },
  }, { type: filters.type })

  const search = (e: Event) => {
    e.preventDefault()
    const form = new FormData(e.target as HTMLFormElement)
    const id = String(form.get('id') ?? '').trim()
    if (id) return navigate(`/events/${encodeURIComponent(id)}`)
    const params = new URLSearchParams()
    for (const name of FIELDS) {
      const value = String(form.get(name) ?? '').trim()
      if (value !== '' || name === 'since') params.set(name, value)
    }
    setShown(PAGE_SIZE)
    navigate(`/events?${params}`, { replace: true })
  }

  return (
    <Page title="Events" live={mode}>
      <form class="filters" onSubmit={search} key={key} aria-describedby="event-search-help">
        <div>
          <label for="e-id">Event id</label>
          <input id="e-id" name="id" placeholder="evt_…" />
        </div>
        <div>
          <label for="e-type">Type</label>
          <input id="e-type" name="type" defaultValue={filters.type} placeholder="order.created" />
        </div>
        <div>
          <label for="e-since">Since</label>
          <input id="e-since" name="since" defaultValue={filters.since} placeholder="24h" />
        </div>
        <div>
          <label for="e-until">Until</label>
          <input id="e-until" name="until" defaultValue={filters.until} placeholder="now" />
        </div>
        <button type="submit">Search</button>
        <p id="event-search-help" class="muted">Times are RFC 3339 (2026-01-02T03:04:05Z) or a duration back from now (30m, 2h, 7d). An id opens that event.</p>
      </form>
      <ErrorNotice error={loaded.error} />
      {loaded.data && (
        <ResourceTable
          caption="Events"
          rows={rows}
          rowKey={(e) => e.id}
          empty="No events match."
          columns={[
            { label: 'Event', cell: (e) => <Link href={`/events/${e.id}`}>{e.id}</Link> },
            { label: 'Type', cell: (e) => <code>{e.type}</code> },
            { label: 'Source', cell: (e) => e.source },
            { label: 'Scope', cell: (e) => [e.node_id && `node ${e.node_id}`, e.channel && `channel ${e.channel}`].filter(Boolean).join(', ') || '–' },
            { label: 'Received', cell: (e) => <Time at={e.received_at} /> },
          ]}
        />
      )}
      {loaded.data?.next_cursor && shown < 500 && (
        <div class="pager"><button type="button" class="secondary" onClick={() => setShown(shown + PAGE_SIZE)}>Show more</button></div>
      )}
    </Page>
  )
}
