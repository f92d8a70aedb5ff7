import fs from 'node:fs'
import { connectToHub, segment, type ApiOptions } from './api-client.ts'
import { printJson, printLine, printPage } from './output.ts'
import { UsageError } from './run-command.ts'
import type { ListOptions } from './user-commands.ts'

// The event-type catalog over the API: /api/v1/event-types.

interface WireEventType { name: string; description: string | null; schema: unknown; deprecated: boolean }

export interface EventTypeAddOptions extends ApiOptions { description?: string; schema?: string; example?: string; deprecated?: boolean; json?: boolean }

/** A JSON option: JSON as given, or @file. */
function jsonOf (flag: string, value: string | undefined): unknown {
  if (value === undefined) return undefined
  let text = value
  if (value.startsWith('@')) {
    try {
      text = fs.readFileSync(value.slice(1), 'utf8')
    } catch (err) {
      throw new UsageError(`cannot read ${flag} file ${value.slice(1)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    }
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON (${(err as Error).message}); pass JSON or @file.json`)
  }
}

export async function eventTypeAdd (name: string, o: EventTypeAddOptions) {
  const body = { name, description: o.description, schema: jsonOf('--schema', o.schema), example: jsonOf('--example', o.example), deprecated: o.deprecated }
  const hub = connectToHub(o)
  const created = await hub.post<WireEventType>('/api/v1/event-types', { json: body })
  if (o.json) return printJson(created)
  printLine(`added event type ${created.name}${created.schema !== null ? ' (payloads are checked against its schema)' : ''}`)
}

export async function eventTypeList (options: ListOptions) {
  const hub = connectToHub(options)
  const page = await hub.page<WireEventType>('/api/v1/event-types', { limit: options.limit, cursor: options.cursor })
  if (options.json) return printJson(page)
  printPage(page, [
    ['NAME', (e) => e.name],
    ['SCHEMA', (e) => (e.schema !== null ? 'yes' : 'no')],
    ['DEPRECATED', (e) => (e.deprecated ? 'yes' : 'no')],
    ['DESCRIPTION', (e) => e.description ?? ''],
  ], 'no event types')
}

export async function eventTypeDelete (name: string, options: ApiOptions) {
  const hub = connectToHub(options)
  await hub.delete(`/api/v1/event-types/${segment(name)}`, { subject: `event type ${name}` })
  printLine(`removed event type ${name}; its events publish unchecked`)
}
