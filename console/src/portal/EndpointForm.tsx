import { useState } from 'preact/hooks'
import { api, type Endpoint, type EventType } from '../api.ts'
import { json } from '../format.ts'
import { ErrorNotice } from '../components/ErrorNotice.tsx'
import { Page } from '../components/Page.tsx'
import { useLoad } from '../use-load.ts'
import { loadCatalog } from './catalog.ts'
import { portalError } from './errors.ts'
import type { View } from './PortalApp.tsx'

/** One type as a checkbox; a catalog type with its description, schema and example one click away. */
function TypeChoice ({ name, type: t, checked, onToggle }: { name: string; type?: EventType; checked: boolean; onToggle: () => void }) {
  const id = `type-${name}`
  return (
    <li class="type-choice">
      <input type="checkbox" id={id} checked={checked} onChange={onToggle} />
      <label for={id}>{name}{t?.deprecated && <small> (deprecated)</small>}{!t && <small> (not in the catalog)</small>}</label>
      {t?.description && <p class="muted">{t.description}</p>}
      {t && <details>
        <summary>Schema and example</summary>
        <h3>Schema</h3>
        <pre class="body" tabIndex={0} aria-label={`Schema of ${t.name}`}>{json(t.schema)}</pre>
        <h3>Example</h3>
        <pre class="body" tabIndex={0} aria-label={`Example of ${t.name}`}>{json(t.example)}</pre>
      </details>}
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
    return { catalog, initial: endpoint?.filter.types ?? [] }
  }, [id])
  const catalog = loaded.data?.catalog ?? []
  const byName = new Map(catalog.map((t) => [t.name, t]))
  // The endpoint's own patterns (order.*) stay choosable beside the catalog's types.
  const offered = [...catalog.map((t) => t.name), ...(loaded.data?.initial ?? []).filter((name) => !byName.has(name))]

  const toggle = (name: string) => setTypes((current) => current.includes(name) ? current.filter((t) => t !== name) : [...current, name])
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const chosen = offered.length > 0 ? types : typed.split(',').map((t) => t.trim()).filter(Boolean)
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
      setError(portalError(err))
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
            {offered.length > 0
              ? <ul class="type-choices">{offered.map((name) => <TypeChoice key={name} name={name} type={byName.get(name)} checked={types.includes(name)} onToggle={() => toggle(name)} />)}</ul>
              : (
                <>
                  <p class="muted">The catalog lists no event types yet.</p>
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
