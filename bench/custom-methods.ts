// What the custom-method layer (src/http/custom-methods.ts) costs on ordinary requests: a trivial GET route on a
// plain Fastify server and on one behind the layer, each server in its own child process, driven by autocannon on
// 127.0.0.1, once with one request per round trip and once with ten pipelined. Runs alternate between the two
// servers so drift in the machine's speed hits both alike. Besides requests/s it reports each server's CPU time per
// request, which other load on the machine disturbs less.
// Usage: node --import tsx bench/custom-methods.ts   (about 25 s; stops by itself)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { customMethodServerFactory } from '../src/http/custom-methods.ts'

type Variant = 'plain' | 'layered'
type Server = { child: ChildProcess, url: string }
type Sample = { rate: number, cpuPerRequest: number }
// autocannon ships no types; this is the part used here.
type Result = { requests: { average: number, total: number }, non2xx: number, errors: number }
type Autocannon = (opts: { url: string, connections: number, pipelining: number, duration: number }) => Promise<Result>

const ROUNDS = 5
const SECONDS = 1
const CONNECTIONS = 100
const PIPELINING = [1, 10]

async function serve (variant: Variant): Promise<void> {
  const app = variant === 'plain'
    ? Fastify({ logger: false })
    : Fastify({ logger: false, serverFactory: customMethodServerFactory(['LOOKUP']) })
  app.get('/', async () => ({ hello: 'world' }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  process.send?.(typeof address === 'object' && address !== null ? address.port : 0)
  process.on('message', () => {
    const { user, system } = process.cpuUsage()
    process.send?.(user + system)
  })
  // The parent ends this process; losing the parent ends it too.
  process.on('disconnect', () => process.exit(0))
}

/**
 * With taskset and two CPUs or more, autocannon keeps CPU 0 and the servers get CPU 1, so that neither slows the
 * other down by a varying amount; without, the operating system places them.
 */
function pinning (): string[] {
  if (os.availableParallelism() < 2 || spawnSync('taskset', ['-p', '-c', '0', String(process.pid)]).status !== 0) return []
  return ['taskset', '-c', '1']
}

async function start (variant: Variant, pin: string[]): Promise<Server> {
  const [command, ...args] = [...pin, process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), 'serve', variant]
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [port] = await once(child, 'message') as [number]
  return { child, url: `http://127.0.0.1:${port}/` }
}

/** CPU microseconds the server process has used so far. */
async function cpuOf ({ child }: Server): Promise<number> {
  child.send('cpu')
  const [micros] = await once(child, 'message') as [number]
  return micros
}

async function measure (autocannon: Autocannon, server: Server, pipelining: number): Promise<Sample> {
  const before = await cpuOf(server)
  const result = await autocannon({ url: server.url, connections: CONNECTIONS, pipelining, duration: SECONDS })
  const cpu = await cpuOf(server) - before
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${server.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  return { rate: result.requests.average, cpuPerRequest: cpu / result.requests.total }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const percent = (x: number) => `${(x * 100).toFixed(1)} %`

async function main (): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon
  const pin = pinning()
  const servers = { plain: await start('plain', pin), layered: await start('layered', pin) }
  try {
    console.log(`autocannon -c ${CONNECTIONS} -d ${SECONDS} against GET /, ${ROUNDS} alternating rounds each; medians` +
      (pin.length > 0 ? '; autocannon on CPU 0, servers on CPU 1' : ''))
    for (const pipelining of PIPELINING) {
      const samples: Record<Variant, Sample[]> = { plain: [], layered: [] }
      // The first round of each setting only warms both servers up.
      for (let round = 0; round <= ROUNDS; round++) {
        const order: Variant[] = round % 2 === 0 ? ['plain', 'layered'] : ['layered', 'plain']
        for (const variant of order) {
          const sample = await measure(autocannon, servers[variant], pipelining)
          if (round > 0) samples[variant].push(sample)
        }
      }
      const rate = (v: Variant) => median(samples[v].map((s) => s.rate))
      const cpu = (v: Variant) => median(samples[v].map((s) => s.cpuPerRequest))
      console.log(`pipelining ${String(pipelining).padStart(2)}:` +
        ` requests/s ${rate('plain').toFixed(0)} plain, ${rate('layered').toFixed(0)} layered, ${percent(1 - rate('layered') / rate('plain'))} fewer;` +
        ` server CPU µs/request ${cpu('plain').toFixed(2)} plain, ${cpu('layered').toFixed(2)} layered, ${percent(cpu('layered') / cpu('plain') - 1)} more`)
    }
  } finally {
    for (const { child } of Object.values(servers)) child.kill()
  }
}

if (process.argv[2] === 'serve') await serve(process.argv[3] as Variant)
else await main()
