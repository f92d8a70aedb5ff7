import { connectToHub, segment, type ApiOptions } from './api-client.ts'
import { splitList } from './endpoint-commands.ts'
import { printJson, printLine, printPage } from './output.ts'
import type { ListOptions } from './user-commands.ts'

// Inbound sources over the API: /api/v1/sources. What people need from a source is its URL.

interface WireSource {
  id: string
  name: string
  kind: string
  verify?: string
  has_secret?: boolean
  event_type: string | { field: string } | null
  accepted_types: string[] | null
  inbound_url?: string
  /** Broker sources: the broker URL, password masked. */
  url?: string
  enabled: boolean
  paused: boolean
}

export interface SourceAddOptions extends ApiOptions {
  kind?: string
  brokerUrl?: string
  typeFrom?: string
  verify?: string
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
      kind: o.kind,
      url: o.brokerUrl,
      type_from: o.typeFrom,
      verify: o.verify,
      secret: o.secret,
      event_type: o.typeField !== undefined ? { field: o.typeField } : o.type,
      accepted_types: splitList(o.accept),
    },
  })
  if (o.json) return printJson(source)
  if (source.kind !== 'http') {
    return printLine(`created source ${source.id} (${source.name}, ${source.kind})`, `  consumes: ${source.url}`)
  }
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
    ['KIND', (s) => s.kind],
    ['VERIFY', (s) => (s.kind !== 'http' ? '-' : s.verify + (s.verify !== 'none' && !s.has_secret ? ' (no secret)' : ''))],
    ['STATE', (s) => (!s.enabled ? 'disabled' : s.paused ? 'paused' : 'enabled')],
    ['URL', (s) => s.inbound_url ?? s.url ?? ''],
  ], 'no sources')
}

export async function sourceSetPaused (id: string, paused: boolean, options: ApiOptions & { json?: boolean }) {
  const hub = connectToHub(options)
  const source = await hub.post<WireSource>(`/api/v1/sources/${segment(id)}/${paused ? 'pause' : 'resume'}`, { subject: `source ${id}` })
  if (options.json) return printJson(source)
  printLine(paused
    ? `paused source ${source.id}; its messages wait in the broker until: hookhub source resume ${source.id}`
    : `resumed source ${source.id}; it consumes again`)
}
