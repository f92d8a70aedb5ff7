import { createClient, RESP_TYPES } from 'redis'
import { consumerState, CONCURRENCY, headerText, type BrokerMessage, type OpenConsumer } from './consumer.ts'

// Redis streams: the consumer group ?group= of the stream ?stream= (created by hookhub when
// missing, from the start of the stream, with MKSTREAM). Every hub process is a consumer of its
// own name in the group, so processes compete for entries. An entry is acknowledged (XACK) after
// its event is committed; entries a consumer left pending (it died) are claimed by another after
// HOOKHUB_LEASE_SECONDS idle (XAUTOCLAIM). The entry id de-duplicates.

type Entry = [id: Buffer, fields: Buffer[] | null]

/** How long one XREADGROUP waits for new entries: also how long closing may wait for it. */
const BLOCK_MS = 1000

/**
 * An entry as a message: the body is the field `body` (or `payload`) byte for byte, else all fields
 * as a JSON object. A `headers` field holding a JSON object (what hookhub's Redis destinations
 * write) adds its names to the other fields' for `type_from`.
 */
function toMessage ([id, list]: Entry): BrokerMessage {
  const fields = new Map<string, Buffer>()
  for (let i = 0; i + 1 < (list ?? []).length; i += 2) fields.set(list![i].toString('utf8'), list![i + 1])
  const headers = new Map<string, string>()
  const nested = fields.get('headers')
  if (nested) {
    try {
      const parsed = JSON.parse(nested.toString('utf8')) as unknown
      if (parsed && typeof parsed === 'object') {
        for (const [name, value] of Object.entries(parsed)) {
          const text = headerText(value)
          if (text !== null) headers.set(name.toLowerCase(), text)
        }
      }
    } catch {
      // Not JSON: an ordinary field.
    }
  }
  for (const [name, value] of fields) headers.set(name.toLowerCase(), value.toString('utf8'))
  const body = fields.get('body') ?? fields.get('payload')
    ?? Buffer.from(JSON.stringify(Object.fromEntries([...fields].map(([name, value]) => [name, value.toString('utf8')]))))
  const contentType = headers.get('content-type') ?? headers.get('content_type') ?? null
  return { body, contentType, headers, messageId: id.toString('utf8') }
}

export const openRedis: OpenConsumer = async ({ target, address, consumerName, leaseMs, store }) => {
  const database = Number(target.url.pathname.replace('/', '') || 0)
  const client = createClient({
    socket: {
      host: address,
      port: target.port,
      ...(target.tls ? { tls: true as const, servername: target.host } : {}),
      reconnectStrategy: false,
      connectTimeout: 10_000,
    },
    ...(target.username !== '' && { username: target.username }),
    ...(target.password !== '' && { password: target.password }),
    database,
  })
  const state = consumerState(async () => { client.destroy() })
  client.on('error', (err: Error) => state.fail(err))
  await client.connect()
  // Entries are read as bytes: a body is stored exactly as it was added.
  const asBytes = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } }
  const stream = target.param('stream')
  const group = target.param('group')
  try {
    await client.sendCommand(['XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM'])
  } catch (err) {
    if (!/BUSYGROUP/.test((err as Error).message)) {
      client.destroy()
      throw err
    }
  }

  async function storeAll (entries: Entry[]) {
    const ids: Buffer[] = []
    await Promise.all(entries.map(async (entry) => {
      // A deleted entry still pending has no fields: nothing to store, only to acknowledge.
      if (entry[1] !== null) await store(toMessage(entry))
      ids.push(entry[0])
    }))
    if (ids.length > 0 && !state.failed) await client.sendCommand(['XACK', stream, group, ...ids])
  }

  const read = async (id: string, block: boolean) => {
    const reply = await client.sendCommand<[Buffer, Entry[]][] | null>([
      'XREADGROUP', 'GROUP', group, consumerName, 'COUNT', String(CONCURRENCY), ...(block ? ['BLOCK', String(BLOCK_MS)] : []), 'STREAMS', stream, id,
    ], asBytes)
    return reply?.[0]?.[1] ?? []
  }
  const claim = async (cursor: string) => {
    const reply = await client.sendCommand<[Buffer, Entry[], Buffer[]?]>([
      'XAUTOCLAIM', stream, group, consumerName, String(leaseMs), cursor, 'COUNT', String(CONCURRENCY),
    ], asBytes)
    return { next: reply[0].toString('utf8'), entries: reply[1].filter((e): e is Entry => e !== null) }
  }

  const loop = (async () => {
    // First what this consumer name already holds, then what dead consumers left, then new entries.
    for (let entries = await read('0', false); entries.length > 0 && !state.stopped; entries = await read('0', false)) await storeAll(entries)
    let claimedAt = 0
    while (!state.stopped && !state.failed) {
      if (Date.now() - claimedAt >= leaseMs / 2) {
        claimedAt = Date.now()
        let cursor = '0-0'
        do {
          const { next, entries } = await claim(cursor)
          await storeAll(entries)
          cursor = next
        } while (cursor !== '0-0' && !state.stopped)
      }
      await storeAll(await read('>', true))
    }
  })().catch((err: unknown) => state.fail(err))

  return {
    ended: state.ended,
    async close () {
      state.markStopped()
      await loop
      await client.close().catch(() => client.destroy())
    },
  }
}
