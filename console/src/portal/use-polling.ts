import { useEffect, useRef } from 'preact/hooks'
import { POLL_MS } from '../stream.ts'

/** Calls `reload` every few seconds while the component shows: a portal page stays current without the operators' stream. */
export function usePolling (reload: () => unknown, ms = POLL_MS) {
  const latest = useRef(reload)
  latest.current = reload
  useEffect(() => {
    const timer = setInterval(() => { void latest.current() }, ms)
    return () => clearInterval(timer)
  }, [ms])
}
