// The compiled hub's logs when its output is piped (a container, systemd, a log collector): JSON
// lines with ISO times, one line per failed request, none for a success or a liveness probe,
// and every line with HOOKHUB_ACCESS_LOG=all; inbound tokens masked. The start banner says
// whether the SSRF guard is on and which retry schedule applies.
import assert from 'node:assert/strict'
import path from 'node:path'
import { test, type TestContext } from 'node:test'
import { childEnv, fetchWithin, startServe, tempDir, WAIT_MS } from './helpers/child.ts'

const ADMIN = 'hh_real_logs_admin_token_0123456789'
const TOKEN = 'f3e2d1c0b9a8f3e2d1c0b9a8f3e2d1c0'
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

type Line = { time: string; msg: string; method?: string; path?: string; status?: number }

/** Runs a hub, sends the same requests, stops it and returns its stdout: banner and log lines apart. */
async function logsOf (t: TestContext, env: Record<string, string>) {
  const dir = tempDir(t)
  const hub = await startServe(t, childEnv({
    HOOKHUB_DATABASE_URL: `sqlite:${path.join(dir, 'hub.db')}`, HOOKHUB_ADMIN_TOKEN: ADMIN, ...env,
  }))
  const auth = { authorization: `Bearer ${ADMIN}` }
  assert.equal((await fetchWithin(`${hub.url}/api/v1/endpoints`, { headers: auth })).status, 200)
  assert.equal((await fetchWithin(`${hub.url}/healthz`)).status, 200)
  assert.equal((await fetchWithin(`${hub.url}/hooks/${TOKEN}?token=${TOKEN}`, { method: 'POST', body: '{}' })).status, 404)
  // The 404's line is the last one the requests cause: once it is out, every line is.
  const deadline = Date.now() + WAIT_MS
  while (!hub.stdout().includes('"status":404')) {
    assert.ok(Date.now() < deadline, `no line for the 404:\n${hub.stdout()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  await hub.stop()
  const banner: string[] = []
  const lines: Line[] = []
  for (const text of hub.stdout().split('\n').filter(Boolean)) {
    if (/^hookhub \S+ is listening on |^ {2}\S/.test(text)) banner.push(text)
    else lines.push(JSON.parse(text) as Line)
  }
  for (const line of lines) assert.match(line.time, ISO, JSON.stringify(line))
  assert.ok(!hub.stdout().includes(TOKEN), 'the inbound token is masked')
  return { banner, requests: lines.filter((line) => line.msg === 'request').map(({ method, path, status }) => ({ method, path, status })) }
}

test('piped, the hub logs JSON lines: one for a 404, none for a 200 or /healthz; the banner states the SSRF guard and the retries', async (t) => {
  const { banner, requests } = await logsOf(t, {})
  assert.deepEqual(requests, [{ method: 'POST', path: '/hooks/****?token=****', status: 404 }])
  assert.ok(banner.includes('  SSRF guard: on (no deliveries to private, loopback or metadata addresses)'), banner.join('\n'))
  assert.ok(banner.includes('  retries:    0,5s,5m,30m,2h,5h,10h,10h (±20 % jitter)'), banner.join('\n'))
})

test('HOOKHUB_ACCESS_LOG=all: one line for every request but /healthz', async (t) => {
  const { banner, requests } = await logsOf(t, { HOOKHUB_ACCESS_LOG: 'all', HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true', HOOKHUB_RETRY_SCHEDULE: '0,10s' })
  assert.deepEqual(requests, [
    { method: 'GET', path: '/api/v1/endpoints', status: 200 },
    { method: 'POST', path: '/hooks/****?token=****', status: 404 },
  ])
  assert.ok(banner.some((line) => line.startsWith('  SSRF guard: off')), banner.join('\n'))
  assert.ok(banner.includes('  retries:    0,10s (±20 % jitter)'), banner.join('\n'))
})
