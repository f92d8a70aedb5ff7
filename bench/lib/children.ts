// The servers under test as child processes: started on 127.0.0.1 with a bounded lifetime
// (servers/lifetime.js), waited for (bounded) until they print where they listen, sampled for
// peak RSS, and killed by their PID at the end.
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const LIFETIME = path.join(ROOT, 'bench', 'servers', 'lifetime.js')
/** What a server prints once it listens; its URL is the first group. */
export const LISTENING = /is listening on (http:\/\/\S+)/
const START_TIMEOUT_MS = 30_000

export interface Child {
  name: string
  /** Where it listens; empty for a child that does not (a `hookhub worker`). */
  url: string
  pid: number
  /** Peak resident set size so far in MB (VmHWM: the kernel's high-water mark). */
  peakRssMb (): number
  /** Resident set size now in MB (VmRSS). */
  rssMb (): number
  stop (): Promise<void>
}

const running = new Set<ChildProcess>()

/** Kills every child still running; the runner calls it on exit and on Ctrl-C. */
export function killAll () {
  for (const child of running) {
    try {
      process.kill(child.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  running.clear()
}

/**
 * Starts `node <args>` (args after node's own flags) with the lifetime preload and waits until
 * its output matches `ready` (a listening server by default). The child's PID is the server
 * itself (not npm or a shell), so its RSS is the server's.
 */
export async function startChild (
  name: string, args: string[], env: Record<string, string>, lifetimeMs: number, ready = LISTENING,
): Promise<Child> {
  const child = spawn(process.execPath, ['--import', LIFETIME, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1', BENCH_LIFETIME_MS: String(lifetimeMs) },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  running.add(child)
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    running.delete(child)
    resolve()
  }))
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS)
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const match = ready.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve((match[1] ?? '').replace('localhost', '127.0.0.1'))
      }
    }
    child.stdout!.on('data', collect)
    child.stderr!.on('data', collect)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${output}`))
    })
  })
  // Keep draining both pipes so a chatty child never blocks on a full pipe; show warnings.
  child.stdout!.removeAllListeners('data').resume()
  child.stderr!.removeAllListeners('data').on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`))
  const pid = child.pid!
  return {
    name,
    url,
    pid,
    peakRssMb: () => statusMb(pid, 'VmHWM'),
    rssMb: () => statusMb(pid, 'VmRSS'),
    async stop () {
      if (!running.has(child)) return
      process.kill(pid, 'SIGKILL')
      await exited
    },
  }
}

function statusMb (pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return Math.round(kb / 102.4) / 10
}
