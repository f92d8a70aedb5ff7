// Client-side routing under /console/: real paths (the hub serves index.html for every page),
// so that links can be opened in a new tab, bookmarked and shared.
import { useEffect, useState } from 'preact/hooks'

export const BASE = '/console'

const listeners = new Set<() => void>()
const changed = () => listeners.forEach((listener) => listener())
addEventListener('popstate', changed)

export interface Route {
  /** The path inside the console, e.g. "/deliveries/dlv_1" ("/" for the overview). */
  path: string
  query: URLSearchParams
}

const current = (): Route => ({
  path: location.pathname.slice(BASE.length).replace(/\/+$/, '') || '/',
  query: new URLSearchParams(location.search),
})

/** Goes to a console path ("/events?type=x"); `replace` keeps the history entry (filters). */
export function navigate (to: string, { replace = false } = {}) {
  const url = BASE + to
  if (url === location.pathname + location.search) return
  if (replace) history.replaceState(null, '', url)
  else history.pushState(null, '', url)
  changed()
}

export function useRoute (): Route {
  const [route, setRoute] = useState(current)
  useEffect(() => {
    const update = () => setRoute(current())
    listeners.add(update)
    return () => { listeners.delete(update) }
  }, [])
  return route
}
