// QuickJS contexts that run endpoint transforms; used inside the transform worker threads only.
// Each transform gets its own QuickJS runtime (its own heap, memory limit and interrupt
// deadline) holding nothing but the language: no require, no I/O, no host object besides a
// console.log that hands text back.

import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten'

export const TRANSFORM_MEMORY_BYTES = 16 * 1024 * 1024
/** The largest JSON a handler may return, in UTF-16 units (about the 1 MiB body limit, with room for headers). */
export const MAX_RESULT_CHARS = 2 * 1024 * 1024
/** What a run keeps of console output. */
export const MAX_LOG_CHARS = 4096
const STACK_BYTES = 1024 * 1024
const MESSAGE_CHARS = 1000
/** Compiling (evaluating the code's top level) may take this long even under a shorter run limit. */
export const COMPILE_MS = 1000

export interface RunRequest {
  /** Names the code: contexts compiled from it are reused while it stays the same. */
  key: string
  code: string
  /** The webhook as JSON; null only compiles the code and checks that it defines handler. */
  input: string | null
  timeoutMs: number
}

export type RunResult =
  | { ok: true; output: string | null; logs: string; durationMs: number }
  | { ok: false; message: string; logs: string; durationMs: number }

// console.* formats its arguments inside the sandbox and passes the host at most one line.
const PRELUDE = `(() => {
  const write = globalThis.__hookhubLog
  delete globalThis.__hookhubLog
  const text = (value) => {
    if (typeof value === 'string') return value
    try { const json = JSON.stringify(value); return json === undefined ? String(value) : json } catch { return String(value) }
  }
  const log = (...args) => { write(args.map(text).join(' ').slice(0, ${MAX_LOG_CHARS})) }
  globalThis.console = { log, info: log, warn: log, error: log, debug: log }
})()`

// Compiled after the user's code: calls `handler` and answers one string, "ok:<json>",
// "skip" or "err:<message>", so that the host never walks a value the handler built.
const RUNNER = `(function (input) {
  const describe = (e) => {
    try {
      const text = String(e)
      const stack = e && typeof e.stack === 'string' ? e.stack.trim() : ''
      return (stack ? text + '\\n' + stack : text).slice(0, ${MESSAGE_CHARS})
    } catch { return 'the handler threw a value that cannot be shown' }
  }
  try {
    const result = handler(JSON.parse(input))
    if (result === null) return 'skip'
    if (typeof result !== 'object') return 'err:handler returned ' + typeof result + '; return the webhook object, or null to skip'
    if (typeof result.then === 'function') return 'err:handler returned a promise; it must return the webhook synchronously'
    const json = JSON.stringify(result)
    if (json.length > ${MAX_RESULT_CHARS}) return 'err:the returned webhook is larger than ${MAX_RESULT_CHARS} characters as JSON'
    return 'ok:' + json
  } catch (e) {
    return 'err:' + describe(e)
  }
})`

const CHECK = `typeof handler === 'function'`

interface Entry {
  runtime: QuickJSRuntime
  context: QuickJSContext
  runner: QuickJSHandle
  logs: { text: string }
}

/** Why a run of QuickJS stopped before the runner could answer. */
function describeEscape (context: QuickJSContext, error: QuickJSHandle, timeoutMs: number): string {
  let message: string
  try {
    const dumped = context.dump(error) as { name?: string; message?: string } | string
    message = typeof dumped === 'string' ? dumped : `${dumped.name ?? 'Error'}: ${dumped.message ?? ''}`
  } catch {
    message = 'the transform failed'
  }
  if (/interrupted/.test(message)) return `the transform ran longer than ${timeoutMs} ms`
  if (/out of memory/.test(message)) return `the transform needed more than ${TRANSFORM_MEMORY_BYTES / 1024 / 1024} MiB of memory`
  return message.slice(0, MESSAGE_CHARS)
}

/**
 * Contexts compiled once per code and reused across runs (globals a handler sets persist
 * between its runs), at most `maxContexts` of them, least recently used first out. A context
 * that failed in any way is thrown away: a run stopped by its deadline or its memory limit may
 * leave it half-changed.
 */
export function createSandbox (quickjs: QuickJSWASMModule, maxContexts = 16) {
  const cache = new Map<string, Entry>()
  let deadline = 0

  function dispose (key: string) {
    const entry = cache.get(key)
    if (!entry) return
    cache.delete(key)
    entry.runner.dispose()
    entry.context.dispose()
    entry.runtime.dispose()
  }

  /** A new context with the code evaluated; throws the reason as text when it does not compile. */
  function compile (key: string, code: string, timeoutMs: number): Entry {
    const runtime = quickjs.newRuntime()
    runtime.setMemoryLimit(TRANSFORM_MEMORY_BYTES)
    runtime.setMaxStackSize(STACK_BYTES)
    runtime.setInterruptHandler(() => Date.now() > deadline)
    const context = runtime.newContext()
    const logs = { text: '' }
    const fail = (reason: string): never => {
      context.dispose()
      runtime.dispose()
      throw new Error(reason)
    }
    const write = context.newFunction('log', (line) => {
      if (logs.text.length < MAX_LOG_CHARS) logs.text += `${context.getString(line)}\n`
    })
    context.setProp(context.global, '__hookhubLog', write)
    write.dispose()
    for (const [source, name] of [[PRELUDE, 'prelude.js'], [code, 'transform.js']] as const) {
      const result = context.evalCode(source, name)
      if (result.error) {
        const reason = describeEscape(context, result.error, timeoutMs)
        result.error.dispose()
        fail(reason)
      } else {
        result.value.dispose()
      }
    }
    const check = context.evalCode(CHECK)
    const defined = !check.error && context.dump(check.value) === true
    ;(check.error ?? check.value).dispose()
    if (!defined) fail('the code does not define function handler(webhook)')
    const runner = context.evalCode(RUNNER, 'runner.js')
    if (runner.error) {
      const reason = describeEscape(context, runner.error, timeoutMs)
      runner.error.dispose()
      return fail(reason)
    }
    return { runtime, context, runner: runner.value, logs }
  }

  function entryFor (key: string, code: string, timeoutMs: number): Entry {
    const cached = cache.get(key)
    if (cached) {
      // Most recently used last.
      cache.delete(key)
      cache.set(key, cached)
      return cached
    }
    const entry = compile(key, code, timeoutMs)
    cache.set(key, entry)
    while (cache.size > maxContexts) dispose(cache.keys().next().value as string)
    return entry
  }

  return {
    run ({ key, code, input, timeoutMs }: RunRequest): RunResult {
      const started = performance.now()
      const elapsed = () => Math.round(performance.now() - started)
      deadline = Date.now() + Math.max(timeoutMs, COMPILE_MS)
      let entry: Entry
      try {
        entry = entryFor(key, code, timeoutMs)
      } catch (err) {
        return { ok: false, message: (err as Error).message, logs: '', durationMs: elapsed() }
      }
      if (input === null) {
        const logs = entry.logs.text
        entry.logs.text = ''
        return { ok: true, output: null, logs, durationMs: elapsed() }
      }
      entry.logs.text = ''
      // The compile above had its own deadline: a cold start does not eat the run's time.
      deadline = Date.now() + timeoutMs
      const { context } = entry
      const arg = context.newString(input)
      const result = context.callFunction(entry.runner, context.undefined, arg)
      arg.dispose()
      const logs = entry.logs.text
      if (result.error) {
        const message = describeEscape(context, result.error, timeoutMs)
        result.error.dispose()
        dispose(key)
        return { ok: false, message, logs, durationMs: elapsed() }
      }
      const answer = context.getString(result.value)
      result.value.dispose()
      const durationMs = elapsed()
      if (answer === 'skip') return { ok: true, output: null, logs, durationMs }
      if (answer.startsWith('ok:')) return { ok: true, output: answer.slice(3), logs, durationMs }
      dispose(key)
      return { ok: false, message: answer.slice(4), logs, durationMs }
    },

    close () {
      for (const key of [...cache.keys()]) dispose(key)
    },
  }
}
