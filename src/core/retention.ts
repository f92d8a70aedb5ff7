import type { Logger } from 'pino'
import type { PruneCounts, RetentionRepository } from '../storage/retention-repository.ts'

export const DAY_MS = 86_400_000

export interface RetentionOptions {
  /** Events older than this many days (and finished) are deleted; must be at least 1. */
  days: number
  /** Most events per transaction. */
  batchSize: number
  /**
   * A batch that takes longer halves the next one (down to a tenth of batchSize), one that takes
   * under half of it doubles the next: SQLite's driver is synchronous, so a batch holds the
   * whole process, not just the database, for as long as it takes.
   */
  targetBatchMs: number
  /** Least pause between two batches; the pause is at least as long as the last batch took. */
  pauseMs: number
  /** From the start of one run to the start of the next. */
  intervalMs: number
  /** The first run waits this long after start, so that a starting process serves first. */
  firstRunDelayMs: number
}

export const DEFAULT_RETENTION: Omit<RetentionOptions, 'days'> = {
  batchSize: 1000,
  targetBatchMs: 50,
  pauseMs: 50,
  intervalMs: 3_600_000,
  firstRunDelayMs: 60_000,
}

/**
 * The options `serve` runs with. Only SQLite's batches shrink when slow: its driver holds the
 * process for a batch, while a PostgreSQL batch leaves the process free to deliver.
 */
export function retentionOptionsFor (engine: 'sqlite' | 'postgres', days: number): RetentionOptions {
  return { ...DEFAULT_RETENTION, days, ...(engine === 'postgres' && { targetBatchMs: Number.POSITIVE_INFINITY }) }
}

export interface PruneTotals extends PruneCounts {
  batches: number
  /** True when another process was pruning, so this run deleted nothing. */
  skipped: boolean
}

type Deps = {
  retention: Pick<RetentionRepository, 'pruneBatch'>
  logger: Logger | false
  clock: () => number
  options: RetentionOptions
}

/**
 * Periodic pruning of old events, run by the API process (`serve`): each run deletes finished
 * events older than `days` batch by batch, pausing between batches so that the delivery
 * workers sharing the database keep their pace. Pending and in-flight work is never deleted.
 */
export function createRetention ({ retention, logger, clock, options }: Deps) {
  if (!Number.isInteger(options.days) || options.days < 1) throw new Error(`retention days must be a whole number of at least 1, not ${options.days}`)
  const log = logger || undefined
  let stopping = false
  let timer: NodeJS.Timeout | null = null
  let running: Promise<PruneTotals> | null = null
  let wake: (() => void) | null = null

  const pause = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(() => { wake = null; resolve() }, ms)
    wake = () => { clearTimeout(t); wake = null; resolve() }
  })

  async function prune (): Promise<PruneTotals> {
    const cutoff = clock() - options.days * DAY_MS
    const totals: PruneTotals = { events: 0, deliveries: 0, attempts: 0, idempotencyKeys: 0, batches: 0, skipped: false }
    const smallest = Math.max(1, Math.floor(options.batchSize / 10))
    let size = options.batchSize
    while (!stopping) {
      const started = Date.now()
      const batch = await retention.pruneBatch(cutoff, size)
      if (batch === null) {
        totals.skipped = totals.batches === 0
        break
      }
      totals.batches++
      totals.events += batch.events
      totals.deliveries += batch.deliveries
      totals.attempts += batch.attempts
      totals.idempotencyKeys += batch.idempotencyKeys
      if (batch.events < size) break
      const took = Date.now() - started
      if (took > options.targetBatchMs) size = Math.max(smallest, Math.floor(size / 2))
      else if (took < options.targetBatchMs / 2) size = Math.min(options.batchSize, size * 2)
      // Pausing as long as the batch took leaves the database to the workers at least half the time.
      await pause(Math.max(options.pauseMs, took))
    }
    if (totals.events > 0) log?.info({ ...totals, days: options.days }, 'retention: pruned old events')
    return totals
  }

  /** One run now (or the run already going); resolves with what it deleted. */
  function runOnce (): Promise<PruneTotals> {
    running ??= prune().finally(() => { running = null })
    return running
  }

  function schedule (delayMs: number) {
    if (stopping) return
    timer = setTimeout(() => {
      timer = null
      runOnce()
        .catch((err) => log?.warn({ err }, 'retention: pruning failed; trying again at the next run'))
        .finally(() => schedule(options.intervalMs))
    }, delayMs)
    timer.unref()
  }

  return {
    options,
    runOnce,
    start () {
      stopping = false
      schedule(options.firstRunDelayMs)
    },
    /** Stops scheduling; a run in progress ends after its current batch. */
    async stop () {
      stopping = true
      if (timer) clearTimeout(timer)
      timer = null
      wake?.()
      await running?.catch(() => {})
    },
  }
}

export type Retention = ReturnType<typeof createRetention>
