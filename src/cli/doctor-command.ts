import dns from 'node:dns/promises'
import fs from 'node:fs'
import net from 'node:net'
import { KEY_CHECK } from '../app.ts'
import { redactUrl, type Config } from '../config.ts'
import { createSecretBox } from '../core/secret-box.ts'
import { isBlockedAddress } from '../core/ssrf-guard.ts'
import { resolveSecretKey } from '../secret-key.ts'
import { openDatabase, type Database } from '../storage/database.ts'
import { createEndpointRepository } from '../storage/endpoint-repository.ts'
import { pendingMigrations } from '../storage/migrator.ts'
import { createSettingsRepository } from '../storage/settings-repository.ts'
import { sql } from 'kysely'
import { ApiError, connectToHub, HubUnreachableError, type ApiOptions, type HubClient } from './api-client.ts'
import { loadCliConfig, type CommonOptions } from './context.ts'
import { printJson, printLine } from './output.ts'
import { parseBrokerUrl } from '../destinations/broker-url.ts'

// `hookhub doctor`: asks the running hub what it runs with (GET /api/v1/status), checks what
// `serve` needs — configuration, database, secret key, migrations — and every endpoint's
// receiver under the hub's own SSRF guard, and says what to fix. It reads and never writes: no
// migration, no key file, no database file is created.

type Status = 'ok' | 'failed' | 'warning' | 'skipped'

export interface Check {
  check: string
  status: Status
  message: string
  fix?: string
}

const MARK: Record<Status, string> = { ok: '✓', failed: '✗', warning: '!', skipped: '-' }
/** Checks of receivers run this many at a time, each bounded by the reach timeout. */
const REACH_CONCURRENCY = 8
const REACH_TIMEOUT_MS = 3_000
const HUB_TIMEOUT_MS = 3_000

interface EndpointToCheck { id: string; url: string; enabled: boolean; paused: boolean; disabledReason: string | null }

export interface DoctorOptions extends CommonOptions, ApiOptions { json?: boolean }

/** Where `serve` with this configuration answers, when the caller named no hub. */
function hubUrlOf (config: Config): string | undefined {
  if (config.port === 0) return undefined
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`
}

const databaseName = (config: Config) =>
  config.database.engine === 'sqlite' ? `sqlite:${config.database.file}` : redactUrl(config.database.url)

/** Can this host open a TCP connection to the receiver, as the SSRF guard would let the worker? */
async function reach (endpoint: EndpointToCheck, allowPrivateNetworks: boolean): Promise<Check | null> {
  const name = `endpoint ${endpoint.id}`
  let url: URL
  try {
    url = new URL(endpoint.url)
  } catch {
    return { check: name, status: 'failed', message: `${endpoint.url} is not a URL`, fix: 'change the endpoint URL' }
  }
  const port = parseBrokerUrl(endpoint.url)?.port ?? Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: string[]
  try {
    addresses = net.isIP(host) ? [host] : (await dns.lookup(host, { all: true })).map((a) => a.address)
  } catch (err) {
    return { check: name, status: 'failed', message: `${endpoint.url}: ${host} does not resolve (${(err as NodeJS.ErrnoException).code})`, fix: 'check the host name of the endpoint URL' }
  }
  const blocked = addresses.find((address) => isBlockedAddress(address))
  if (blocked && !allowPrivateNetworks) {
    return {
      check: name,
      status: 'failed',
      message: `${endpoint.url} resolves to ${blocked}, a private or loopback address: the SSRF guard refuses every delivery`,
      fix: 'use a public URL, or set HOOKHUB_ALLOW_PRIVATE_NETWORKS=true if the receiver is meant to be on a private network',
    }
  }
  const problem = await new Promise<string | null>((resolve) => {
    const socket = net.connect({ host: addresses[0], port })
    socket.setTimeout(REACH_TIMEOUT_MS, () => { socket.destroy(); resolve(`no connection within ${REACH_TIMEOUT_MS / 1000} s`) })
    socket.once('connect', () => { socket.destroy(); resolve(null) })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'connection refused' : (err.code ?? err.message)))
  })
  if (problem === null) return null
  return { check: name, status: 'failed', message: `${endpoint.url} is unreachable from here (${problem})`, fix: 'start the receiver, or correct the endpoint URL' }
}

async function endpointsFromDatabase (database: Database): Promise<EndpointToCheck[]> {
  const repository = createEndpointRepository(database.db)
  const out: EndpointToCheck[] = []
  for (let afterId = ''; ;) {
    const rows = await repository.list({ afterId, limit: 500 })
    out.push(...rows.map((r) => ({ id: r.id, url: r.url, enabled: r.enabled === 1, paused: r.paused === 1, disabledReason: r.disabled_reason })))
    if (rows.length < 500) return out
    afterId = rows[rows.length - 1].id
  }
}

async function endpointsFromHub (hub: HubClient): Promise<EndpointToCheck[]> {
  const out: EndpointToCheck[] = []
  for await (const e of hub.all<{ id: string; url: string; enabled: boolean; paused: boolean; disabled_reason: string | null }>('/api/v1/endpoints')) {
    out.push({ id: e.id, url: e.url, enabled: e.enabled, paused: e.paused, disabledReason: e.disabled_reason })
  }
  return out
}

/** Runs `check` over `items`, at most `limit` at a time, keeping each result with its item. */
async function eachLimited<T, R> (items: T[], limit: number, check: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const lane = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await check(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return results
}

export async function doctor (options: DoctorOptions) {
  const checks: Check[] = []
  const add = (check: Check) => {
    checks.push(check)
    if (!options.json) printLine(`${MARK[check.status]} ${check.check}: ${check.message}${check.fix ? ` → ${check.fix}` : ''}`)
  }
  try {
    await runChecks(options, add)
  } finally {
    const ok = !checks.some((c) => c.status === 'failed')
    if (options.json) printJson({ ok, checks })
  }
  const failed = checks.filter((c) => c.status === 'failed').length
  if (failed > 0) throw new Error(`${failed} check${failed === 1 ? '' : 's'} failed; fix what the ✗ line${failed === 1 ? ' says' : 's say'}`)
}

async function runChecks (options: DoctorOptions, add: (check: Check) => void) {
  let config: Config
  try {
    config = loadCliConfig(options)
  } catch (err) {
    return add({ check: 'configuration', status: 'failed', message: (err as Error).message })
  }
  add({
    check: 'configuration',
    status: 'ok',
    message: `database ${databaseName(config)}; listens on ${config.host}:${config.port}; SSRF guard ${config.allowPrivateNetworks ? 'off (HOOKHUB_ALLOW_PRIVATE_NETWORKS=true)' : 'on'}; ${config.workers} worker(s)`,
  })

  const { hub, status } = await checkHub(config, options, add)
  if (status) checkHubSettings(status, add)

  let endpoints: EndpointToCheck[] | undefined
  if (status && status.database !== databaseName(config)) {
    // The hub's own readiness covers its database; this shell's configuration names another.
    add({ check: 'database', status: 'skipped', message: `the hub uses ${status.database}; this shell names ${databaseName(config)}`, fix: 'set HOOKHUB_DATABASE_URL (and the key) to the hub\'s to check them from here' })
  } else {
    const database = await checkDatabase(config, add)
    try {
      if (database) endpoints = await checkSchema(config, database, add)
    } finally {
      await database?.close()
    }
  }

  if (!endpoints && hub) endpoints = await endpointsFromHub(hub).catch(() => undefined)
  // Receivers are judged by the SSRF guard of the hub that delivers to them, when it told us.
  await checkEndpoints(endpoints, status ? !status.ssrf_guard : config.allowPrivateNetworks, add)
}

/** What GET /api/v1/status answers: the settings the running hub was started with. */
interface HubStatus {
  version: string
  engine: string
  database: string
  listen: { host: string; port: number }
  ssrf_guard: boolean
  workers: number
  worker_concurrency: number
  retry_schedule: string
  request_timeout_ms: number
}

function checkHubSettings (status: HubStatus, add: (check: Check) => void) {
  const workers = status.workers === 0
    ? 'no workers in the API process (run hookhub worker beside it)'
    : `${status.workers} worker(s) of ${status.worker_concurrency} slots`
  const message = `hookhub ${status.version} on ${status.database}; listens on ${status.listen.host}:${status.listen.port}; ` +
    `SSRF guard ${status.ssrf_guard ? 'on' : 'off'}; retry schedule ${status.retry_schedule}; request timeout ${status.request_timeout_ms / 1000} s; ${workers}`
  if (status.ssrf_guard) return add({ check: 'hub settings', status: 'ok', message })
  add({
    check: 'hub settings',
    status: 'warning',
    message: `${message}; deliveries may reach private and loopback addresses`,
    fix: 'unset HOOKHUB_ALLOW_PRIVATE_NETWORKS where the hub runs unless its receivers are meant to be on a private network',
  })
}

/** Opens the database, unless it does not exist yet (opening would create it). */
async function checkDatabase (config: Config, add: (check: Check) => void): Promise<Database | undefined> {
  const name = databaseName(config)
  if (config.database.engine === 'sqlite') {
    if (config.database.file === ':memory:') {
      add({ check: 'database', status: 'warning', message: 'sqlite::memory: keeps nothing, and each process has its own', fix: 'set HOOKHUB_DATABASE_URL to sqlite:<file> or postgres://…' })
      return undefined
    }
    if (!fs.existsSync(config.database.file)) {
      add({ check: 'database', status: 'failed', message: `${name} does not exist`, fix: 'create it with: hookhub migrate (hookhub serve does it too), or correct HOOKHUB_DATABASE_URL' })
      return undefined
    }
  }
  const database = openDatabase(config.database, { poolSize: 1 })
  try {
    await sql`select 1`.execute(database.db)
  } catch (err) {
    await database.close().catch(() => {})
    add({ check: 'database', status: 'failed', message: `cannot open ${name}: ${(err as Error).message}`, fix: 'check HOOKHUB_DATABASE_URL and that the database server is running' })
    return undefined
  }
  add({ check: 'database', status: 'ok', message: `${name} opens` })
  return database
}

/** Secret key, migrations and the key check; returns the endpoints when their table exists. */
async function checkSchema (config: Config, database: Database, add: (check: Check) => void) {
  let key: Buffer | undefined
  try {
    const resolved = resolveSecretKey(config)
    key = resolved.key
    add({ check: 'secret key', status: 'ok', message: config.secretKey !== undefined ? 'HOOKHUB_SECRET_KEY is a 32-byte key' : 'read from the key file next to the database' })
  } catch (err) {
    add({ check: 'secret key', status: 'failed', message: (err as Error).message })
  }

  const pending = await pendingMigrations(database)
  if (pending.length === 0) {
    add({ check: 'migrations', status: 'ok', message: 'all applied' })
  } else {
    add({ check: 'migrations', status: 'failed', message: `${pending.length} pending: ${pending.join(', ')}`, fix: 'apply them with: hookhub migrate (hookhub serve does it at start)' })
  }

  // The settings table comes with the first migration; without it nothing was ever stored.
  if (key && !pending.includes('0001-foundation')) {
    const stored = await createSettingsRepository(database.db).get(KEY_CHECK)
    if (stored === undefined) {
      add({ check: 'key matches database', status: 'warning', message: 'no key check stored yet', fix: 'hookhub migrate stores it' })
    } else if (createSecretBox(key).verifyCheckValue(stored)) {
      add({ check: 'key matches database', status: 'ok', message: 'the key opens the secrets stored in this database' })
    } else {
      add({
        check: 'key matches database',
        status: 'failed',
        message: 'the secret key is not the one this database was created with; stored secrets cannot be read',
        fix: 'set HOOKHUB_SECRET_KEY (or restore secret.key next to the database) to the original key',
      })
    }
  }
  return pending.includes('0002-delivery-core') ? undefined : endpointsFromDatabase(database)
}

interface HubAnswer { hub?: HubClient; status?: HubStatus }

/**
 * Asks the hub named by --url/HOOKHUB_URL (or where this configuration would listen) whether it
 * is ready and, with a token, what it runs with.
 */
async function checkHub (config: Config, options: DoctorOptions, add: (check: Check) => void): Promise<HubAnswer> {
  const named = options.url ?? process.env.HOOKHUB_URL
  const url = named ?? hubUrlOf(config)
  if (!url) {
    add({ check: 'hub', status: 'skipped', message: 'PORT=0 and no --url: no hub to ask' })
    return {}
  }
  const hub = connectToHub({ ...options, url }, process.env, { anonymous: true })
  try {
    const ready = await hub.request<{ status: string; checks?: Record<string, string> }>('GET', '/readyz', { expect: [503], timeoutMs: HUB_TIMEOUT_MS })
    if (ready.status !== 200) {
      const why = Object.entries(ready.body?.checks ?? {}).filter(([, v]) => v !== 'ok').map(([k, v]) => `${k} ${v}`).join(', ')
      add({ check: 'hub', status: 'failed', message: `${hub.url} is up but not ready (${why || ready.status})`, fix: 'restart hookhub serve after fixing the problems above' })
      return {}
    }
  } catch (err) {
    if (err instanceof HubUnreachableError && !named) {
      add({ check: 'hub', status: 'skipped', message: `nothing answers at ${hub.url}; pass --url to check a running hub` })
      return {}
    }
    add({ check: 'hub', status: 'failed', message: (err as Error).message, fix: 'start hookhub serve, or correct --url / HOOKHUB_URL' })
    return {}
  }
  add({ check: 'hub', status: 'ok', message: `${hub.url} is ready` })

  if (!(options.token ?? process.env.HOOKHUB_TOKEN)) {
    add({ check: 'hub settings', status: 'skipped', message: 'no API token: pass --token or set HOOKHUB_TOKEN to read what the hub runs with' })
    return {}
  }
  try {
    const status = await hub.get<HubStatus>('/api/v1/status', { timeoutMs: HUB_TIMEOUT_MS })
    add({ check: 'API token', status: 'ok', message: 'accepted' })
    return { hub, status }
  } catch (err) {
    if (!(err instanceof ApiError)) throw err
    add({ check: 'API token', status: 'failed', message: err.message, fix: 'pass a valid --token / HOOKHUB_TOKEN (hookhub token create issues one)' })
    return {}
  }
}

async function checkEndpoints (endpoints: EndpointToCheck[] | undefined, allowPrivateNetworks: boolean, add: (check: Check) => void) {
  if (!endpoints) {
    add({ check: 'endpoints', status: 'skipped', message: 'neither the database nor the hub could list them' })
    return
  }
  const active = endpoints.filter((e) => e.enabled && !e.paused)
  for (const e of endpoints.filter((x) => !x.enabled)) {
    add({
      check: `endpoint ${e.id}`,
      status: 'warning',
      message: `disabled${e.disabledReason ? ` (${e.disabledReason})` : ''}; nothing is delivered to ${e.url}`,
      fix: `once the receiver works: PATCH /api/v1/endpoints/${e.id} {"enabled":true}`,
    })
  }
  const problems = (await eachLimited(active, REACH_CONCURRENCY, (e) => reach(e, allowPrivateNetworks)))
    .filter((c): c is Check => c !== null)
  problems.forEach(add)
  const paused = endpoints.filter((e) => e.enabled && e.paused).length
  const summary = `${active.length - problems.length} of ${active.length} active reachable` +
    (paused > 0 ? `, ${paused} paused (not checked)` : '') + (endpoints.length === 0 ? ' (none registered)' : '')
  add({ check: 'endpoints', status: problems.length > 0 ? 'failed' : 'ok', message: summary })
}
