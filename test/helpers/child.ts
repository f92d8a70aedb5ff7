// Runs the real `hookhub` executable (node bin/hookhub.js …) as a child process, for the
// real-tier tests under test/e2e and test/cli. Every child is killed by its PID when the test
// ends, and every wait is bounded.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.join(ROOT, 'bin', 'hookhub.js')

/** Default bound of every wait on a child process. */
export const WAIT_MS = 30_000

/** A fresh temporary directory, removed when the test ends. */
export function tempDir (t: TestContext, prefix = 'hookhub-real-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * The environment of a child: this process's environment without any HOOKHUB_* setting (so
 * that nothing from the developer's shell leaks in), listening on a free port of 127.0.0.1.
 */
export function childEnv (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('HOOKHUB_') && name !== 'PORT' && name !== 'HOST') env[name] = value
  }
  env.PORT = '0'
  env.HOST = '127.0.0.1'
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  return env
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface RunResult extends Exit {
  stdout: string
  stderr: string
  /** The command was still running after the time limit and was killed. */
  timedOut: boolean
  /** A `serve` started listening although the test expected it to fail; it was killed. */
  listened: boolean
}

const LISTENING = /is listening on (http:\/\/\S+)/

function killIfRunning (child: ChildProcess) {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

function exitOf (child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

/** Sends `signal` and waits (at most WAIT_MS, then SIGKILL and reject) for the exit. */
async function signalAndWait (child: ChildProcess, exited: Promise<Exit>, signal: NodeJS.Signals, what: string): Promise<Exit> {
  if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal)
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      killIfRunning(child)
      reject(new Error(`${what} did not exit within ${WAIT_MS} ms of ${signal}`))
    }, WAIT_MS)
  })
  try {
    return await Promise.race([exited, limit])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Runs `node bin/hookhub.js <args>` to completion (at most `timeoutMs`). A command that starts
 * listening is killed at once and reported with `listened: true`, so a `serve` that should
 * have refused to start never lingers.
 */
export async function runHookhub (
  t: TestContext, args: string[], env: NodeJS.ProcessEnv, { timeoutMs = WAIT_MS } = {},
): Promise<RunResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(async () => {
    killIfRunning(child)
    await exitOf(child)
  })
  let stdout = ''
  let stderr = ''
  let timedOut = false
  let listened = false
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    if (!listened && LISTENING.test(stdout)) {
      listened = true
      killIfRunning(child)
    }
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const timer = setTimeout(() => {
    timedOut = true
    killIfRunning(child)
  }, timeoutMs)
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  const exit = await exitOf(child)
  await closed
  clearTimeout(timer)
  return { ...exit, stdout, stderr, timedOut, listened }
}

export interface Served {
  /** e.g. http://127.0.0.1:41234 */
  url: string
  pid: number
  /** Whether the process has not exited. */
  alive (): boolean
  stdout (): string
  stderr (): string
  /** The admin token this start printed, if it printed one. */
  adminToken?: string
  /** Sends a signal (SIGTERM by default) and waits (bounded) for the process to exit. */
  stop (signal?: NodeJS.Signals): Promise<Exit>
}

/**
 * Starts `node bin/hookhub.js serve` and waits (at most `timeoutMs`) for its "is listening on"
 * line. Rejects with the process output when it exits or times out first.
 */
export async function startServe (
  t: TestContext, env: NodeJS.ProcessEnv, { timeoutMs = WAIT_MS, args = [] as string[], nodeArgs = [] as string[] } = {},
): Promise<Served> {
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(async () => {
    killIfRunning(child)
    await exitOf(child)
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8')
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = exitOf(child)

  child.stdout!.on('data', (chunk: string) => { stdout += chunk })
  const url = await new Promise<string>((resolve, reject) => {
    let settled = false
    const fail = (why: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      killIfRunning(child)
      reject(new Error(`hookhub serve ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`))
    }
    const timer = setTimeout(() => fail(`did not listen within ${timeoutMs} ms`), timeoutMs)
    child.stdout!.on('data', () => {
      const match = LISTENING.exec(stdout)
      if (match && !settled) {
        settled = true
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    void exited.then((exit) => fail(`exited before listening (code ${exit.code}, signal ${exit.signal})`))
  })
  // The banner is one write; give the rest of it a moment to arrive before reading the token.
  await new Promise((resolve) => setTimeout(resolve, 50))
  const adminToken = /admin token \(shown once[^)]*\): (\S+)/.exec(stdout)?.[1]

  return {
    url,
    pid: child.pid!,
    alive: () => child.exitCode === null && child.signalCode === null,
    stdout: () => stdout,
    stderr: () => stderr,
    adminToken,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => signalAndWait(child, exited, signal, 'hookhub serve'),
  }
}

export interface WorkerProcess {
  pid: number
  output (): string
  /** Sends a signal (SIGTERM by default) and waits (bounded) for the process to exit. */
  stop (signal?: NodeJS.Signals): Promise<Exit>
}

/**
 * Starts `node bin/hookhub.js worker` and waits (at most `timeoutMs`) for its "worker started"
 * line; killed by its PID when the test ends.
 */
export async function startWorker (t: TestContext, env: NodeJS.ProcessEnv, { timeoutMs = WAIT_MS } = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [BIN, 'worker'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(async () => {
    killIfRunning(child)
    await exitOf(child)
  })
  let output = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const exited = exitOf(child)
  const deadline = Date.now() + timeoutMs
  while (!/worker started/.test(output)) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      killIfRunning(child)
      throw new Error(`hookhub worker did not start within ${timeoutMs} ms:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return {
    pid: child.pid!,
    output: () => output,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => signalAndWait(child, exited, signal, 'hookhub worker'),
  }
}

/** The Node options `npm start` runs the hub with (its heap limits), read from package.json. */
export function npmStartNodeArgs (): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
  const words = pkg.scripts.start.split(/\s+/)
  return words.slice(1, words.indexOf('bin/hookhub.js')).filter((word) => word.startsWith('--'))
}

/** stderr split into its non-empty lines. */
export const linesOf = (text: string) => text.split('\n').filter((line) => line.trim() !== '')

/** `fetch` with a time limit, so a hung server fails the test instead of stalling it. */
export function fetchWithin (url: string, init: RequestInit = {}, timeoutMs = WAIT_MS): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
}
