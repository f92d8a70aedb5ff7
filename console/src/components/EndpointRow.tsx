import { useState } from 'preact/hooks'
import { api, type Endpoint, type EndpointStats } from '../api.ts'
import { percent } from '../format.ts'
import { CopyButton } from './CopyButton.tsx'
import { Link } from './Link.tsx'
import { Sparkline } from './Sparkline.tsx'
import { Status } from './Status.tsx'
import { Time } from './Time.tsx'

const RECOVER_WINDOWS = [['1h', 'last hour'], ['6h', 'last 6 hours'], ['24h', 'last 24 hours'], ['7d', 'last 7 days']]

type Notice = { kind: 'ok' | 'error'; text: string; secret?: string }

/** One endpoint: its health and what can be done with it. */
export function EndpointRow ({ endpoint: e, stats, onChanged }: { endpoint: Endpoint; stats?: EndpointStats; onChanged: () => unknown }) {
  const [busy, setBusy] = useState(false)
  const [notice, setNotice] = useState<Notice | null>(null)
  const [since, setSince] = useState('24h')

  async function act (run: () => Promise<Notice>) {
    setBusy(true)
    try {
      setNotice(await run())
      await onChanged()
    } catch (err) {
      setNotice({ kind: 'error', text: (err as Error).message })
    } finally {
      setBusy(false)
    }
  }

  const base = `/api/v1/endpoints/${encodeURIComponent(e.id)}`
  const togglePause = () => act(async () => {
    await api(`${base}/${e.paused ? 'resume' : 'pause'}`, { method: 'POST' })
    return { kind: 'ok', text: e.paused ? 'Resumed: waiting deliveries drain now.' : 'Paused: deliveries wait until you resume.' }
  })
  const rotate = () => {
    if (!confirm(`Rotate the signing secret of ${e.url}? The old secret keeps signing beside the new one for 24 hours.`)) return
    void act(async () => {
      const r = await api<{ secret: string; previous_secret_valid_until: string }>(`${base}/rotate-secret`, { method: 'POST' })
      return { kind: 'ok', text: 'New signing secret (shown only now):', secret: r.secret }
    })
  }
  const recover = (ev: Event) => {
    ev.preventDefault()
    void act(async () => {
      const r = await api<{ requeued: number }>(`${base}/recover`, { method: 'POST', body: { since } })
      return { kind: 'ok', text: `${r.requeued} failed deliver${r.requeued === 1 ? 'y' : 'ies'} queued again.` }
    })
  }

  const rates = stats?.hourly.map((h) => h.success_rate) ?? []
  const lastRate = [...rates].reverse().find((r) => r !== null) ?? null
  const state = !e.enabled ? 'disabled' : e.paused ? 'paused' : 'enabled'

  return (
    <tr data-endpoint={e.id}>
      <td data-label="Endpoint">
        <span class="url">{e.method} {e.url}</span><br />
        <code>{e.id}</code>{e.owner && <small> · {e.owner.dialect}</small>}
        <br /><Link href={`/deliveries?endpoint_id=${encodeURIComponent(e.id)}`}>Deliveries</Link>
      </td>
      <td data-label="State"><Status value={state} />{e.disabled_reason && <small> {e.disabled_reason}</small>}</td>
      <td data-label="Circuit">
        {stats ? <><Status value={stats.circuit.state} /> <small>{stats.circuit.consecutive_failures} failures in a row</small></> : '–'}
        {e.circuit_open_until && <><br /><small>circuit open until <Time at={e.circuit_open_until} /></small></>}
      </td>
      <td data-label="Backlog">{stats?.backlog ?? '–'}</td>
      <td data-label="Success, 24 h">
        <Sparkline values={rates} max={1} label={`Hourly success rate over 24 hours; latest ${percent(lastRate)}`} />
        <small> {percent(lastRate)}</small>
      </td>
      <td data-label="Actions" class="actions">
        <button type="button" class="small" disabled={busy} onClick={togglePause}>{e.paused ? 'Resume' : 'Pause'}</button>
        <button type="button" class="small secondary" disabled={busy} onClick={rotate}>Rotate secret</button>
        <form class="inline" onSubmit={recover}>
          <label for={`since-${e.id}`}>Recover failed since</label>
          <select id={`since-${e.id}`} value={since} onChange={(ev) => setSince((ev.target as HTMLSelectElement).value)}>
            {RECOVER_WINDOWS.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
          </select>
          <button type="submit" class="small secondary" disabled={busy}>Recover</button>
        </form>
        {notice && (
          <p class={notice.kind === 'error' ? 'error' : 'notice'} role={notice.kind === 'error' ? 'alert' : 'status'}>
            {notice.text}
            {notice.secret && <> <code>{notice.secret}</code> <CopyButton text={notice.secret} label="Copy the new signing secret" /></>}
          </p>
        )}
      </td>
    </tr>
  )
}
