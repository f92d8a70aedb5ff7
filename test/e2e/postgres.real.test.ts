// Real tier, PostgreSQL: two `hookhub serve` processes start at the same moment on one fresh
// database — migrations apply once under the advisory lock, both come up, and what one writes
// the other reads.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { childEnv, fetchWithin, type Served, startServe } from '../helpers/child.ts'
import { scratchPostgresDatabase, withPgClient } from '../helpers/engines.ts'

const postgresUrl = process.env.HOOKHUB_TEST_DATABASE_URL
const MARKER = 'sk_live_unique_marker_pg'


/** Log lines of level error or fatal (pino: 50, 60) in a process's output. */
const errorLogs = (output: string) => output.split('\n').filter((line) => /"level":(50|60)\b/.test(line))

if (!postgresUrl) {
  test.skip('[postgres] two serve processes sharing one database skipped: HOOKHUB_TEST_DATABASE_URL is not set')
} else {
  test('[postgres] two serve processes started together on a fresh database: migrations apply once, both serve, data is shared', { timeout: 60_000 }, async (t) => {
    const databaseUrl = await scratchPostgresDatabase(t, 'hh_e2e')

    const env = childEnv({ HOOKHUB_DATABASE_URL: databaseUrl, HOOKHUB_SECRET_KEY: randomBytes(32).toString('base64') })
    const [a, b] = await Promise.all([startServe(t, env), startServe(t, env)])
    const servers: Served[] = [a, b]
    assert.notEqual(a.url, b.url)

    for (const hub of servers) {
      assert.equal(hub.stderr(), '', `nothing on stderr:\n${hub.stderr()}`)
      assert.deepEqual(errorLogs(hub.stdout()), [], 'no error was logged while starting')
      const ready = await fetchWithin(`${hub.url}/readyz`)
      assert.equal(ready.status, 200, await ready.clone().text())
      const body = await ready.json() as { status: string; checks: Record<string, string> }
      assert.equal(body.status, 'ready')
      assert.equal(body.checks.database, 'ok')
      assert.equal(body.checks.migrations, 'ok')
    }

    const applied = (await withPgClient(databaseUrl, (c) => c.query('select name from kysely_migration order by name'))).rows.map((r) => String(r.name))
    assert.ok(applied.includes('0001-foundation'), `the migrations are applied: ${applied.join(', ')}`)
    assert.equal(new Set(applied).size, applied.length, `each migration is recorded once: ${applied.join(', ')}`)
    const admins = await withPgClient(databaseUrl, (c) => c.query("select id from users where name = 'admin'"))
    assert.equal(admins.rowCount, 1, 'one bootstrap admin')

    const printed = servers.map((s) => s.adminToken).filter((token): token is string => token !== undefined)
    assert.equal(printed.length, 1, `exactly one of the two starts prints the admin token:\n${a.stdout()}\n${b.stdout()}`)
    const auth = { authorization: `Bearer ${printed[0]}`, accept: 'application/json' }

    // Written on one, read on the other — in both directions.
    const created = await fetchWithin(`${a.url}/api/v1/integrations`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Stripe Webhook', type: 'webhook', provider: 'stripe', status: 'pending', credentials: { api_key: MARKER } }),
    })
    const createdText = await created.text()
    assert.equal(created.status, 201, createdText)
    assert.ok(!createdText.includes(MARKER))
    const integration = JSON.parse(createdText) as { uuid: string; user_id: number }
    assert.equal(integration.user_id, admins.rows[0].id)

    const read = await fetchWithin(`${b.url}/api/v1/integrations/${integration.uuid}`, { headers: auth })
    assert.equal(read.status, 200)
    assert.deepEqual(await read.json(), JSON.parse(createdText))

    const user = await fetchWithin(`${b.url}/api/v1/users`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ops@example.com', name: 'ops', permissions: ['integrations.view'] }),
    })
    assert.equal(user.status, 201)
    const ops = await user.json() as { token: string }
    const list = await fetchWithin(`${a.url}/api/v1/integrations`, { headers: { authorization: `Bearer ${ops.token}`, accept: 'application/json' } })
    assert.equal(list.status, 200, 'a token issued by one process signs in on the other')
    const page = await list.json() as { total: number; data: { uuid: string }[] }
    assert.equal(page.total, 1)
    assert.equal(page.data[0].uuid, integration.uuid)

    const stored = await withPgClient(databaseUrl, (c) => c.query('select * from integrations'))
    const rows = JSON.stringify(stored.rows)
    assert.ok(rows.includes(integration.uuid), 'control: the row is read back')
    assert.ok(!rows.includes(MARKER), 'the credential is not stored in plaintext')

    for (const hub of servers) {
      assert.deepEqual(await hub.stop('SIGTERM'), { code: 0, signal: null }, hub.stderr())
      assert.ok(!hub.stdout().includes(MARKER) && !hub.stderr().includes(MARKER), 'the credential never appears in the output')
    }
  })
}
