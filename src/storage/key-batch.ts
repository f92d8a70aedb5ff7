/** The most keys one query takes. */
const MAX_KEYS = 500

interface Waiting<V> {
  resolve: (value: V) => void
  reject: (err: unknown) => void
}

/**
 * Calls by key that arrive together, or while a batch is running, go to the database as one query: a busy API asks
 * once per batch of requests who a token belongs to or which endpoints an event may route to, instead of once per
 * request. A call's query starts after the call was made, so it never sees an older state: nothing is cached.
 * `runMany` answers for each distinct key, in the order given.
 */
export function createKeyBatch<V> (runMany: (keys: string[]) => Promise<V[]>) {
  const waiting = new Map<string, Waiting<V>[]>()
  let running = false

  async function drain () {
    try {
      while (waiting.size > 0) {
        const keys = [...waiting.keys()].slice(0, MAX_KEYS)
        const batch = keys.map((key) => [key, waiting.get(key) as Waiting<V>[]] as const)
        for (const key of keys) waiting.delete(key)
        try {
          const values = await runMany(keys)
          batch.forEach(([, waiters], i) => { for (const w of waiters) w.resolve(values[i]) })
        } catch (err) {
          for (const [, waiters] of batch) for (const w of waiters) w.reject(err)
        }
      }
    } finally {
      running = false
    }
  }

  return (key: string): Promise<V> => new Promise<V>((resolve, reject) => {
    const waiters = waiting.get(key)
    if (waiters) waiters.push({ resolve, reject })
    else waiting.set(key, [{ resolve, reject }])
    if (!running) {
      running = true
      // After the event loop has read what the sockets brought in, so that requests parsed together share the query.
      setImmediate(drain)
    }
  })
}
