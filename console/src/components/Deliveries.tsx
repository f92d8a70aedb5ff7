import { useEffect, useState } from 'preact/hooks'
import { api, DELIVERY_STATUSES, type Delivery, type Page as ListPage } from '../api.ts'
import { navigate } from '../router.ts'
import type { DeliveryMessage } from '../stream.ts'
import { useLive } from '../use-live.ts'
import { useLoad } from '../use-load.ts'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Link } from './Link.tsx'
import { Page } from './Page.tsx'
import { ResourceTable } from './ResourceTable.tsx'
import { Status } from './Status.tsx'
import { NextAttempt, Time } from './Time.tsx'

const PAGE_SIZE = 100
const WINDOWS = [['15m', 'last 15 minutes'], ['1h', 'last hour'], ['24h', 'last 24 hours'], ['7d', 'last 7 days'], ['', 'any time']]

/** A stream message as a row of the log. */
const fromMessage = (m: DeliveryMessage, previous?: Delivery): Delivery => ({
  id: m.id,
  event_id: m.event_id,
  endpoint_id: m.endpoint_id,
  status: m.status,
  attempt_count: m.attempt,
  next_attempt_at: m.next_attempt_at,
  circuit_open_until: m.circuit_open_until,
  last_status_code: m.status_code ?? previous?.last_status_code ?? null,
  created_at: previous?.created_at ?? m.at,
  updated_at: m.at,
})

/** The delivery log, newest first, filtered by endpoint, status and time; live while shown. */
export function Deliveries ({ query }: { query: URLSearchParams }) {
  const filters = {
    endpoint_id: query.get('endpoint_id') ?? '',
    status: query.get('status') ?? '',
    since: query.get('since') ?? '24h',
  }
  const key = JSON.stringify(filters)
  const [rows, setRows] = useState<Delivery[]>([])
  const [shown, setShown] = useState(PAGE_SIZE)
  // Polling reloads everything shown so far, so that rows already listed change state too.
  const loaded = useLoad(() => api<ListPage<Delivery>>('/api/v1/deliveries', { query: { ...filters, limit: Math.min(shown, 500) } }), [key, shown])
  useEffect(() => { if (loaded.data) setRows(loaded.data.data) }, [loaded.data])

  const mode = useLive({
    poll: loaded.reload,
    onDelivery: (m) => setRows((current) => {
      const i = current.findIndex((d) => d.id === m.id)
      if (i !== -1) return current.map((d, j) => (j === i ? fromMessage(m, d) : d))
      // A new delivery belongs at the top of the log, which is always shown.
      if (filters.status && filters.status !== m.status) return current
      return [fromMessage(m), ...current]
    }),
  }, { endpoint_id: filters.endpoint_id })

  const apply = (e: Event) => {
    e.preventDefault()
    const form = new FormData(e.target as HTMLFormElement)
    const params = new URLSearchParams()
    for (const name of ['endpoint_id', 'status', 'since']) {
      const value = String(form.get(name) ?? '').trim()
      if (value !== '' || name === 'since') params.set(name, value)
    }
    setShown(PAGE_SIZE)
    navigate(`/deliveries?${params}`, { replace: true })
  }

  return (
    <Page title="Deliveries" live={mode}>
      <form class="filters" onSubmit={apply} key={key}>
        <div>
          <label for="f-endpoint">Endpoint id</label>
          <input id="f-endpoint" name="endpoint_id" defaultValue={filters.endpoint_id} placeholder="ep_…" />
        </div>
        <div>
          <label for="f-status">Status</label>
          {/* Preact sets no defaultValue on a select; the options say which is selected. */}
          <select id="f-status" name="status">
            <option value="">any</option>
            {DELIVERY_STATUSES.map((s) => <option key={s} value={s} selected={s === filters.status}>{s}</option>)}
          </select>
        </div>
        <div>
          <label for="f-since">Created</label>
          <select id="f-since" name="since">
            {WINDOWS.map(([value, text]) => <option key={value} value={value} selected={value === filters.since}>{text}</option>)}
          </select>
        </div>
        <button type="submit">Filter</button>
      </form>
      <ErrorNotice error={loaded.error} />
      {loaded.data && (
        <ResourceTable
          caption="Deliveries"
          rows={rows}
          rowKey={(d) => d.id}
          empty="No deliveries match."
          columns={[
            { label: 'Delivery', cell: (d) => <Link href={`/deliveries/${d.id}`}>{d.id}</Link> },
            { label: 'Event', cell: (d) => <Link href={`/events/${d.event_id}`}>{d.event_id}</Link> },
            { label: 'Endpoint', cell: (d) => <code>{d.endpoint_id}</code> },
            { label: 'Status', cell: (d) => <Status value={d.status} /> },
            { label: 'Attempts', cell: (d) => d.attempt_count },
            { label: 'Last answer', cell: (d) => d.last_status_code ?? '–' },
            { label: 'Next attempt', cell: (d) => <NextAttempt delivery={d} /> },
            { label: 'Updated', cell: (d) => <Time at={d.updated_at} /> },
          ]}
        />
      )}
      {loaded.data?.next_cursor && shown < 500 && (
        <div class="pager"><button type="button" class="secondary" onClick={() => setShown(shown + PAGE_SIZE)}>Show more</button></div>
      )}
    </Page>
  )
}
