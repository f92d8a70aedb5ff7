// Real tier: how the API commands fail — one line on stderr, exit 1 for a failure, exit 2 for
// a usage error. What is checked here is the CLI's reading of answers and flags, the same on
// either engine (api-commands.real.test.ts covers both engines), so it runs on SQLite only.
import assert from 'node:assert/strict'
import net from 'node:net'
import { describe, test, type TestContext } from 'node:test'
import { childEnv, runHookhub } from '../helpers/child.ts'
import { startSink } from '../helpers/sink.ts'
import { assertFails, serveHub } from './support.ts'

/** A local port nothing listens on. */
async function closedPort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('[sqlite] CLI failures: one line, exit 1 or 2', () => {
  test('answers of the hub and unreachable hubs', { concurrency: 4, timeout: 120_000 }, async (t) => {
    const hub = await serveHub(t, 'sqlite')
    const fails = async (args: string[], code: number, says: RegExp, env?: Record<string, string | undefined>) =>
      assertFails(await hub.run(args, env), code, says)
    // One command at a time within a group: the groups already run side by side on two cores.
    const inTurn = async (calls: (() => Promise<void>)[]) => { for (const call of calls) await call() }

    const cases: [string, (st: TestContext) => Promise<void>][] = [
      ['an unknown id is "<what> <id> not found" with the stable code', async () => {
        await inTurn([
          () => fails(['endpoint', 'pause', 'ep_nope'], 1, /^hookhub: endpoint ep_nope not found \(HOOKHUB_NOT_FOUND\)$/),
          () => fails(['endpoint', 'rotate-secret', 'ep_nope'], 1, /^hookhub: endpoint ep_nope not found \(HOOKHUB_NOT_FOUND\)$/),
          () => fails(['recover', 'ep_nope', '--since', '1h'], 1, /^hookhub: endpoint ep_nope not found \(HOOKHUB_NOT_FOUND\)$/),
          () => fails(['retry', 'dlv_nope'], 1, /^hookhub: delivery dlv_nope not found \(HOOKHUB_NOT_FOUND\)$/),
          () => fails(['user', 'delete', '999'], 1, /^hookhub: user 999 not found \(HOOKHUB_NOT_FOUND\)$/),
          () => fails(['token', 'revoke', '999'], 1, /^hookhub: token 999 not found \(HOOKHUB_NOT_FOUND\)$/),
          () => fails(['token', 'create', '--user', 'nobody'], 1, /^hookhub: user "nobody" not found/),
        ])
      }],
      ['a conflict and a validation failure name what is wrong', async () => {
        const paused = await hub.json<{ id: string }>(['endpoint', 'add', 'http://127.0.0.1:9/x', '--types', 'err-test.*', '--paused'])
        const published = await hub.json<{ id: string }>(['send', 'err-test.a'])
        const event = await (await fetch(`${hub.url}/api/v1/events/${published.id}`, { headers: { authorization: `Bearer ${hub.cliEnv.HOOKHUB_TOKEN}` } }))
          .json() as { deliveries: { id: string; endpoint_id: string }[] }
        const waiting = event.deliveries.find((d) => d.endpoint_id === paused.id)!
        await fails(['retry', waiting.id], 1, new RegExp(`^hookhub: Delivery ${waiting.id} is still pending \\(HOOKHUB_CONFLICT\\)$`))
        await fails(['endpoint', 'add', 'not-a-url'], 1, /^hookhub: Validation failed: url must be an absolute URL \(HOOKHUB_VALIDATION_FAILED\)$/)
      }],
      ['an endpoint a dialect owns: its changes name the dialect route that makes them', async () => {
        const auth = { authorization: `Bearer ${hub.cliEnv.HOOKHUB_TOKEN}`, 'content-type': 'application/json' }
        const webhook = await (await fetch(`${hub.url}/api/webhooks`, {
          method: 'POST', headers: auth, body: JSON.stringify({ actions: ['CALL_ENDED'], subscription_url: 'http://127.0.0.1:9/thulium' }),
        })).json() as { id: number }
        const list = await (await fetch(`${hub.url}/api/v1/endpoints?limit=500`, { headers: auth })).json() as { data: { id: string; owner?: { id: string } }[] }
        const owned = list.data.find((e) => e.owner?.id === String(webhook.id))!
        const says = new RegExp(`^hookhub: Endpoint ${owned.id} belongs to the thulium API and is read-only here; change or delete it with /api/webhooks/${webhook.id} \\(HOOKHUB_OWNED_BY_DIALECT\\)$`)
        await inTurn([
          () => fails(['endpoint', 'pause', owned.id], 1, says),
          () => fails(['endpoint', 'resume', owned.id], 1, says),
          () => fails(['endpoint', 'rotate-secret', owned.id], 1, says),
        ])
      }],
      ['no token, a wrong token, a token without the permission', async () => {
        const noToken = /^hookhub: no API token: pass --token or set HOOKHUB_TOKEN/
        await inTurn([
          () => fails(['endpoint', 'list'], 1, noToken, { HOOKHUB_TOKEN: undefined }),
          () => fails(['deliveries'], 1, noToken, { HOOKHUB_TOKEN: undefined }),
          () => fails(['send', 'a.b'], 1, noToken, { HOOKHUB_TOKEN: undefined }),
          () => fails(['endpoint', 'list', '--token', 'hh_wrong'], 1, /^hookhub: Missing or invalid credentials; check --token or HOOKHUB_TOKEN \(HOOKHUB_UNAUTHENTICATED\)$/),
        ])
      }],
      ['a hub that is not there is named by its URL; a server that is not a hub is told apart', async (st) => {
        const port = await closedPort()
        const url = `http://127.0.0.1:${port}`
        await fails(['endpoint', 'list', '--url', url], 1,
          new RegExp(`^hookhub: cannot reach the hub at ${url} \\(connection refused\\); is hookhub serve running there\\? set --url or HOOKHUB_URL$`))
        const sink = await startSink(st, (_req, res) => { res.statusCode = 404; res.end('<html>nope</html>') })
        await fails(['deliveries', '--url', sink.url], 1, new RegExp(`^hookhub: ${sink.url} \\(GET /api/v1/deliveries\\) answered 404 without a hookhub error body; is --url a hookhub hub\\?$`))
        const notAList = await startSink(st, (_req, res) => { res.setHeader('content-type', 'application/json'); res.end('{}') })
        await fails(['endpoint', 'list', '--url', notAList.url], 1, new RegExp(`^hookhub: ${notAList.url} answered GET /api/v1/endpoints with something that is not a hookhub list; is --url a hookhub hub\\?$`))
        // tail waits for a hub that restarts, but one that never answered is reported after its first tries.
        await fails(['tail', '--url', url], 1, new RegExp(`^hookhub: cannot connect to ${url} \\(connection refused\\); is the hub running\\? \\(--url or HOOKHUB_URL\\)$`))
      }],
    ]
    await Promise.all(cases.map(([name, body]) => t.test(name, body)))
  })

  describe('usage errors exit 2 before anything is sent', { concurrency: 4 }, () => {
    const calls: [string[], RegExp][] = [
      [['endpoint', 'list', '--frob'], /^hookhub: unknown option '--frob'\n\(run hookhub endpoint list --help for usage\)$/],
      [['frob'], /^hookhub: unknown command 'frob'\n\(run hookhub --help for usage\)$/],
      [['deliveries', '--status', 'lost'], /--status.*lost.*pending, delivering, succeeded, failed, cancelled/],
      [['endpoint', 'add', 'http://127.0.0.1:9/', '--method', 'FETCH'], /--method.*GET, POST, PUT, PATCH, DELETE/],
      [['endpoint', 'list', '--limit', '0'], /--limit.*1 to 500/],
      [['endpoint', 'add'], /missing required argument 'url'/],
      [['endpoint', 'add', 'http://127.0.0.1:9/', '--bearer', 'a', '--basic', 'u:p'], /--bearer.*cannot be used with.*--basic|--basic.*cannot be used with.*--bearer/],
      [['recover', 'ep_x'], /required option '--since/],
      [['recover', 'ep_x', '--since', 'yesterday'], /^hookhub: --since "yesterday" is not an RFC 3339 time or a duration/],
      [['recover', 'ep_x', '--since', '1h', '--timeout', 'soon'], /--timeout.*duration/],
      [['send', 'a.b', '--data', '{bad'], /^hookhub: --data is not valid JSON/],
      [['user', 'list', 'extra'], /too many arguments/],
      [['source', 'add', 'x'], /required option '--verify/],
      [['source', 'add', 'x', '--verify', 'magic'], /--verify.*none, token, kanboard, stripe, github, standard/],
      [['token', 'create', '--user', 'ops', '--database-url', 'sqlite:/tmp/x.db', '--url', 'http://127.0.0.1:9'], /either --url\/--token .* or --database-url/],
      [['endpoint', 'list', '--url', 'ftp://127.0.0.1'], /^hookhub: --url "ftp:\/\/127\.0\.0\.1" must use http or https$/],
    ]
    for (const [args, says] of calls) {
      test(`hookhub ${args.join(' ')}`, async (t) => {
        // A token and a URL where nothing listens: had anything been sent, the failure would be exit 1.
        const r = await runHookhub(t, args, childEnv({ HOOKHUB_TOKEN: 'hh_x', HOOKHUB_URL: 'http://127.0.0.1:9' }))
        assertFails(r, 2, says, { oneLine: false })
        assert.equal(r.stdout, '')
      })
    }
  })
})
