import fs from 'node:fs'
import { connectToHub, type ApiOptions } from './api-client.ts'
import { printJson, printLine } from './output.ts'
import { UsageError } from './run-command.ts'

// Publishing events over the API: POST /api/v1/events.

export interface SendOptions extends ApiOptions {
  data?: string
  node?: string
  channel?: string
  tenant?: string
  idempotencyKey?: string
  json?: boolean
}

/** The text of --data: JSON as given, @file, or @- for stdin. */
function payloadText (data: string | undefined): string {
  if (data === undefined) return '{}'
  if (!data.startsWith('@')) return data
  const file = data.slice(1)
  try {
    return fs.readFileSync(file === '-' ? 0 : file, 'utf8')
  } catch (err) {
    throw new Error(`cannot read --data file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}

export async function send (type: string, o: SendOptions) {
  const text = payloadText(o.data).trim()
  try {
    JSON.parse(text)
  } catch (err) {
    throw new UsageError(`--data is not valid JSON (${(err as Error).message}); pass e.g. --data '{"id":42}' or --data @payload.json`)
  }
  const hub = connectToHub(o)
  // The payload travels as the text it was given, so that key order and big numbers survive.
  const fields = [
    `"type":${JSON.stringify(type)}`,
    `"payload":${text}`,
    ...(o.node !== undefined ? [`"node_id":${JSON.stringify(o.node)}`] : []),
    ...(o.channel !== undefined ? [`"channel":${JSON.stringify(o.channel)}`] : []),
    ...(o.tenant !== undefined ? [`"tenant_id":${JSON.stringify(o.tenant)}`] : []),
  ]
  const { status, body } = await hub.request<{ id: string; type: string; deliveries: number }>('POST', '/api/v1/events', {
    raw: `{${fields.join(',')}}`,
    headers: o.idempotencyKey !== undefined ? { 'idempotency-key': o.idempotencyKey } : undefined,
  })
  if (o.json) return printJson(body)
  printLine(status === 200
    ? `already published as ${body.id} (same Idempotency-Key within 24 h); nothing new was sent`
    : `published ${body.id} (${body.type}) to ${body.deliveries} endpoint${body.deliveries === 1 ? '' : 's'}`)
}
