import { connectToHub, type ApiOptions } from './api-client.ts'
import { splitList } from './endpoint-commands.ts'
import { printJson, printLine, printPage } from './output.ts'
import type { ListOptions } from './user-commands.ts'

// Inbound sources over the API: /api/v1/sources. What people need from a source is its URL.

interface WireSource {
  id: string
  name: string
  verify: string
  has_secret: boolean
  event_type: string | { field: string } | null
  accepted_types: string[] | null
  inbound_url: string
  enabled: boolean
}

export interface SourceAddOptions extends ApiOptions {
  verify: string
  secret?: string
  type?: string
  typeField?: string
  accept?: string
  json?: boolean
}

export async function sourceAdd (name: string, o: SourceAddOptions) {
  const hub = connectToHub(o)
  const source = await hub.post<WireSource>('/api/v1/sources', {
    json: {
      name,
      verify: o.verify,
      secret: o.secret,
      event_type: o.typeField !== undefined ? { field: o.typeField } : o.type,
      accepted_types: splitList(o.accept),
    },
  })
  if (o.json) return printJson(source)
  printLine(
    `created source ${source.id} (${source.name}, verify ${source.verify})`,
    `  inbound URL: ${source.inbound_url}`,
  )
  if (!source.has_secret && source.verify !== 'none') {
    printLine(`  note: its URL answers 401 until it has a secret; add the source again with --secret`)
  }
}

export async function sourceList (options: ListOptions) {
  const hub = connectToHub(options)
  const page = await hub.page<WireSource>('/api/v1/sources', { limit: options.limit, cursor: options.cursor })
  if (options.json) return printJson(page)
  printPage(page, [
    ['ID', (s) => s.id],
    ['NAME', (s) => s.name],
    ['VERIFY', (s) => s.verify + (s.verify !== 'none' && !s.has_secret ? ' (no secret)' : '')],
    ['STATE', (s) => (s.enabled ? 'enabled' : 'disabled')],
    ['INBOUND URL', (s) => s.inbound_url],
  ], 'no sources')
}
