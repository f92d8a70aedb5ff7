import { createHub } from '../app.ts'
import { redactUrl } from '../config.ts'
import { formatRetrySchedule } from '../core/retry-schedule.ts'
import { createLogger } from '../logger.ts'
import { VERSION } from '../version.ts'
import { configFrom, type CommonOptions } from './context.ts'
import { closeOnSignals } from './run-command.ts'

export async function serve (options: CommonOptions) {
  const { config, key } = configFrom(options)
  const logger = createLogger(config.logLevel)
  if (key.generatedFile) logger.info({ file: key.generatedFile }, 'generated a new secret key; back it up with the database')
  const hub = await createHub({ config, secretKey: key.key, logger })

  let address: string
  try {
    address = await hub.app.listen({ port: config.port, host: config.host })
  } catch (err) {
    await hub.close()
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${config.port} on ${config.host} is already in use; set PORT to another port`)
    }
    throw err
  }
  const port = new URL(address).port
  const local = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`
  const database = config.database.engine === 'sqlite' ? `sqlite:${config.database.file}` : redactUrl(config.database.url)
  const lines = [
    `hookhub ${VERSION} is listening on ${local}`,
    `  console:    ${local}/console`,
    `  API docs:   ${local}/docs`,
    `  health:     ${local}/healthz`,
    `  database:   ${database}`,
    `  SSRF guard: ${config.allowPrivateNetworks ? 'off (HOOKHUB_ALLOW_PRIVATE_NETWORKS=true: deliveries may reach private networks)' : 'on (no deliveries to private, loopback or metadata addresses)'}`,
    `  retries:    ${formatRetrySchedule(config.retryScheduleMs)} (±20 % jitter)`,
  ]
  if (hub.generatedAdminToken) {
    lines.push(
      `  admin token (shown once, store it now): ${hub.generatedAdminToken}`,
      `  try:        curl -H "Authorization: Bearer ${hub.generatedAdminToken}" ${local}/api/v1/users`,
    )
  }
  process.stdout.write(lines.join('\n') + '\n')

  closeOnSignals(() => hub.close(), logger)
}
