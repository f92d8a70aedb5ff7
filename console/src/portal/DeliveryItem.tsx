import { useEffect, useRef, useState } from 'preact/hooks'
import { api, FINISHED, type Delivery, type DeliveryDetail } from '../api.ts'
import { json } from '../format.ts'
import { AttemptView } from '../components/AttemptView.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Status } from '../components/Status.tsx'
import { Time } from '../components/Time.tsx'
import { portalError } from './errors.ts'

/** One line of the delivery log; opened, its attempts with their bodies, and Retry. */
export function DeliveryItem ({ delivery: d, onChanged }: { delivery: Delivery; onChanged: () => unknown }) {
  const [detail, setDetail] = useState<DeliveryDetail | null>(null)
  const [error, setError] = useState<Error | null>(null)
  const [busy, setBusy] = useState(false)
  const path = `/api/v1/deliveries/${encodeURIComponent(d.id)}`
  const open = useRef(false)
  const load = async () => {
    try {
      setDetail(await api<DeliveryDetail>(path))
    } catch (err) {
      setError(err as Error)
    }
  }
  const toggle = (ev: Event) => {
    open.current = (ev.target as HTMLDetailsElement).open
    if (open.current) void load()
  }
  // Read again, while open, whenever the log shows the delivery changed.
  useEffect(() => { if (open.current) void load() }, [d.updated_at, d.attempt_count, d.status])

  const retry = async () => {
    setBusy(true)
    setError(null)
    try {
      await api(`${path}/retry`, { method: 'POST' })
      await onChanged()
      await load()
    } catch (err) {
      setError(portalError(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <li data-delivery={d.id}>
      <details onToggle={toggle}>
        <summary>
          <Status value={d.status} /> {detail?.event_type ?? 'Delivery'} · <Time at={d.created_at} /> · {d.attempt_count} attempt{d.attempt_count === 1 ? '' : 's'}
          {d.last_status_code !== null && <> · HTTP {d.last_status_code}</>}
        </summary>
        <p><code>{d.id}</code></p>
        <p>
          <button type="button" class="small" onClick={retry} disabled={busy || !FINISHED.includes(d.status)}>{busy ? 'Retrying…' : 'Retry'}</button>
          <small> {FINISHED.includes(d.status) ? 'Sends it once more, now.' : 'Possible once it has finished.'}</small>
        </p>
        <ErrorNotice error={error} />
        {detail && (detail.attempts.length === 0
          ? <p class="empty">No attempt yet.</p>
          : <ol class="attempts">{detail.attempts.map((a, i) => <AttemptView key={a.id} attempt={a} number={i + 1} open={i === detail.attempts.length - 1} requestBody={json(detail.payload)} />)}</ol>)}
      </details>
    </li>
  )
}
