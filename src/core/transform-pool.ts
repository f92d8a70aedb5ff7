import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { COMPILE_MS, type RunRequest, type RunResult } from './transform-sandbox.ts'
import type { WorkerRequest } from './transform-worker.ts'

export interface TransformPoolOptions {
  /** Worker threads; each runs one transform at a time. */
  size: number
  /**
   * A worker that has not answered this long after a run began is ended and replaced: QuickJS
   * checks its deadline between instructions, but one long native step (a garbage collection near
   * the memory limit, one huge string operation) can outlast it by seconds.
   */
  hardLimitMs: (timeoutMs: number) => number
}

/** Transforms run at once in one process; more would take cores from delivery and the API. */
export const TRANSFORM_THREADS = 2

/** When a worker that does not answer is ended: past a cold compile and the run's own limit, with room to spare. */
export const transformHardLimitMs = (timeoutMs: number) => COMPILE_MS + timeoutMs + 2_000

interface Task {
  request: RunRequest
  resolve: (result: RunResult) => void
}

interface Slot {
  worker: Worker
  ready: boolean
  task: Task | null
  timer: NodeJS.Timeout | null
}

const failure = (message: string): RunResult => ({ ok: false, message, logs: '', durationMs: 0 })

/**
 * The worker's entry sits beside this module with this module's own extension: .js in dist/, .ts
 * under tsx, whose loader a worker thread of Node 20 does not inherit and so registers itself.
 */
function spawn (): Worker {
  const self = fileURLToPath(import.meta.url)
  const entry = new URL(`./transform-worker${path.extname(self)}`, import.meta.url)
  // Deep recursion must meet QuickJS's own stack limit (1 MiB) before the thread's. No flags of
  // the process: a preload meant for it (--import) would run again in the thread.
  const options = { resourceLimits: { stackSizeMb: 8 }, execArgv: [] }
  if (entry.pathname.endsWith('.ts')) {
    const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}) })`
    return new Worker(boot, { ...options, eval: true })
  }
  return new Worker(entry, options)
}

/**
 * A few worker threads running transforms, started on first use: the delivery workers' event
 * loop (and /healthz beside it) never waits on QuickJS. Runs queue for the next idle thread.
 */
export function createTransformPool (options: TransformPoolOptions) {
  const slots: Slot[] = []
  const queue: Task[] = []
  let nextId = 1
  let closed = false

  function start (): Slot {
    const slot: Slot = { worker: spawn(), ready: false, task: null, timer: null }
    slot.worker.unref()
    slot.worker.on('message', (message: { ready?: true } & Partial<RunResult> & { id?: number }) => {
      if (message.ready) {
        slot.ready = true
      } else if (slot.task) {
        const { id: _id, ...result } = message
        finish(slot, result as RunResult)
      }
      pump()
    })
    let failure: Error | null = null
    slot.worker.on('error', (err) => { failure = err })
    slot.worker.on('exit', (code) => replace(slot, `the transform sandbox stopped unexpectedly (${failure?.message ?? `exit code ${code}`})`))
    slots.push(slot)
    return slot
  }

  function finish (slot: Slot, result: RunResult) {
    const task = slot.task
    if (slot.timer) clearTimeout(slot.timer)
    slot.task = null
    slot.timer = null
    task?.resolve(result)
  }

  /** Ends a worker that died or hangs, fails its run, and starts another when work waits. */
  function replace (slot: Slot, message: string) {
    const index = slots.indexOf(slot)
    if (index === -1) return
    slots.splice(index, 1)
    const wasReady = slot.ready
    finish(slot, failure(message))
    slot.worker.removeAllListeners('exit')
    void slot.worker.terminate()
    // A worker that died before it was ready would die again: its queue fails instead of looping.
    if (!wasReady && slots.every((s) => !s.ready)) {
      for (const task of queue.splice(0)) task.resolve(failure(message))
      return
    }
    pump()
  }

  function pump () {
    if (closed) return
    while (queue.length > 0) {
      const slot = slots.find((s) => s.ready && s.task === null)
      if (!slot) break
      const task = queue.shift() as Task
      slot.task = task
      const timeoutMs = task.request.timeoutMs
      slot.timer = setTimeout(() => replace(slot, `the transform ran longer than ${timeoutMs} ms`), options.hardLimitMs(timeoutMs))
      slot.timer.unref()
      const message: WorkerRequest = { id: nextId++, ...task.request }
      slot.worker.postMessage(message)
    }
    if (queue.length > slots.filter((s) => s.task === null).length && slots.length < options.size) start()
  }

  return {
    run (request: RunRequest): Promise<RunResult> {
      if (closed) return Promise.resolve(failure('the transform sandbox is closed'))
      return new Promise((resolve) => {
        queue.push({ request, resolve })
        pump()
      })
    },

    async close () {
      closed = true
      for (const task of queue.splice(0)) task.resolve(failure('the transform sandbox is closed'))
      await Promise.all(slots.splice(0).map(async (slot) => {
        finish(slot, failure('the transform sandbox is closed'))
        slot.worker.removeAllListeners('exit')
        await slot.worker.terminate()
      }))
    },
  }
}

export type TransformPool = ReturnType<typeof createTransformPool>
