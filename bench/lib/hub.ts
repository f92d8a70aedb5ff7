// hookhub under test, as `npm start` runs it: one `hookhub serve` process and, when the engine
// asks for them (PostgreSQL), `hookhub worker` processes beside it on the same database. Plus
// the few API calls the scenarios make to set it up.
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, startChild, type Child } from './children.ts'
import type { Engine } from './engines.ts'

export const ADMIN_TOKEN = 'hh_bench_admin_token_not_secret'
export const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` }
const WORKER_STARTED = /hookhub worker started/

/** The Node flags `npm start` runs the hub with (package.json), so that every hub process here runs as it would. */
function startFlags (): string[] {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
  const match = /^node((?:\s+--\S+)*)\s+bin\/hookhub\.js serve$/.exec(scripts.start)
  if (!match) throw new Error(`package.json's start script is not "node [--flags] bin/hookhub.js serve": ${scripts.start}`)
  return match[1].trim().split(/\s+/).filter(Boolean)
}

export interface Hub {
  name: string
  /** The API's URL. */
  url: string
  databaseUrl: string
  /** The API process first, then the workers. */
  processes: Child[]
  /** The largest peak RSS of its processes: the 200 MB target is per process. */
  peakRssMb (): number
  /** The largest current RSS of its processes. */
  rssMb (): number
  /** Peak RSS of each process, for the JSON. */
  peakRssByProcess (): Record<string, number>
  stop (): Promise<void>
}

/**
 * hookhub on a fresh database of `engine`, with one endpoint at `sinkUrl` for `types` unless
 * `types` is empty (`paused`: it gets its deliveries but sends none). `env` adds settings
 * (HOOKHUB_*) a scenario needs.
 */
export async function startHub (
  engine: Engine, name: string, lifetimeMs: number,
  { sinkUrl, types = ['bench.*'], env = {}, paused = false }: { sinkUrl?: string, types?: string[], env?: Record<string, string>, paused?: boolean } = {},
): Promise<Hub> {
  const clean: Record<string, string> = {}
  // Nothing from the developer's shell (HOOKHUB_*) may change the hub under test.
  for (const key of Object.keys(process.env)) if (key.startsWith('HOOKHUB_')) clean[key] = ''
  const common = {
    ...clean,
    ...engine.hubEnv,
    ...env,
    HOOKHUB_DATABASE_URL: await engine.newDatabase(name),
    HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true',
    HOOKHUB_LOG_LEVEL: 'warn',
    HOOKHUB_ADMIN_TOKEN: ADMIN_TOKEN,
  }
  // With separate workers the API process delivers nothing itself (HOOKHUB_WORKERS=0).
  const flags = startFlags()
  const api = await startChild(name, [...flags, 'bin/hookhub.js', 'serve'], {
    ...common, ...(engine.workerProcesses > 0 ? { HOOKHUB_WORKERS: '0' } : {}),
  }, lifetimeMs)
  // Started after the API has applied the migrations, so that they find the schema in place;
  // together, since each spends seconds loading before it connects.
  const workers = Array.from({ length: engine.workerProcesses }, (_, i) =>
    startChild(`${name}-worker${i + 1}`, [...flags, 'bin/hookhub.js', 'worker'], common, lifetimeMs, WORKER_STARTED))
  const processes = [api, ...await Promise.all(workers)]
  const hub: Hub = {
    name,
    url: api.url,
    databaseUrl: common.HOOKHUB_DATABASE_URL,
    processes,
    peakRssMb: () => Math.max(...processes.map((p) => p.peakRssMb())),
    rssMb: () => Math.max(...processes.map((p) => p.rssMb())),
    peakRssByProcess: () => Object.fromEntries(processes.map((p) => [p.name, p.peakRssMb()])),
    async stop () {
      await Promise.all(processes.map((p) => p.stop()))
    },
  }
  if (sinkUrl !== undefined && types.length > 0) await addEndpoint(hub, `${sinkUrl}/hooks`, types, paused)
  return hub
}

/** Native API call as the admin; anything but `expected` is a broken setup, not a figure. */
async function api<T> (hub: Hub, method: string, urlPath: string, body: unknown, expected: number): Promise<T> {
  const res = await fetch(hub.url + urlPath, {
    method,
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (res.status !== expected) throw new Error(`${method} ${urlPath} on ${hub.name} answered ${res.status}: ${await res.text()}`)
  return await res.json() as T
}

/** `extra`: more endpoint fields (e.g. a transform); `payload`: a filter.payload match document (docs/filters.md). */
export async function addEndpoint (hub: Hub, url: string, types: string[], paused = false, extra: Record<string, unknown> = {}, payload?: unknown): Promise<void> {
  await api(hub, 'POST', '/api/v1/endpoints', { url, filter: { types, payload }, paused, ...extra }, 201)
}

/**
 * A Kanboard source (README "Kanboard webhooks, in and out"); returns the path Kanboard posts
 * to, its webhook token in `?token=`, relative to the hub's URL.
 */
export async function addKanboardSource (hub: Hub): Promise<string> {
  const secret = 'bench_kanboard_webhook_token'
  const source = await api<{ inbound_url: string }>(hub, 'POST', '/api/v1/sources', { name: 'Kanboard', verify: 'kanboard', secret }, 201)
  // inbound_url is built on HOOKHUB_PUBLIC_URL; only its path is the hub's.
  return `${new URL(source.inbound_url).pathname}?token=${secret}`
}
