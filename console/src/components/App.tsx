import { useEffect, useRef, useState } from 'preact/hooks'
import { session } from '../api.ts'
import { useRoute } from '../router.ts'
import { DeliveryDetail } from './DeliveryDetail.tsx'
import { Deliveries } from './Deliveries.tsx'
import { Endpoints } from './Endpoints.tsx'
import { EventDetail } from './EventDetail.tsx'
import { Events } from './Events.tsx'
import { IntegrationPoints } from './IntegrationPoints.tsx'
import { Integrations } from './Integrations.tsx'
import { Nav } from './Nav.tsx'
import { Nodes } from './Nodes.tsx'
import { NotFound } from './NotFound.tsx'
import { Overview } from './Overview.tsx'
import { SignIn } from './SignIn.tsx'
import { Sources } from './Sources.tsx'
import { Webhooks } from './Webhooks.tsx'

function page (path: string, query: URLSearchParams) {
  const [, section = '', id] = path.split('/').map(decodeURIComponent)
  switch (section) {
    case '': return <Overview />
    case 'endpoints': return <Endpoints />
    case 'deliveries': return id ? <DeliveryDetail id={id} /> : <Deliveries query={query} />
    case 'events': return id ? <EventDetail id={id} /> : <Events query={query} />
    case 'sources': return <Sources />
    case 'integrations': return <Integrations query={query} />
    case 'nodes': return <Nodes />
    case 'integration-points': return <IntegrationPoints />
    case 'webhooks': return <Webhooks />
    default: return <NotFound />
  }
}

export function App () {
  const [token, setToken] = useState(session.token)
  const [expired, setExpired] = useState(false)
  const route = useRoute()
  const main = useRef<HTMLElement>(null)
  const first = useRef(true)

  useEffect(() => session.onUnauthorized(() => {
    session.signOut()
    setExpired(true)
    setToken(null)
  }), [])

  // After navigating, focus moves to the new page, as it would after a full page load.
  useEffect(() => {
    if (first.current) first.current = false
    else main.current?.focus()
  }, [route.path])

  if (!token) {
    return <SignIn expired={expired} onSignedIn={(t) => { session.signIn(t); setExpired(false); setToken(t) }} />
  }
  return (
    <div class="layout">
      <a class="skip-link" href="#main">Skip to content</a>
      <Nav path={route.path} onSignOut={() => { session.signOut(); setToken(null) }} />
      <main id="main" ref={main} tabIndex={-1}>
        {page(route.path, route.query)}
      </main>
    </div>
  )
}
