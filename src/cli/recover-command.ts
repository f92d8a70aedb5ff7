import { setTimeout as sleep } from 'node:timers/promises'
import { parseSince } from '../http/native-schemas.ts'
import { connectToHub, segment, type ApiOptions, type HubClient } from './api-client.ts'
import type { WireDelivery } from './delivery-commands.ts'
import { stateOf, type WireEndpoint } from './endpoint-commands.ts'
import { printJson, printLine } from './output.ts'
import { createProgress, type ProgressStream } from './progress.ts'
import { UsageError } from './run-command.ts'

// `hookhub recover <endpoint> --since 2h`: the hub queues every failed delivery again in one
// step (POST /api/v1/endpoints/{id}/recover); then, unless --no-wait, the command follows those
// deliveries until each has finished, with a progress bar, and says how many failed again.

export interface RecoverOptions extends ApiOptions {
  since: string
  wait: boolean
  /** How long to follow the redeliveries, in ms. */
  timeout: number
  json?: boolean
}

const OPEN = ['pending', 'delivering']

/** Ids of the endpoint's deliveries since `since` with one of `statuses`. */
async function idsWith (hub: HubClient, endpointId: string, since: string, statuses: string[]): Promise<Set<string>> {
  const ids = new Set<string>()
  for (const status of statuses) {
    for await (const d of hub.all<WireDelivery>('/api/v1/deliveries', { endpoint_id: endpointId, status, since })) ids.add(d.id)
  }
  return ids
}

const count = (tracked: Set<string>, found: Set<string>) => [...tracked].filter((id) => found.has(id)).length

export async function recover (
  endpointId: string,
  o: RecoverOptions,
  { stream = process.stderr as ProgressStream, pollMs = 500 } = {},
) {
  // One absolute time for every request below, so that "2h" means the same moment throughout.
  let sinceMs: number
  try {
    sinceMs = parseSince(o.since, Date.now()) as number
  } catch {
    throw new UsageError(`--since "${o.since}" is not an RFC 3339 time or a duration such as 30m, 2h or 7d`)
  }
  const since = new Date(sinceMs).toISOString()
  const hub = connectToHub(o)
  const path = `/api/v1/endpoints/${segment(endpointId)}`
  const subject = `endpoint ${endpointId}`

  const endpoint = await hub.get<WireEndpoint>(path, { subject })
  const tracked = await idsWith(hub, endpoint.id, since, ['failed'])
  const { requeued } = await hub.post<{ requeued: number }>(`${path}/recover`, { subject, json: { since } })

  const idle = !endpoint.enabled || endpoint.paused
  if (requeued === 0 || !o.wait || idle || tracked.size === 0) {
    if (o.json) return printJson({ requeued })
    if (requeued === 0) return printLine(`no failed deliveries of endpoint ${endpoint.id} since ${since}`)
    printLine(`queued ${requeued} failed deliver${requeued === 1 ? 'y' : 'ies'} of endpoint ${endpoint.id} again (since ${since})`)
    if (idle) printLine(`the endpoint is ${stateOf(endpoint)}: they are sent once it is enabled and resumed (hookhub endpoint resume ${endpoint.id})`)
    return
  }

  const progress = createProgress({ label: `recover ${endpoint.id}`, total: tracked.size, stream })
  const deadline = Date.now() + o.timeout
  let open = tracked.size
  for (;;) {
    const [openIds, failedIds] = await Promise.all([
      idsWith(hub, endpoint.id, since, OPEN),
      idsWith(hub, endpoint.id, since, ['failed']),
    ])
    open = count(tracked, openIds)
    const failedAgain = count(tracked, failedIds)
    progress.update(tracked.size - open, failedAgain > 0 ? `${failedAgain} failed again` : '')
    if (open === 0 || Date.now() >= deadline) break
    await sleep(pollMs)
  }

  const [succeededIds, failedIds] = await Promise.all([
    idsWith(hub, endpoint.id, since, ['succeeded']),
    idsWith(hub, endpoint.id, since, ['failed']),
  ])
  const succeeded = count(tracked, succeededIds)
  const failed = count(tracked, failedIds)
  progress.finish(`${succeeded} delivered, ${failed} failed again${open > 0 ? `, ${open} still open` : ''}`)

  if (o.json) printJson({ requeued, succeeded, failed, open })
  else printLine(`endpoint ${endpoint.id}: queued ${requeued} failed deliveries again; ${succeeded} delivered, ${failed} failed again${open > 0 ? `, ${open} still open` : ''}`)
  if (failed > 0) throw new Error(`${failed} of ${tracked.size} deliveries failed again; see them with: hookhub deliveries --endpoint ${endpoint.id} --status failed`)
  if (open > 0) throw new Error(`${open} deliveries were still open after ${o.timeout / 1000} s; follow them with: hookhub deliveries --endpoint ${endpoint.id} --status pending`)
}
