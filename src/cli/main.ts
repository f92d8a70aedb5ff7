import { Command, CommanderError, Option } from 'commander'
import { VERSION } from '../version.ts'
import { migrate, tokenCreate, userCreate } from './admin-commands.ts'
import { EXIT_USAGE, runCommand } from './run-command.ts'
import { serve } from './serve-command.ts'
import { worker } from './worker-command.ts'

const databaseOption = () => new Option('--database-url <url>', 'sqlite:<path> or postgres://… (HOOKHUB_DATABASE_URL)')
const jsonOption = () => new Option('--json', 'print one JSON object instead of text')

const program = new Command()
  .name('hookhub')
  .description('Self-hosted integration and webhook hub')
  .version(VERSION)
  .exitOverride()
  .showHelpAfterError('(run hookhub --help for usage)')
  .addHelpText('after', '\nExamples:\n  hookhub                      run the hub (same as hookhub serve)\n  hookhub user create --email a@b.c --name ops --permissions integrations.view')

program.command('serve')
  .description('Run the HTTP API (and the delivery workers), applying pending migrations first')
  .option('--port <port>', 'listen port (PORT, default 8080)')
  .option('--host <host>', 'listen address (HOST, default 0.0.0.0)')
  .addOption(databaseOption())
  .addHelpText('after', '\nExample:\n  PORT=8080 hookhub serve --database-url sqlite:./data/hookhub.db')
  .action((options) => runCommand(() => serve(options)))

program.command('worker')
  .description('Run delivery workers only (scale-out: several processes share one PostgreSQL)')
  .option('--workers <n>', 'workers in this process (default HOOKHUB_WORKERS, at least 1)')
  .addOption(databaseOption())
  .addHelpText('after', '\nExample:\n  HOOKHUB_SECRET_KEY=… hookhub worker --database-url postgres://postgres@127.0.0.1/hookhub')
  .action((options) => runCommand(() => worker(options)))

program.command('migrate')
  .description('Apply pending database migrations and check the secret key')
  .addOption(databaseOption())
  .addHelpText('after', '\nExample:\n  HOOKHUB_SECRET_KEY=… hookhub migrate --database-url postgres://postgres@127.0.0.1/hookhub')
  .action((options) => runCommand(() => migrate(options)))

const user = program.command('user').description('Manage API users (works on the database directly)')
  .addHelpText('after', '\nExample:\n  hookhub user create --email a@b.c --name ops --permissions integrations.view')
user.command('create')
  .description('Create an API user and print its first token')
  .requiredOption('--email <email>', 'e-mail address')
  .requiredOption('--name <name>', 'login name (Basic auth user name)')
  .option('--permissions <list>', 'comma-separated permissions, e.g. integrations.view,integrations.create.own')
  .addOption(databaseOption())
  .addOption(jsonOption())
  .addHelpText('after', '\nExample:\n  hookhub user create --email a@b.c --name ops --permissions integrations.view,integrations.create.own')
  .action((options) => runCommand(() => userCreate(options)))

const token = program.command('token').description('Manage API tokens (works on the database directly)')
  .addHelpText('after', '\nExample:\n  hookhub token create --user ops')
token.command('create')
  .description('Issue another API token for a user and print it')
  .requiredOption('--user <id-or-name>', 'the user the token belongs to')
  .addOption(databaseOption())
  .addOption(jsonOption())
  .addHelpText('after', '\nExample:\n  hookhub token create --user ops')
  .action((options) => runCommand(() => tokenCreate(options)))

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
