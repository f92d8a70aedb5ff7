/** The most writes one transaction takes, so that one batch never holds the database for long. */
const MAX_BATCH = 256

interface Pending<I, O> {
  item: I
  resolve: (value: O) => void
  reject: (err: unknown) => void
}

/**
 * Group commit: writes that arrive together, or while a transaction is running, go in one
 * transaction, so a busy hub pays one commit (one WAL append, one fsync on PostgreSQL) per
 * batch instead of per write. A batch starts after the event loop has read what sockets
 * brought in (setImmediate): SQLite answers synchronously, so without that turn one request
 * would run to its commit before the next is even parsed. When a batch fails, each of its
 * writes is tried alone, so one bad write fails only itself.
 */
export function createGroupCommit<I, O> (
  writeBatch: (items: I[]) => Promise<O[]>,
  writeOne: (item: I) => Promise<O>,
) {
  let queue: Pending<I, O>[] = []
  let running = false

  async function drain () {
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, MAX_BATCH)
        queue = queue.slice(batch.length)
        if (batch.length === 1) {
          await writeOne(batch[0].item).then(batch[0].resolve, batch[0].reject)
          continue
        }
        let results: O[] | null = null
        try {
          results = await writeBatch(batch.map((p) => p.item))
        } catch {
          // Rolled back as a whole; below, each write gets its own answer.
        }
        if (results) {
          batch.forEach((p, i) => p.resolve(results[i]))
        } else {
          for (const p of batch) await writeOne(p.item).then(p.resolve, p.reject)
        }
      }
    } finally {
      running = false
    }
  }

  return (item: I): Promise<O> => new Promise<O>((resolve, reject) => {
    queue.push({ item, resolve, reject })
    if (!running) {
      running = true
      setImmediate(drain)
    }
  })
}
