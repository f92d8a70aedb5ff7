// Transforms run code written by API users: what the QuickJS sandbox lets through, and what
// the pool does when a sandbox will not stop. Runs through the real worker threads.
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { getQuickJS } from 'quickjs-emscripten'
import { createTransformPool, transformHardLimitMs } from '../../src/core/transform-pool.ts'
import { createSandbox } from '../../src/core/transform-sandbox.ts'
import { createTransforms, TransformError, type DraftRequest } from '../../src/core/transforms.ts'

const pool = createTransformPool({ size: 2, hardLimitMs: transformHardLimitMs })
after(() => pool.close())
const transforms = createTransforms({ pool, timeoutMs: 50 })

const draft: DraftRequest = {
  method: 'POST',
  url: 'https://receiver.example.com/in',
  headers: { 'user-agent': 'hookhub/test', 'x-api-key': 'k-123', 'x-team': 'ops' },
  body: '{"type":"a","data":{"n":1}}',
  contentType: 'application/json',
}
const event = { id: 'evt_1', type: 'a', tenantId: null }

const apply = (code: string, input = draft) => transforms.apply({ code, enabled: true }, input, event)

async function failure (code: string): Promise<TransformError> {
  const err = await apply(code).then(() => null, (e: unknown) => e)
  assert.ok(err instanceof TransformError, `${code}: fails as a TransformError, not ${String(err)}`)
  assert.equal(err.code, 'TRANSFORM_FAILED')
  return err
}

describe('the transform sandbox', () => {
  test('escapes find no host: no process, require, import, fetch or timers; globalThis holds only the language', async () => {
    const escapes: [string, RegExp][] = [
      ['function handler () { return this.constructor.constructor("return process")() }', /handler returned undefined|process/],
      ['function handler () { return (function () {}).constructor("return process")().env }', /process/],
      ['function handler () { return globalThis.process.env }', /process|undefined/],
      ['function handler () { return require("fs") }', /require/],
      ['function handler () { return import("fs") }', /promise|not supported|import/i],
      ['function handler () { return fetch("http://169.254.169.254/") }', /fetch/],
      ['function handler () { setTimeout(() => {}, 1); return {} }', /setTimeout/],
      ['function handler () { return new WebAssembly.Module(new Uint8Array(8)) }', /WebAssembly/],
      ['function handler () { return Object.getPrototypeOf(async function () {}).constructor("return process")() }', /promise|process/],
    ]
    for (const [code, message] of escapes) assert.match((await failure(code)).message, message, code)
    const globals = await apply(`function handler (w) {
      w.payload = Object.getOwnPropertyNames(globalThis).filter((n) => !/^[A-Z]/.test(n) && !['globalThis', 'undefined', 'NaN', 'Infinity'].includes(n))
      return w
    }`)
    const names = JSON.parse(globals.draft!.body as string) as string[]
    for (const hostName of ['process', 'require', 'module', 'fetch', 'setTimeout', 'queueMicrotask', 'std', 'os', '__hookhubLog']) {
      assert.ok(!names.includes(hostName), `${hostName} is not in the sandbox: ${names.join(', ')}`)
    }
  })

  test('prototype tricks stay inside: polluting Object.prototype or returning __proto__ changes nothing in the host', async () => {
    const result = await apply(`function handler (w) {
      Object.prototype.polluted = 'yes'
      Array.prototype.push = function () { return 'hijacked' }
      return JSON.parse('{"__proto__": {"polluted": "yes"}, "method": "POST", "url": "https://receiver.example.com/in", "headers": {}, "payload": {"ok": true}}')
    }`)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(result.draft?.body, '{"ok":true}')
    const list: number[] = []
    list.push(1)
    assert.deepEqual(list, [1])
  })

  test('sensitive header values are shown as ****, and **** sent back keeps the value', async () => {
    const seen = await apply('function handler (w) { console.log(JSON.stringify(w.headers)); return w }')
    assert.match(seen.logs ?? '', /"x-api-key":"\*\*\*\*"/)
    assert.doesNotMatch(seen.logs ?? '', /k-123/)
    assert.equal(seen.draft?.headers['x-api-key'], 'k-123')
    assert.equal(seen.draft?.headers['x-team'], 'ops')
    assert.match((await failure('function handler (w) { w.headers["x-other-token"] = "****"; return w }')).message, /stands for no value/)
  })

  test('loops, recursion, allocation bombs and huge results each fail the run; the pool goes on', async () => {
    const bombs: [string, RegExp][] = [
      ['function handler () { while (true) {} }', /ran longer than 50 ms/],
      ['function handler () { return handler() }', /stack overflow/],
      ['function handler () { let s = "x"; for (;;) s += s }', /string too long|memory|ran longer/],
      ['function handler () { const a = []; for (;;) a.push(new Array(1e5).fill(a.length)) }', /memory|ran longer/],
      ['function handler (w) { w.payload = "x".repeat(5e6); return w }', /larger than|memory|ran longer/],
      ['for (;;) {}\nfunction handler (w) { return w }', /ran longer than 50 ms/],
    ]
    for (const [code, message] of bombs) assert.match((await failure(code)).message, message, code)
    const ok = await apply('function handler (w) { w.headers["x-after"] = "1"; return w }')
    assert.equal(ok.draft?.headers['x-after'], '1')
  })

  test('a worker that does not answer in time is ended and replaced', async () => {
    // A 10 s QuickJS deadline, a 300 ms watchdog: only ending the thread stops this run early.
    const watched = createTransformPool({ size: 1, hardLimitMs: (timeoutMs) => (timeoutMs >= 10_000 ? 300 : 30_000) })
    after(() => watched.close())
    // Started and warm first, so that the time below is the run's alone.
    assert.ok((await watched.run({ key: 'ok', code: 'function handler (w) { return w }', input: '{}', timeoutMs: 1000 })).ok)
    const started = Date.now()
    const stuck = await watched.run({ key: 'loop', code: 'function handler () { for (;;) {} }', input: '{}', timeoutMs: 10_000 })
    assert.deepEqual(stuck.ok ? null : stuck.message, 'the transform ran longer than 10000 ms')
    assert.ok(Date.now() - started < 9_000, 'ended by the watchdog, not by its own deadline')
    const next = await watched.run({ key: 'ok', code: 'function handler (w) { return w }', input: '{"a":1}', timeoutMs: 1000 })
    assert.deepEqual(next.ok ? next.output : next.message, '{"a":1}')
  })
})

describe('warm contexts', () => {
  test('a context is compiled once per code and reused across runs, within a bounded cache', async () => {
    const sandbox = createSandbox(await getQuickJS(), 2)
    after(() => sandbox.close())
    const counter = 'let runs = 0; function handler (w) { runs++; return { runs } }'
    const run = (code: string) => {
      const result = sandbox.run({ key: code, code, input: '{}', timeoutMs: 1000 })
      assert.ok(result.ok)
      return JSON.parse(result.output as string) as { runs: number }
    }
    assert.equal(run(counter).runs, 1)
    assert.equal(run(counter).runs, 2, 'the same context ran again')
    run('function handler () { return {} } // a')
    assert.equal(run(counter).runs, 3, 'still cached with one other')
    run('function handler () { return {} } // b')
    run('function handler () { return {} } // c')
    assert.equal(run(counter).runs, 1, 'evicted by two newer ones, then compiled afresh')
  })
})
