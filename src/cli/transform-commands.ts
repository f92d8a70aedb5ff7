import fs from 'node:fs'
import { connectToHub, type ApiOptions } from './api-client.ts'
import { printJson, printLine } from './output.ts'
import { UsageError } from './run-command.ts'

// Trying a transform on a running hub: POST /api/v1/transforms/test.

export interface TransformTestOptions extends ApiOptions {
  event?: string
  json?: boolean
}

const WEBHOOK_KEYS = ['method', 'url', 'headers', 'payload', 'event']

function readFile (file: string, what: string): string {
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}

/**
 * `--event FILE` holds the webhook the handler receives ({method, url, headers, payload, event},
 * each optional); a JSON object with none of those keys is taken as the payload alone.
 */
function webhookFrom (file: string | undefined): unknown {
  if (file === undefined) return {}
  let value: unknown
  try {
    value = JSON.parse(readFile(file, '--event file'))
  } catch (err) {
    if (err instanceof UsageError) throw err
    throw new UsageError(`--event ${file} is not valid JSON (${(err as Error).message})`)
  }
  const isWebhook = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).some((k) => WEBHOOK_KEYS.includes(k))
  return isWebhook ? value : { payload: value }
}

export async function transformTest (codeFile: string, o: TransformTestOptions) {
  const code = readFile(codeFile, 'the transform file')
  const webhook = webhookFrom(o.event)
  const hub = connectToHub(o)
  const body = await hub.post<{ result: unknown; logs: string; duration_ms: number }>('/api/v1/transforms/test', { json: { code, webhook } })
  if (o.json) return printJson(body)
  if (body.logs) process.stdout.write(body.logs.replace(/(^|\n)(?=.)/g, '$1console: '))
  printLine(body.result === null ? 'the handler returned null: the delivery would be skipped' : JSON.stringify(body.result, null, 2))
  printLine(`ran in ${body.duration_ms} ms`)
}
