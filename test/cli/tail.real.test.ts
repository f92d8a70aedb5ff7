// Real tier: `hookhub tail` follows a running hub's live stream.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { FAST_DELIVERY } from '../helpers/delivery.ts'
import { childEnv, fetchWithin, linesOf, runHookhub, startServe, tempDir } from '../helpers/child.ts'
import { startSink } from '../helpers/sink.ts'

const ADMIN = 'hh_tail_admin_token_0123456789abcdef'

async function hubWithEndpoint (t: TestContext, status: number) {
  const dir = tempDir(t)
  const served = await startServe(t, childEnv({
    ...FAST_DELIVERY,
    HOOKHUB_DATABASE_URL: `sqlite:${dir}/hub.db`,
    HOOKHUB_ADMIN_TOKEN: ADMIN,
    HOOKHUB_SECRET_KEY: randomBytes(32).toString('base64'),
  }))
  const sink = await startSink(t, (_req, res) => { res.statusCode = status; res.end() })
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }
  const created = await fetchWithin(`${served.url}/api/v1/endpoints`, { method: 'POST', headers, body: JSON.stringify({ url: sink.url }) })
  assert.equal(created.status, 201)
  const endpoint = (await created.json()) as { id: string }
  // Publishes until `done` settles, so that the tail sees events however late it connects.
  const publishUntil = async (done: Promise<unknown>) => {
    let finished = false
    void done.finally(() => { finished = true })
    while (!finished) {
      await fetchWithin(`${served.url}/api/v1/events`, { method: 'POST', headers, body: JSON.stringify({ type: 'task.created', payload: {} }) })
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
  }
  return { served, endpoint, publishUntil }
}

test('tail --json prints one object per line for deliveries and, with --events, events', { timeout: 60_000 }, async (t) => {
  const { served, endpoint, publishUntil } = await hubWithEndpoint(t, 200)
  const run = runHookhub(t, ['tail', '--json', '--events', '--max', '6', '--url', served.url, '--token', ADMIN], childEnv(), { timeoutMs: 30_000 })
  await publishUntil(run)
  const result = await run
  assert.equal(result.code, 0, result.stderr)
  const lines = linesOf(result.stdout).map((line) => JSON.parse(line) as { kind: string; data: Record<string, unknown> })
  assert.equal(lines.length, 6)
  const deliveries = lines.filter((l) => l.kind === 'delivery')
  assert.ok(deliveries.length > 0 && lines.some((l) => l.kind === 'event'), result.stdout)
  for (const { data } of deliveries) {
    assert.equal(data.endpoint_id, endpoint.id)
    assert.equal(data.status, 'succeeded')
    assert.equal(data.status_code, 200)
  }
})

test('tail prints aligned lines with status code, duration and attempt n/N, without colour when not a terminal', { timeout: 60_000 }, async (t) => {
  const { served, endpoint, publishUntil } = await hubWithEndpoint(t, 503)
  const run = runHookhub(t, ['tail', '--max', '3', '--endpoint', endpoint.id], childEnv({ HOOKHUB_URL: served.url, HOOKHUB_TOKEN: ADMIN }), { timeoutMs: 30_000 })
  await publishUntil(run)
  const result = await run
  assert.equal(result.code, 0, result.stderr)
  assert.match(result.stderr, /following http:\/\/127\.0\.0\.1:\d+/)
  const lines = linesOf(result.stdout)
  assert.equal(lines.length, 3)
  assert.ok(lines.every((line) => !line.includes('\u001b[')), 'no ANSI colour outside a terminal')
  // Which attempts the tail catches depends on when it connected (the failures may have opened the
  // endpoint's circuit by then); every line has the same shape.
  for (const line of lines) {
    assert.match(line, /^\d\d:\d\d:\d\d\.\d{3} +task\.created +ep_\S+ +503 +\d+ ms +attempt [1-3]\/3 +(pending, (retry at|circuit open until) \d\d:\d\d:\d\d\.\d{3}|failed)$/)
    assert.ok(line.includes(endpoint.id), line)
  }
})

test('tail refuses a wrong token in one line (exit 1) and a bad --max as a usage error (exit 2)', { timeout: 30_000 }, async (t) => {
  const { served } = await hubWithEndpoint(t, 200)
  const denied = await runHookhub(t, ['tail', '--url', served.url, '--token', 'hh_wrong'], childEnv())
  assert.equal(denied.code, 1)
  assert.deepEqual(linesOf(denied.stderr).filter((l) => l.startsWith('hookhub:')).length, 1)
  assert.match(denied.stderr, /HOOKHUB_UNAUTHENTICATED/)
  const noToken = await runHookhub(t, ['tail', '--url', served.url], childEnv())
  assert.equal(noToken.code, 1)
  assert.match(noToken.stderr, /^hookhub: no API token/m)
  const badMax = await runHookhub(t, ['tail', '--max', 'x', '--url', served.url, '--token', ADMIN], childEnv())
  assert.equal(badMax.code, 2)
  assert.match(badMax.stderr, /--max/)
})
