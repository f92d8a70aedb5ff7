import { useState } from 'preact/hooks'
import { api, type Endpoint, type EventType } from '../api.ts'
import { json } from '../format.ts'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Page } from '../components/Page.tsx'
import { useLoad } from '../use-load.ts'
import { loadCatalog } from './catalog.ts'
import type { View } from './PortalApp.tsx'

/** One catalog type as a checkbox, its schema and example one click away. */
function TypeChoice ({ type: t, checked, onToggle }: { type: EventType; checked: boolean; onToggle: () => void }) {
  const id = `type-${t.name}`
  return (
    <li class="type-choice">
      <input type="checkbox" id={id} checked={checked} onChange={onToggle} />
      <label for={id}>{t.name}{t.deprecated && <small> (deprecated)</small>}</label>
      {t.description && <p class="muted">{t.description}</p>}
      <details>
        <summary>Schema and example</summary>
        <h3>Schema</h3>
        <pre class="body" tabIndex={0} aria-label={`Schema of ${t.name}`}>{json(t.schema)}</pre>
        <h3>Example</h3>
        <pre class="body" tabIndex={0} aria-label={`Example of ${t.name}`}>{json(t.example)}</pre>
      </details>
    </li>
  )
}

/** Adds an endpoint, or changes one (`id`): its URL and the event types it receives. */
export function EndpointForm ({ id, go }: { id?: string; go: (view: View) => void }) {
  const [url, setUrl] = useState('')
  const [types, setTypes] = useState<string[]>([])
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<Error | null>(null)
  const loaded = useLoad(async () => {
    const [catalog, endpoint] = await Promise.all([
      loadCatalog(),
      id ? api<Endpoint>(`/api/v1/endpoints/${encodeURIComponent(id)}`) : undefined,
    ])
    if (endpoint) {
      setUrl(endpoint.url)
      setTypes(endpoint.filter.types)
      setTyped(endpoint.filter.types.join(', '))
    }
    return { catalog }
  }, [id])
  const catalog = loaded.data?.catalog

  const toggle = (name: string) => setTypes((current) => current.includes(name) ? current.filter((t) => t !== name) : [...current, name])
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const chosen = catalog ? types : typed.split(',').map((t) => t.trim()).filter(Boolean)
    if (chosen.length === 0) return setError(new Error('Choose at least one event type.'))
    setBusy(true)
    setError(null)
    try {
      const body = { url: url.trim(), filter: { types: chosen } }
      const saved = id
        ? await api<Endpoint>(`/api/v1/endpoints/${encodeURIComponent(id)}`, { method: 'PATCH', body })
        : await api<Endpoint>('/api/v1/endpoints', { method: 'POST', body })
      go({ kind: 'endpoint', id: saved.id })
    } catch (err) {
      setError(err as Error)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Page title={id ? 'Edit endpoint' : 'Add endpoint'}>
      <p><button type="button" class="secondary" onClick={() => go(id ? { kind: 'endpoint', id } : { kind: 'list' })}>← Back</button></p>
      <ErrorNotice error={loaded.error} />
      {loaded.data && (
        <form class="endpoint-form" onSubmit={submit}>
          <label for="endpoint-url">Endpoint URL</label>
          <input id="endpoint-url" type="url" required placeholder="https://example.com/webhooks" value={url}
            onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
          <fieldset>
            <legend>Event types</legend>
            {catalog
              ? (catalog.length === 0
                  ? <p class="empty">The catalog lists no event types yet.</p>
                  : <ul class="type-choices">{catalog.map((t) => <TypeChoice key={t.name} type={t} checked={types.includes(t.name)} onToggle={() => toggle(t.name)} />)}</ul>)
              : (
                <>
                  <label for="endpoint-types">Event types, comma-separated (* matches any)</label>
                  <input id="endpoint-types" value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
                </>
                )}
          </fieldset>
          <button type="submit" disabled={busy}>{busy ? 'Saving…' : id ? 'Save' : 'Add endpoint'}</button>
          <ErrorNotice error={error} />
        </form>
      )}
    </Page>
  )
}
