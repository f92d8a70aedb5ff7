import { useEffect, useRef, useState } from 'preact/hooks'
import type { Query } from './api.ts'
import { live, type LiveMode, type LiveOptions } from './stream.ts'

/**
 * Live updates for as long as the component shows, restarted when `query` changes. The
 * handlers may change on every render; the latest ones are called.
 */
export function useLive (options: Omit<LiveOptions, 'onMode' | 'query'>, query: Query = {}): LiveMode {
  const [mode, setMode] = useState<LiveMode>('connecting')
  const handlers = useRef(options)
  handlers.current = options
  const key = JSON.stringify(query)
  useEffect(() => live({
    query,
    poll: () => handlers.current.poll(),
    onDelivery: (m) => handlers.current.onDelivery?.(m),
    onEvent: (m) => handlers.current.onEvent?.(m),
    onMode: setMode,
  }), [key])
  return mode
}

/** Runs `fn` at most once per `ms`, the last call winning: bursts of messages cost one reload. */
export function useThrottled (fn: () => unknown, ms = 1000): () => void {
  const latest = useRef(fn)
  latest.current = fn
  const timer = useRef<ReturnType<typeof setTimeout>>()
  useEffect(() => () => clearTimeout(timer.current), [])
  return () => {
    if (timer.current !== undefined) return
    timer.current = setTimeout(() => {
      timer.current = undefined
      void latest.current()
    }, ms)
  }
}
