import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { VERIFY_METHODS } from '../core/inbound-verifiers.ts'
import { PAYLOAD_FORMATS } from '../core/payload-formats.ts'
import { parseRetrySchedule } from '../core/retry-schedule.ts'
import { BROKER_KINDS } from '../core/broker-kinds.ts'
import { VERSION } from '../version.ts'
import { namesHub, withApiOptions } from './api-client.ts'
import { EXIT_USAGE, runCommand, UsageError } from './run-command.ts'

// Command modules are imported when their command runs: the API commands then start without
// loading the server, the database drivers and every dialect.

const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed', 'cancelled', 'skipped']

const databaseOption = () => new Option('--database-url <url>', 'sqlite:<path> or postgres://… (HOOKHUB_DATABASE_URL)')
const jsonOption = () => new Option('--json', 'print the API\'s JSON (one line) instead of text')

function integerIn (min: number, max: number) {
  return (value: string) => {
    const n = Number(value)
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`)
    return n
  }
}

function duration (value: string) {
  const ms = parseRetrySchedule(value)
  if (!ms || ms.length !== 1 || ms[0] <= 0) throw new InvalidArgumentError('must be a duration such as 30s, 10m or 1h.')
  return ms[0]
}

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

function httpMethod (value: string) {
  const method = value.toUpperCase()
  if (!HTTP_METHODS.includes(method)) throw new InvalidArgumentError(`must be one of ${HTTP_METHODS.join(', ')}.`)
  return method
}

const collect = (value: string, previous: string[] = []) => [...previous, value]

/** Adds `--limit` and `--cursor` to a list command. */
const withPaging = (command: Command) => command
  .addOption(new Option('--limit <n>', 'rows per page (1–500, default 50)').argParser(integerIn(1, 500)))
  .addOption(new Option('--cursor <cursor>', 'the next page, as printed after the previous one'))

const example = (...lines: string[]) => `\nExample:\n${lines.map((line) => `  ${line}`).join('\n')}`

/** A command that talks to a running hub: --url, --token, and an example in its help. */
function apiCommand (parent: Command, nameAndArgs: string, description: string, ...examples: string[]) {
  return withApiOptions(parent.command(nameAndArgs).description(description))
    .addHelpText('after', example(...examples))
}

const program = new Command()
  .name('hookhub')
  .description('Self-hosted integration and webhook hub')
  .version(VERSION)
  .exitOverride()
  // Commander's own complaints carry the same prefix as every other hookhub error.
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'hookhub: ')) })
  .addHelpText('after', `
Commands that talk to a running hub take --url and --token (or HOOKHUB_URL and HOOKHUB_TOKEN);
serve, worker, migrate, backup, user create and doctor work on the database directly.
${example(
    'hookhub                      run the hub (same as hookhub serve)',
    'hookhub user create --email a@b.c --name ops --permissions integrations.view',
    'HOOKHUB_TOKEN=hh_… hookhub endpoint list',
  )}`)

// Local commands: configuration and database of this machine.

program.command('serve')
  .description('Run the HTTP API (and the delivery workers), applying pending migrations first')
  .option('--port <port>', 'listen port (PORT, default 8080)')
  .option('--host <host>', 'listen address (HOST, default 0.0.0.0)')
  .addOption(databaseOption())
  .addHelpText('after', example('PORT=8080 hookhub serve --database-url sqlite:./data/hookhub.db'))
  .action((options) => runCommand(async () => (await import('./serve-command.ts')).serve(options)))

program.command('worker')
  .description('Run delivery workers only (scale-out: several processes share one PostgreSQL)')
  .option('--workers <n>', 'workers in this process (default HOOKHUB_WORKERS, at least 1)')
  .addOption(databaseOption())
  .addHelpText('after', example('HOOKHUB_SECRET_KEY=… hookhub worker --database-url postgres://postgres@127.0.0.1/hookhub'))
  .action((options) => runCommand(async () => (await import('./worker-command.ts')).worker(options)))

program.command('migrate')
  .description('Apply pending database migrations and check the secret key')
  .addOption(databaseOption())
  .addHelpText('after', example('HOOKHUB_SECRET_KEY=… hookhub migrate --database-url postgres://postgres@127.0.0.1/hookhub'))
  .action((options) => runCommand(async () => (await import('./admin-commands.ts')).migrate(options)))

program.command('backup <file>')
  .description('Copy the SQLite database to <file> while the hub runs (PostgreSQL: use pg_dump)')
  .option('--force', 'replace <file> if it exists')
  .addOption(databaseOption())
  .addHelpText('after', example('hookhub backup ./backups/hookhub-$(date +%F).db --database-url sqlite:./data/hookhub.db'))
  .action((file, options) => runCommand(async () => (await import('./backup-command.ts')).backup(file, options)))

withApiOptions(program.command('doctor')
  .description('Check configuration, database, secret key, migrations, the running hub and every endpoint; print what to fix')
  .addOption(databaseOption()))
  .addOption(jsonOption())
  .addHelpText('after', example('HOOKHUB_DATABASE_URL=sqlite:./data/hookhub.db hookhub doctor --url http://127.0.0.1:8080'))
  .action((options) => runCommand(async () => (await import('./doctor-command.ts')).doctor(options)))

// Users and tokens.

const user = program.command('user').description('Manage API users')
  .addHelpText('after', example('hookhub user create --email a@b.c --name ops --permissions integrations.view', 'hookhub user list'))
user.command('create')
  .description('Create an API user and print its first token (works on the database directly)')
  .requiredOption('--email <email>', 'e-mail address')
  .requiredOption('--name <name>', 'login name (Basic auth user name)')
  .option('--permissions <list>', 'comma-separated permissions, e.g. integrations.view,integrations.create.own')
  .addOption(databaseOption())
  .addOption(jsonOption())
  .addHelpText('after', example('hookhub user create --email a@b.c --name ops --permissions integrations.view,integrations.create.own'))
  .action((options) => runCommand(async () => (await import('./admin-commands.ts')).userCreate(options)))
withPaging(apiCommand(user, 'list', 'List API users', 'hookhub user list --limit 100'))
  .addOption(jsonOption())
  .action((options) => runCommand(async () => (await import('./user-commands.ts')).userList(options)))
apiCommand(user, 'delete <id-or-name>', 'Delete an API user; its tokens stop working at once', 'hookhub user delete ops')
  .action((id, options) => runCommand(async () => (await import('./user-commands.ts')).userDelete(id, options)))

const token = program.command('token').description('Manage API tokens')
  .addHelpText('after', example('hookhub token create --user ops', 'hookhub token revoke 3'))
apiCommand(token, 'create', 'Issue another API token for a user and print it once', 'hookhub token create --user ops --url http://127.0.0.1:8080 --token hh_…   # over the API', 'hookhub token create --user ops --database-url sqlite:./data/hookhub.db  # on the database')
  .requiredOption('--user <id-or-name>', 'the user the token belongs to')
  .addOption(databaseOption())
  .addOption(jsonOption())
  .addHelpText('after', '\nWith --url/--token (or HOOKHUB_URL/HOOKHUB_TOKEN) the token is issued by the hub (POST /api/v1/users/{id}/tokens);\nwith --database-url, or when no hub is named, on the database directly.')
  .action((options) => runCommand(async () => {
    if (options.databaseUrl !== undefined && (options.url !== undefined || options.token !== undefined)) {
      throw new UsageError('give either --url/--token (over the API) or --database-url (on the database), not both')
    }
    if (options.databaseUrl === undefined && namesHub(options)) return (await import('./user-commands.ts')).tokenCreateViaApi(options)
    return (await import('./admin-commands.ts')).tokenCreate(options)
  }))
apiCommand(token, 'revoke <token-id>', 'Revoke an API token (its id is printed by token create)', 'hookhub token revoke 3')
  .action((id, options) => runCommand(async () => (await import('./user-commands.ts')).tokenRevoke(id, options)))

// Endpoints and sources.

const endpoint = program.command('endpoint').description('Manage endpoints: the URLs events are delivered to')
  .addHelpText('after', example('hookhub endpoint add https://example.com/hooks --types "order.*"', 'hookhub endpoint list'))
apiCommand(endpoint, 'add <url>', 'Register a URL to deliver events to; prints its signing secret once',
  'hookhub endpoint add https://example.com/hooks --types "order.*,invoice.paid" --bearer s3cr3t --ordering fifo')
  .option('--types <list>', 'event types to deliver, comma-separated, * wildcards (default every type)')
  .option('--node <id>', 'only events of this node and the nodes below it')
  .option('--channel <code>', 'only events of this channel')
  .option('--filter-payload <json>', 'only events whose payload matches this match document (docs/filters.md), e.g. \'{"currency":{"$in":["EUR","USD"]}}\'')
  .option('--tenant <id>', 'the tenant it belongs to: it receives that tenant\'s events only')
  .addOption(new Option('--method <method>', 'HTTP method: GET, POST (default), PUT, PATCH or DELETE').argParser(httpMethod))
  .addOption(new Option('--format <format>', 'payload format (default standard)').choices([...PAYLOAD_FORMATS]))
  .option('--header <name: value>', 'an extra request header (repeatable)', collect)
  .addOption(new Option('--bearer <token>', 'send Authorization: Bearer <token>').conflicts(['basic', 'queryToken']))
  .addOption(new Option('--basic <user:password>', 'send HTTP Basic auth').conflicts(['queryToken']))
  .option('--query-token <token>', 'append ?token=<token> to the URL')
  .option('--query-param <name>', 'query parameter of --query-token (default token)')
  .option('--secret <whsec>', 'signing secret to use (default: a new one)')
  .addOption(new Option('--ordering <ordering>', 'fifo: one at a time, in event order (default none)').choices(['none', 'fifo']))
  .addOption(new Option('--rate-limit <n>', 'deliveries per second at most').argParser(integerIn(1, 10_000)))
  .addOption(new Option('--max-in-flight <n>', 'deliveries in flight at most').argParser(integerIn(1, 1000)))
  .option('--paused', 'create it paused (deliveries accumulate until resumed)')
  .addOption(jsonOption())
  .action((url, options) => runCommand(async () => (await import('./endpoint-commands.ts')).endpointAdd(url, options)))
withPaging(apiCommand(endpoint, 'list', 'List endpoints', 'hookhub endpoint list --json | jq -r ".data[].url"'))
  .addOption(jsonOption())
  .action((options) => runCommand(async () => (await import('./endpoint-commands.ts')).endpointList(options)))
for (const [action, paused, description] of [
  ['pause', true, 'Stop sending to an endpoint; deliveries accumulate'],
  ['resume', false, 'Start sending again; accumulated deliveries drain in order'],
] as const) {
  apiCommand(endpoint, `${action} <endpoint-id>`, description, `hookhub endpoint ${action} ep_01J9Z3`)
    .addOption(jsonOption())
    .action((id, options) => runCommand(async () => (await import('./endpoint-commands.ts')).endpointSetPaused(id, paused, options)))
}
apiCommand(endpoint, 'rotate-secret <endpoint-id>', 'New signing secret; the old one keeps signing beside it for 24 hours', 'hookhub endpoint rotate-secret ep_01J9Z3')
  .option('--secret <whsec>', 'the new secret (default: a generated one)')
  .addOption(jsonOption())
  .action((id, options) => runCommand(async () => (await import('./endpoint-commands.ts')).endpointRotateSecret(id, options)))

const transform = program.command('transform').description('Try endpoint transforms (docs/transforms.md)')
  .addHelpText('after', example('hookhub transform test rename.js --event order.json'))
apiCommand(transform, 'test <file>', 'Run the transform in <file> on a webhook, on the hub; nothing is sent (exit 1 when it fails)',
  'hookhub transform test rename.js --event order.json --json')
  .option('--event <file>', 'JSON of the webhook the handler receives ({method, url, headers, payload, event}), or of its payload alone; - for stdin')
  .addOption(jsonOption())
  .action((file, options) => runCommand(async () => (await import('./transform-commands.ts')).transformTest(file, options)))

const source = program.command('source').description('Manage sources: URLs other systems post webhooks to, or broker queues, streams and topics hookhub consumes')
  .addHelpText('after', example('hookhub source add Stripe --verify stripe --secret whsec_from_stripe',
    'hookhub source add Orders --kind amqp --broker-url "amqp://hookhub:pass@rabbit:5672/shop?queue=orders" --type-from type', 'hookhub source list'))
apiCommand(source, 'add <name>', 'Create a source and print its inbound URL (or, for a broker source, what it consumes)',
  'hookhub source add Kanboard --verify kanboard --secret WEBHOOK_TOKEN',
  'hookhub source create Orders --kind nats --broker-url "nats://nats:4222?stream=ORDERS&consumer=hookhub" --type-from type')
  .alias('create')
  .addOption(new Option('--kind <kind>', 'http (default): an inbound URL; or the broker it consumes').choices(['http', ...BROKER_KINDS]))
  .option('--broker-url <url>', 'broker sources: amqp[s]://…?queue=, nats://…?stream=&consumer=, redis[s]://…?stream=&group=, mqtt[s]://…?topic=')
  .option('--type-from <name>', 'broker sources: the header or property naming the event type')
  .addOption(new Option('--verify <method>', 'http sources: how senders prove themselves').choices([...VERIFY_METHODS]))
  .option('--secret <secret>', 'token or signing secret of the sender (never shown again)')
  .addOption(new Option('--type <type>', 'every event of this source gets this type').conflicts('typeField'))
  .option('--type-field <path>', 'take the event type from this payload field (dot path, e.g. data.kind)')
  .option('--accept <list>', 'store only these event types (comma-separated, * wildcards)')
  .addOption(jsonOption())
  .action((name, options, command: Command) => {
    const broker = options.kind !== undefined && options.kind !== 'http'
    // As Commander reports a missing option: one line, then where the usage is.
    if (broker && options.brokerUrl === undefined) command.error(`error: a source of kind ${options.kind} needs --broker-url`, { exitCode: 2 })
    if (!broker && options.verify === undefined) command.error(`error: required option '--verify <method>' not specified for an http source`, { exitCode: 2 })
    return runCommand(async () => (await import('./source-commands.ts')).sourceAdd(name, options))
  })
withPaging(apiCommand(source, 'list', 'List sources with their inbound or broker URLs', 'hookhub source list'))
  .addOption(jsonOption())
  .action((options) => runCommand(async () => (await import('./source-commands.ts')).sourceList(options)))
for (const [action, paused, description] of [
  ['pause', true, 'Stop consuming a broker source; its messages wait in the broker'],
  ['resume', false, 'Consume a paused broker source again'],
] as const) {
  apiCommand(source, `${action} <source-id>`, description, `hookhub source ${action} src_01J9Z3`)
    .addOption(jsonOption())
    .action((id, options) => runCommand(async () => (await import('./source-commands.ts')).sourceSetPaused(id, paused, options)))
}

// Tenants.

const tenant = program.command('tenant').description('Manage tenants (your customers) and their portal sessions')
  .addHelpText('after', example('hookhub tenant create "Acme Corp" --id acme', 'hookhub tenant portal acme --expires-in 900'))
apiCommand(tenant, 'create <name>', 'Create a tenant; its id is yours (--id) or a generated tnt_…', 'hookhub tenant create "Acme Corp" --id acme --metadata \'{"plan":"pro"}\'')
  .option('--id <id>', 'your own identifier of the customer (1–255 of A-Z a-z 0-9 . _ : -)')
  .option('--metadata <json>', 'a JSON object kept with the tenant')
  .addOption(jsonOption())
  .action((name, options) => runCommand(async () => (await import('./tenant-commands.ts')).tenantCreate(name, options)))
withPaging(apiCommand(tenant, 'list', 'List tenants', 'hookhub tenant list'))
  .addOption(jsonOption())
  .action((options) => runCommand(async () => (await import('./tenant-commands.ts')).tenantList(options)))
apiCommand(tenant, 'delete <tenant-id>', 'Delete a tenant with its endpoints and portal sessions', 'hookhub tenant delete acme')
  .action((id, options) => runCommand(async () => (await import('./tenant-commands.ts')).tenantDelete(id, options)))
apiCommand(tenant, 'portal <tenant-id>', 'Open a portal session for the tenant and print its URL (or revoke them all)',
  'hookhub tenant portal acme --expires-in 900 --read-only', 'hookhub tenant portal acme --revoke')
  .addOption(new Option('--expires-in <seconds>', 'lifetime in seconds (default 3600)').argParser(integerIn(1, 86_400)))
  .option('--read-only', 'the session reads only')
  .addOption(new Option('--revoke', 'revoke every session of the tenant instead').conflicts(['expiresIn', 'readOnly']))
  .addOption(jsonOption())
  .action((id, options) => runCommand(async () => (await import('./tenant-commands.ts')).tenantPortal(id, options)))

const eventType = program.command('event-type').description('Manage the event-type catalog: descriptions, examples and payload schemas')
  .addHelpText('after', example('hookhub event-type add invoice.paid --schema @invoice-paid.schema.json', 'hookhub event-type list'))
apiCommand(eventType, 'add <name>', 'Add an event type; with --schema, payloads of the type are checked on publish',
  'hookhub event-type add invoice.paid --description "An invoice was paid" --schema @invoice-paid.schema.json')
  .option('--description <text>', 'what the event means')
  .option('--schema <json|@file>', 'JSON Schema (2020-12) every payload must satisfy')
  .option('--example <json|@file>', 'an example payload')
  .option('--deprecated', 'mark it deprecated')
  .addOption(jsonOption())
  .action((name, options) => runCommand(async () => (await import('./event-type-commands.ts')).eventTypeAdd(name, options)))
withPaging(apiCommand(eventType, 'list', 'List the catalog', 'hookhub event-type list'))
  .addOption(jsonOption())
  .action((options) => runCommand(async () => (await import('./event-type-commands.ts')).eventTypeList(options)))
apiCommand(eventType, 'delete <name>', 'Remove an event type from the catalog', 'hookhub event-type delete invoice.paid')
  .action((name, options) => runCommand(async () => (await import('./event-type-commands.ts')).eventTypeDelete(name, options)))

// Events and deliveries.

apiCommand(program, 'send <type>', 'Publish an event; it is delivered to every endpoint that matches',
  'hookhub send order.created --data \'{"id":1001}\' --channel shop',
  'hookhub send order.created --data @order.json --idempotency-key order-1001')
  .option('--data <json|@file>', 'the payload: JSON, @file, or @- for stdin (default {})')
  .option('--node <id>', 'the node the event belongs to')
  .option('--channel <code>', 'the channel the event belongs to')
  .option('--tenant <id>', 'deliver to this tenant\'s endpoints only')
  .option('--idempotency-key <key>', 'the same key within 24 h publishes once')
  .addOption(jsonOption())
  .action((type, options) => runCommand(async () => (await import('./event-commands.ts')).send(type, options)))

withPaging(apiCommand(program, 'deliveries', 'The delivery log, newest first',
  'hookhub deliveries --status failed --endpoint ep_01J9Z3 --since 2h'))
  .addOption(new Option('--status <status>', 'only deliveries in this state').choices(DELIVERY_STATUSES))
  .option('--endpoint <id>', 'only deliveries to this endpoint')
  .option('--event <id>', 'only deliveries of this event')
  .option('--since <time>', 'created since: RFC 3339 or a duration back from now (2h, 7d)')
  .addOption(jsonOption())
  .action((options) => runCommand(async () => (await import('./delivery-commands.ts')).deliveries(options)))

apiCommand(program, 'retry <delivery-id>', 'Send a finished delivery again now', 'hookhub retry dlv_01J9Z3')
  .addOption(jsonOption())
  .action((id, options) => runCommand(async () => (await import('./delivery-commands.ts')).retry(id, options)))

apiCommand(program, 'recover <endpoint-id>', 'Queue every failed delivery of an endpoint since a time again, and follow them until sent',
  'hookhub recover ep_01J9Z3 --since 2h', 'hookhub recover ep_01J9Z3 --since 2026-01-02T03:00:00Z --no-wait')
  .requiredOption('--since <time>', 'failed deliveries created since: RFC 3339 or a duration back from now (2h, 7d)')
  .option('--no-wait', 'return once they are queued instead of following them')
  .addOption(new Option('--timeout <duration>', 'follow them at most this long (default 10m)').argParser(duration).default(600_000, '10m'))
  .addOption(jsonOption())
  .addHelpText('after', '\nExits 1 when some deliveries fail again or are still open at the timeout. Progress goes to stderr:\na bar on a terminal, plain lines otherwise.')
  .action((id, options) => runCommand(async () => (await import('./recover-command.ts')).recover(id, options)))

apiCommand(program, 'tail', 'Follow deliveries live: time, event type, endpoint, status code, duration, attempt n/N, coloured by outcome',
  'HOOKHUB_TOKEN=hh_… hookhub tail --type "task.*"', 'hookhub tail --json | jq .data.status')
  .option('--endpoint <id>', 'only deliveries to this endpoint')
  .option('--type <pattern>', 'only these event types, * as wildcard (task.*)')
  .option('--events', 'also print each stored event')
  .addOption(new Option('--max <n>', 'stop after n lines').argParser(integerIn(1, Number.MAX_SAFE_INTEGER)))
  .option('--json', 'one JSON object per line: {"kind":"delivery"|"event","data":{…}}')
  .addHelpText('after', '\nReconnects by itself when the hub restarts; Ctrl-C stops it.')
  .action((options) => runCommand(async () => (await import('./tail-command.ts')).tail(options)))

/** A usage error names the help of the command it happened in: `hookhub endpoint add --help`. */
function pointToHelp (command: Command, path: string) {
  command.showHelpAfterError(`(run ${path} --help for usage)`)
  for (const sub of command.commands) pointToHelp(sub, `${path} ${sub.name()}`)
}
pointToHelp(program, 'hookhub')

// `serve` is the default command; it is inserted explicitly so that an unknown word is
// reported as an unknown command rather than as an argument to serve.
const args = process.argv.slice(2)
const first = args[0]
if (first === undefined || (first.startsWith('-') && !['-h', '--help', '-V', '--version'].includes(first))) args.unshift('serve')

try {
  await program.parseAsync(args, { from: 'user' })
} catch (err) {
  if (!(err instanceof CommanderError)) throw err
  // Help and version are successful exits; everything else commander rejects is a usage error.
  process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE
}
