import { useState } from 'preact/hooks'
import { api, type Delivery, type Endpoint, type EndpointHealth, type Page as ListPage } from '../api.ts'
import { percent } from '../format.ts'
import { CopyButton } from '../components/CopyButton.tsx'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Page } from '../components/Page.tsx'
import { Status } from '../components/Status.tsx'
import { Time } from '../components/Time.tsx'
import { useLoad } from '../use-load.ts'
import { DeliveryItem } from './DeliveryItem.tsx'
import { endpointState } from './EndpointList.tsx'
import type { View } from './PortalApp.tsx'
import { portalError } from './errors.ts'
import { usePolling } from './use-polling.ts'

const LOG_SIZE = 100

type Notice = { kind: 'ok' | 'error'; text: string; secret?: string }

/** An hour ago, as a datetime-local input's value (local time, minutes). */
function anHourAgo (): string {
  const d = new Date(Date.now() - 3_600_000)
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
}

/** One endpoint: health, secret, test send, recovery and its delivery log, newest first. */
export function EndpointView ({ id, go }: { id: string; go: (view: View) => void }) {
  const base = `/api/v1/endpoints/${encodeURIComponent(id)}`
  const loaded = useLoad(async () => {
    const [endpoint, health, deliveries] = await Promise.all([
      api<Endpoint>(base),
      api<EndpointHealth>(`${base}/health`),
      api<ListPage<Delivery>>('/api/v1/deliveries', { query: { endpoint_id: id, limit: LOG_SIZE } }),
    ])
    // Newest first, whatever order the hub lists in.
    const log = [...deliveries.data].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id))
    return { endpoint, health, log }
  }, [id])
  usePolling(loaded.reload)
  const [notice, setNotice] = useState<Notice | null>(null)
  const [busy, setBusy] = useState(false)
  const [since, setSince] = useState(anHourAgo)

  async function act (run: () => Promise<Notice>) {
    setBusy(true)
    try {
      setNotice(await run())
      await loaded.reload()
    } catch (err) {
      setNotice({ kind: 'error', text: portalError(err).message })
    } finally {
      setBusy(false)
    }
  }
  const sendTest = () => act(async () => {
    const r = await api<{ delivery_id: string }>(`${base}/test`, { method: 'POST', body: {} })
    return { kind: 'ok', text: `Test event sent (delivery ${r.delivery_id}).` }
  })
  const reveal = () => act(async () => {
    const r = await api<{ secret: string }>(`${base}/secret`)
    return { kind: 'ok', text: 'Signing secret:', secret: r.secret }
  })
  const rotate = () => {
    if (!confirm('Rotate the signing secret? The old secret keeps signing beside the new one for 24 hours.')) return
    void act(async () => {
      const r = await api<{ secret: string }>(`${base}/rotate-secret`, { method: 'POST' })
      return { kind: 'ok', text: 'New signing secret:', secret: r.secret }
    })
  }
  const recover = (ev: Event) => {
    ev.preventDefault()
    void act(async () => {
      const r = await api<{ requeued: number }>(`${base}/recover`, { method: 'POST', body: { since: new Date(since).toISOString() } })
      return { kind: 'ok', text: `${r.requeued} failed deliver${r.requeued === 1 ? 'y' : 'ies'} queued again.` }
    })
  }

  const data = loaded.data
  return (
    <Page title={data ? data.endpoint.url : 'Endpoint'}>
      <p><button type="button" class="secondary" onClick={() => go({ kind: 'list' })}>← All endpoints</button></p>
      <ErrorNotice error={loaded.error} />
      {data && (
        <>
          <dl class="facts">
            <dt>State</dt><dd><Status value={endpointState(data.endpoint)} />{data.endpoint.disabled_reason && <small> {data.endpoint.disabled_reason}</small>}</dd>
            <dt>Circuit</dt><dd><Status value={data.health.circuit.state} /> <small>{data.health.circuit.consecutive_failures} failures in a row</small></dd>
            <dt>Success</dt><dd data-testid="success-rate">{percent(data.health.success_rate.last_hour)} last hour · {percent(data.health.success_rate.last_day)} last day</dd>
            <dt>Waiting</dt><dd>{data.health.backlog}{data.health.next_attempt_at && <> · next <Time at={data.health.next_attempt_at} /></>}</dd>
            <dt>Event types</dt><dd>{data.endpoint.filter.types.join(', ')}</dd>
          </dl>
          <div class="toolbar">
            <button type="button" onClick={sendTest} disabled={busy}>Send test event</button>
            <button type="button" class="secondary" onClick={() => go({ kind: 'edit', id })}>Edit</button>
            <button type="button" class="secondary" onClick={reveal} disabled={busy}>Show signing secret</button>
            <button type="button" class="secondary" onClick={rotate} disabled={busy}>Rotate secret</button>
          </div>
          {notice && (
            <p class={notice.kind === 'error' ? 'error' : 'notice'} role={notice.kind === 'error' ? 'alert' : 'status'}>
              {notice.text}
              {notice.secret && <> <code data-testid="secret">{notice.secret}</code> <CopyButton text={notice.secret} label="Copy the signing secret" /></>}
            </p>
          )}
          <form class="inline" onSubmit={recover}>
            <label for="recover-since">Queue again failed deliveries since</label>
            <input id="recover-since" type="datetime-local" required value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} />
            <button type="submit" class="small secondary" disabled={busy}>Recover</button>
          </form>
          <h2>Deliveries</h2>
          {data.log.length === 0
            ? <p class="empty">No deliveries yet. Send a test event to see one.</p>
            : <ul class="delivery-log" aria-label="Deliveries, newest first">{data.log.map((d) => <DeliveryItem key={d.id} delivery={d} onChanged={loaded.reload} />)}</ul>}
        </>
      )}
    </Page>
  )
}
