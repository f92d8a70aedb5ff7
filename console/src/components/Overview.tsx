import { api, type Overview as OverviewData } from '../api.ts'
import { percent } from '../format.ts'
import { useLive, useThrottled } from '../use-live.ts'
import { useLoad } from '../use-load.ts'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Link } from './Link.tsx'
import { Page } from './Page.tsx'
import { ResourceTable } from './ResourceTable.tsx'
import { Sparkline } from './Sparkline.tsx'
import { Status } from './Status.tsx'
import { Time } from './Time.tsx'

export function Overview () {
  const overview = useLoad(() => api<OverviewData>('/api/v1/stats/overview'), [])
  const refresh = useThrottled(overview.reload)
  const mode = useLive({ poll: overview.reload, onEvent: refresh, onDelivery: refresh })
  const o = overview.data
  const minutes = o?.events_per_minute ?? null
  // The current minute is still filling up; the rate is read from the last complete one.
  const lastMinute = minutes ? minutes[minutes.length - 2]?.count ?? 0 : null
  const hourTotal = minutes?.reduce((sum, m) => sum + m.count, 0) ?? null

  return (
    <Page title="Overview" live={mode}>
      <ErrorNotice error={overview.error} />
      {o && (
        <>
          <ul class="cards">
            <li class="card">
              <h2>Events per minute</h2>
              {minutes === null
                ? <p class="muted">Needs the events.view permission.</p>
                : (
                  <>
                    <p class="figure" data-testid="events-per-minute">{lastMinute}</p>
                    <p class="muted">{hourTotal} in the last hour</p>
                    <Sparkline values={minutes.map((m) => m.count)} label={`Events per minute over the last hour, ${hourTotal} in total`} />
                  </>
                  )}
            </li>
            <li class="card">
              <h2>Success rate</h2>
              <p class="figure" data-testid="success-rate">{percent(o.success_rate_last_hour)}</p>
              <p class="muted">{o.attempts_last_hour.succeeded} of {o.attempts_last_hour.total} attempts in the last hour answered 2xx</p>
            </li>
            <li class="card">
              <h2>Backlog</h2>
              <p class="figure" data-testid="backlog">{o.backlog}</p>
              <p class="muted"><Link href="/deliveries?status=pending">deliveries waiting or in flight</Link></p>
            </li>
          </ul>
          <h2>Failing endpoints</h2>
          <ResourceTable
            caption="Failing endpoints"
            rows={o.failing_endpoints}
            rowKey={(e) => e.id}
            empty="No endpoint is failing."
            columns={[
              { label: 'Endpoint', cell: (e) => <><span class="url">{e.url}</span><br /><code>{e.id}</code></> },
              { label: 'State', cell: (e) => (e.enabled ? <Status value={e.circuit} /> : <><Status value="disabled" /> {e.disabled_reason}</>) },
              { label: 'Failures in a row', cell: (e) => e.consecutive_failures },
              { label: 'Failing since', cell: (e) => <Time at={e.failing_since} /> },
              { label: 'Deliveries', cell: (e) => <Link href={`/deliveries?endpoint_id=${encodeURIComponent(e.id)}&status=failed`}>Failed deliveries</Link> },
            ]}
          />
        </>
      )}
    </Page>
  )
}
