import { useEffect, useState } from 'preact/hooks'
import { session } from '../api.ts'
import { EndpointForm } from './EndpointForm.tsx'
import { EndpointList } from './EndpointList.tsx'
import { EndpointView } from './EndpointView.tsx'

/** What the portal shows; kept in memory: the page lives in one address, often inside a frame. */
export type View = { kind: 'list' } | { kind: 'endpoint'; id: string } | { kind: 'new' } | { kind: 'edit'; id: string }

function Message ({ title, text }: { title: string; text: string }) {
  return (
    <main class="portal-message" id="main">
      <div role="alert">
        <h1>{title}</h1>
        <p>{text}</p>
      </div>
    </main>
  )
}

/** The customer portal: one tenant's endpoints, their deliveries, test sends and secrets. */
export function PortalApp () {
  const [expired, setExpired] = useState(false)
  const [view, setView] = useState<View>({ kind: 'list' })

  useEffect(() => session.onUnauthorized(() => {
    session.signOut()
    setExpired(true)
  }), [])
  useEffect(() => { document.title = 'Webhooks' }, [])

  if (expired) return <Message title="Link expired" text="This portal link has expired — ask for a new one." />
  if (!session.token) return <Message title="No portal link" text="Open this page through the portal link you were given." />
  return (
    <main class="portal" id="main">
      {view.kind === 'list' && <EndpointList go={setView} />}
      {view.kind === 'new' && <EndpointForm go={setView} />}
      {view.kind === 'edit' && <EndpointForm id={view.id} go={setView} />}
      {view.kind === 'endpoint' && <EndpointView id={view.id} go={setView} />}
    </main>
  )
}
