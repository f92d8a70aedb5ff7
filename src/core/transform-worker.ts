// Entry of a transform worker thread: runs one transform at a time, in QuickJS, for the pool
// in transform-pool.ts. Whatever a transform does, the delivery workers' event loop never waits on it.

import { parentPort } from 'node:worker_threads'
import { getQuickJS } from 'quickjs-emscripten'
import { createSandbox, type RunRequest } from './transform-sandbox.ts'

export interface WorkerRequest extends RunRequest {
  id: number
}

const port = parentPort
if (!port) throw new Error('transform-worker runs as a worker thread only')

const sandbox = createSandbox(await getQuickJS())
// WebAssembly runs slowly until compiled by the engine: one warm-up run keeps that out of the first transform's time.
sandbox.run({ key: 'warm-up', code: 'function handler (webhook) { return webhook }', input: '{}', timeoutMs: 10_000 })
port.on('message', (request: WorkerRequest) => {
  try {
    port.postMessage({ id: request.id, ...sandbox.run(request) })
  } catch (err) {
    // QuickJS itself broke (the WebAssembly instance aborted): answer, then end this thread; the pool starts another.
    port.postMessage({ id: request.id, ok: false, message: `the sandbox failed: ${(err as Error).message}`, logs: '', durationMs: 0 })
    process.exit(1)
  }
})
port.postMessage({ ready: true })
