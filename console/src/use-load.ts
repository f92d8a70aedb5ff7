import { useCallback, useEffect, useRef, useState } from 'preact/hooks'

export interface Loaded<T> {
  data: T | undefined
  error: Error | undefined
  loading: boolean
  /** Loads again; the data shown stays until the new answer arrives. */
  reload: () => Promise<void>
}

/** Loads `load()` now and whenever `deps` change; answers of superseded loads are dropped. */
export function useLoad<T> (load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true })
  const generation = useRef(0)
  const run = useCallback(load, deps)
  const reload = useCallback(async () => {
    const mine = ++generation.current
    setState((s) => ({ ...s, loading: true }))
    try {
      const data = await run()
      if (mine === generation.current) setState({ data, loading: false })
    } catch (err) {
      if (mine === generation.current) setState((s) => ({ data: s.data, error: err as Error, loading: false }))
    }
  }, [run])
  useEffect(() => {
    void reload()
    // A page left while loading ignores the late answer.
    return () => { generation.current++ }
  }, [reload])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}
