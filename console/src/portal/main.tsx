import { render } from 'preact'
import { session } from '../api.ts'
import { PortalApp } from './PortalApp.tsx'

session.key = 'hookhub.portal.token'
// The link carries the session in its fragment (never sent to a server): kept in this tab's
// storage and taken out of the address bar, so it is not bookmarked, shared or shown.
const fromLink = new URLSearchParams(location.hash.slice(1)).get('token')
if (fromLink) {
  session.signIn(fromLink)
  history.replaceState(null, '', location.pathname + location.search)
}

render(<PortalApp />, document.getElementById('app')!)
