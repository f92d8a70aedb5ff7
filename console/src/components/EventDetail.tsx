import { api, type Delivery, type HubEvent } from '../api.ts'
import { json } from '../format.ts'
import { useLive } from '../use-live.ts'
import { useLoad } from '../use-load.ts'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Link } from './Link.tsx'
import { Page } from './Page.tsx'
import { ResourceTable } from './ResourceTable.tsx'
import { Status } from './Status.tsx'
import { Time } from './Time.tsx'

/** One event: its payload and the endpoints it went to. */
export function EventDetail ({ id }: { id: string }) {
  const event = useLoad(() => api<HubEvent & { deliveries: Delivery[] }>(`/api/v1/events/${encodeURIComponent(id)}`), [id])
  const mode = useLive({ poll: event.reload, onDelivery: (m) => { if (m.event_id === id) void event.reload() } })
  const e = event.data
  return (
    <Page title={`Event ${id}`} live={mode}>
      <p><Link href="/events">← All events</Link></p>
      <ErrorNotice error={event.error} />
      {e && (
        <>
          <dl class="facts">
            <dt>Type</dt><dd><code>{e.type}</code></dd>
            <dt>Source</dt><dd>{e.source}</dd>
            <dt>Node</dt><dd>{e.node_id ?? '–'}</dd>
            <dt>Channel</dt><dd>{e.channel ?? '–'}</dd>
            <dt>Received</dt><dd><Time at={e.received_at} /></dd>
          </dl>
          <h2>Payload</h2>
          <pre class="body" tabIndex={0} aria-label="Payload">{json(e.payload)}</pre>
          <h2>Delivered to</h2>
          <ResourceTable
            caption="Deliveries of this event"
            rows={e.deliveries}
            rowKey={(d) => d.id}
            empty="No endpoint's filter matched this event."
            columns={[
              { label: 'Endpoint', cell: (d) => <code>{d.endpoint_id}</code> },
              { label: 'Status', cell: (d) => <Status value={d.status} /> },
              { label: 'Attempts', cell: (d) => d.attempt_count },
              { label: 'Last answer', cell: (d) => d.last_status_code ?? '–' },
              { label: 'Delivery', cell: (d) => <Link href={`/deliveries/${d.id}`}>{d.id}</Link> },
            ]}
          />
        </>
      )}
    </Page>
  )
}
