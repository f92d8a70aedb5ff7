import { useState } from 'preact/hooks'
import { api, FINISHED, type DeliveryDetail as Detail } from '../api.ts'
import { json } from '../format.ts'
import { useLive } from '../use-live.ts'
import { useLoad } from '../use-load.ts'
import { AttemptView } from './AttemptView.tsx'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Link } from './Link.tsx'
import { Page } from './Page.tsx'
import { Status } from './Status.tsx'
import { NextAttempt, Time } from './Time.tsx'

/** One delivery with every attempt, and the Retry button. */
export function DeliveryDetail ({ id }: { id: string }) {
  const detail = useLoad(() => api<Detail>(`/api/v1/deliveries/${encodeURIComponent(id)}`), [id])
  const [retrying, setRetrying] = useState(false)
  const [retryError, setRetryError] = useState<Error | null>(null)
  const d = detail.data
  const mode = useLive({
    poll: detail.reload,
    onDelivery: (m) => { if (m.id === id) void detail.reload() },
  }, { endpoint_id: d?.endpoint_id })

  const retry = async () => {
    setRetrying(true)
    setRetryError(null)
    try {
      await api(`/api/v1/deliveries/${encodeURIComponent(id)}/retry`, { method: 'POST' })
      await detail.reload()
    } catch (err) {
      setRetryError(err as Error)
    } finally {
      setRetrying(false)
    }
  }

  const canRetry = d !== undefined && FINISHED.includes(d.status)
  return (
    <Page title={`Delivery ${id}`} live={mode}>
      <p><Link href="/deliveries">← All deliveries</Link></p>
      <ErrorNotice error={detail.error} />
      {d && (
        <>
          <dl class="facts">
            <dt>Status</dt><dd data-testid="delivery-status"><Status value={d.status} /></dd>
            <dt>Event</dt><dd><Link href={`/events/${d.event_id}`}>{d.event_id}</Link></dd>
            <dt>Endpoint</dt><dd><Link href={`/deliveries?endpoint_id=${encodeURIComponent(d.endpoint_id)}`}>{d.endpoint_id}</Link></dd>
            <dt>Attempts</dt><dd>{d.attempt_count}</dd>
            <dt>Last answer</dt><dd>{d.last_status_code ?? '–'}</dd>
            <dt>Next attempt</dt><dd><NextAttempt delivery={d} /></dd>
            <dt>Created</dt><dd><Time at={d.created_at} /></dd>
          </dl>
          <p>
            <button type="button" onClick={retry} disabled={!canRetry || retrying} aria-describedby="retry-help">
              {retrying ? 'Retrying…' : 'Retry'}
            </button>
            <small id="retry-help"> {canRetry ? 'Sends this delivery once more, now.' : 'Possible once the delivery has finished.'}</small>
          </p>
          <ErrorNotice error={retryError} />
          <h2>Attempts</h2>
          {d.attempts.length === 0
            ? <p class="empty">No attempt yet.</p>
            : <ol class="attempts">{d.attempts.map((a, i) => <AttemptView key={a.id} attempt={a} number={i + 1} open={i === d.attempts.length - 1} requestBody={json(d.payload)} />)}</ol>}
        </>
      )}
    </Page>
  )
}
