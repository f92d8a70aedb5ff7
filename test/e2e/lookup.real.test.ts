// Real tier: Incoplax's LOOKUP verb against the real hub process, with curl as the client.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { test } from 'node:test'
import { childEnv, fetchWithin, startServe, tempDir } from '../helpers/child.ts'

const TOKEN = 'hh_lookup_e2e_admin_token_0123456789'
const BASE = '/rest/v1/service/integration_points'

function curl (args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '-w', '\n%{http_code}', '--max-time', '5', ...args])
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.on('error', reject)
    child.on('close', () => {
      const lines = out.trimEnd().split('\n')
      resolve({ code: Number(lines.pop()), out: lines.join('\n') })
    })
  })
}

test('curl -X LOOKUP reaches the Incoplax lookup on the real listener; the override header works too', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t)
  const hub = await startServe(t, childEnv({
    HOOKHUB_DATABASE_URL: `sqlite:${path.join(dir, 'hub.db')}`, HOOKHUB_ADMIN_TOKEN: TOKEN, HOOKHUB_LOG_LEVEL: 'warn',
  }))
  const auth = ['-H', `Authorization: Bearer ${TOKEN}`, '-H', 'Content-Type: application/json; charset=utf-8']
  const created = await fetchWithin(`${hub.url}${BASE}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code: 'ABCDE', type: 'public' }),
  })
  assert.equal(created.status, 200)
  const point = await created.json() as { id: string; token_local: string }

  for (const key of [point.id, 'ABCDE', point.token_local]) {
    const res = await curl(['-X', 'LOOKUP', ...auth, '-d', JSON.stringify(key), `${hub.url}${BASE}`])
    assert.equal(res.code, 200, res.out)
    assert.deepEqual(JSON.parse(res.out), [point.id])
  }
  const missing = await curl(['-X', 'LOOKUP', ...auth, '-d', '"82ddc7c68623726346a78371173e2f8d"', `${hub.url}${BASE}`])
  assert.equal(missing.code, 404)
  assert.deepEqual(JSON.parse(missing.out), { error_code: 1404, error_message: 'Lookup failed' })
  const override = await curl(['-X', 'POST', ...auth, '-H', 'X-HTTP-Method-Override: LOOKUP', '-d', '"ABCDE"', `${hub.url}${BASE}`])
  assert.equal(override.code, 200)
  assert.deepEqual(JSON.parse(override.out), [point.id])
  // Ordinary requests on the same listener are untouched by the layer.
  const list = await curl([...auth, `${hub.url}${BASE}?mask=id`])
  assert.equal(list.code, 200)
  assert.deepEqual(JSON.parse(list.out), [{ id: point.id }])
})
