import { isUtf8 } from 'node:buffer'
import { createHash } from 'node:crypto'
import { conflict, HookhubError, invalidUtf8, notFound, validationFailed } from './errors.ts'
import type { InboundSourceRow, SourceRepository, SourceRow } from '../storage/source-repository.ts'
import { TYPE_PATTERN, type EventService, type PublishInput } from './event-service.ts'
import { brokerUrlProblems, isBrokerKind, maskBrokerUrl, type BrokerKind } from '../sources/broker-url.ts'
import type { BrokerMessage } from '../sources/consumer.ts'
import type { ClaimedDelivery } from '../storage/delivery-repository.ts'
import type { Order } from '../storage/keyset.ts'
import type { AttemptResult } from './delivery-attempt.ts'
import { newId, newUrlToken } from './ids.ts'
import { firstHeader, VERIFY_METHODS, verifyInbound, type VerifyMethod } from './inbound-verifiers.ts'
import { inScope, scopeOf, type Scope } from './permissions.ts'
import { typeMatches } from './routing.ts'
import type { SecretBox } from './secret-box.ts'
import type { Principal } from './user-service.ts'

const SECRET_CONTEXT = 'sources.secret'
const URL_CONTEXT = 'sources.broker_url'

/** "http": senders post to the inbound URL; the others consume a broker. */
export type SourceKind = 'http' | BrokerKind

/** A fixed event type, or where in the payload to read it. */
export type EventTypeRule = string | { field: string }

export interface SourceInput {
  name: string
  kind?: SourceKind
  /** How HTTP senders prove themselves (required for http sources). */
  verify?: VerifyMethod
  /** The broker URL of a broker source (it may hold a password). */
  url?: string
  /** The header or property naming a broker message's event type. */
  type_from?: string | null
  secret?: string | null
  event_type?: EventTypeRule | null
  accepted_types?: string[] | null
  enabled?: boolean
  /** Every event of the source carries this channel. */
  channel?: string | null
  /** Keep bodies that are not JSON too (as {"content_type", "body"}). */
  any_body?: boolean
  /** The inbound token to use instead of a generated one (an integration point's token_local). */
  token?: string
  /** Answer senders with this JSON instead of hookhub's receipt. */
  ack_body?: unknown
  /** Pass each inbound call at once to this endpoint and answer with its response. */
  relay?: { endpoint_id: string; timeout_ms: number } | null
}

export interface InboundHook {
  body: Buffer
  headers: Record<string, string | string[] | undefined>
  query: Record<string, string | undefined>
}

function readPath (value: unknown, path: string): unknown {
  let current = value
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

/** Where each sender puts the event type when the source does not say. */
function defaultType (verify: VerifyMethod, payload: unknown, headers: InboundHook['headers']): unknown {
  if (verify === 'github') return firstHeader(headers, 'x-github-event')
  if (verify === 'kanboard') return readPath(payload, 'event_name')
  return readPath(payload, 'type') ?? readPath(payload, 'event')
}

/** The sender's own delivery id, so that its retries of one event are stored once. */
const senderDeliveryId = (headers: InboundHook['headers']) =>
  firstHeader(headers, 'idempotency-key') ?? firstHeader(headers, 'webhook-id') ?? firstHeader(headers, 'x-github-delivery')

const isJsonType = (contentType: string) => /^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(contentType)

const NOT_JSON = Symbol('not JSON')

function parsedOrNotJson (text: string | null): unknown {
  if (text === null) return NOT_JSON
  try {
    return JSON.parse(text)
  } catch {
    return NOT_JSON
  }
}

/** An inbound body as the payload it is stored as, when it is not JSON: its envelope. */
function envelopeOf (row: SourceRow, hook: InboundHook, text: string | null) {
  const contentType = firstHeader(hook.headers, 'content-type') ?? 'application/octet-stream'
  // JSON text is UTF-8 (RFC 8259): a JSON body that is not is refused, never stored with U+FFFD.
  if (text === null && isJsonType(contentType)) throw invalidUtf8()
  if (row.any_body !== 1) throw text === null ? invalidUtf8() : new HookhubError('HOOKHUB_INVALID_JSON')
  // Forms, text and the like are kept as they came, inside a JSON envelope; raw endpoints unwrap
  // them. Bytes that are not UTF-8 travel as base64, so that not one of them changes.
  return { content_type: contentType, ...(text === null ? { body_base64: hook.body.toString('base64') } : { body: text }) }
}

/**
 * The stored text, content type and event type of an inbound body. The parsed payload is
 * dropped here, before anything is awaited: many large bodies in flight hold only their text.
 */
function readInbound (row: SourceRow, hook: InboundHook) {
  const text = isUtf8(hook.body) ? hook.body.toString('utf8') : null
  const json = parsedOrNotJson(text)
  const envelope = json === NOT_JSON ? envelopeOf(row, hook, text) : null
  const payload = envelope ?? json
  const rule = row.event_type === null ? null : JSON.parse(row.event_type) as EventTypeRule
  const found = rule === null
    ? defaultType(row.verify as VerifyMethod, payload, hook.headers)
    : typeof rule === 'string' ? rule : readPath(payload, rule.field)
  return {
    text: envelope ? JSON.stringify(envelope) : text!,
    contentType: envelope?.content_type ?? null,
    type: typeof found === 'string' && found !== '' ? found : 'unknown',
  }
}

/**
 * A broker message's body as the stored payload: JSON text as it is, anything else (or a body
 * whose content type says it is not JSON) in the {"content_type", "body" | "body_base64"} envelope.
 */
function brokerPayload ({ body, contentType }: BrokerMessage) {
  const text = isUtf8(body) ? body.toString('utf8') : null
  const json = contentType === null || isJsonType(contentType) ? parsedOrNotJson(text) : NOT_JSON
  if (json !== NOT_JSON) return { text: text!, contentType: null, payload: json }
  const envelope = { content_type: contentType ?? 'application/octet-stream', ...(text === null ? { body_base64: body.toString('base64') } : { body: text }) }
  return { text: JSON.stringify(envelope), contentType: envelope.content_type, payload: envelope }
}

/** Idempotency keys stay short whatever a publisher puts in its message id. */
const messageKey = (sourceId: string, messageId: string) =>
  `source:${sourceId}:${messageId.length <= 200 ? messageId : createHash('sha256').update(messageId).digest('hex')}`

type Deps = {
  sources: SourceRepository
  events: Pick<EventService, 'publish'>
  secrets: Pick<SecretBox, 'seal' | 'open'>
  /** Tries a delivery leased to `owner` now, within `timeoutMs`, keeping the response body. */
  relayNow: (delivery: ClaimedDelivery, owner: string, timeoutMs: number) => Promise<AttemptResult>
  publicUrl: string
  /** Broker hosts may be private addresses (HOOKHUB_ALLOW_PRIVATE_NETWORKS). */
  allowPrivateNetworks: boolean
  /** Told after a broker source was created, paused, resumed or deleted (the supervisors consume). */
  brokerSourcesChanged?: () => Promise<void>
  clock: () => number
}

/**
 * Whose routes an inbound event may reach: its source's owner's only, unless the owner may publish
 * for everyone (the unscoped `events.publish`). A source without owner reaches every owner; one
 * whose owner was deleted, only that owner's.
 */
function publisherOf (row: InboundSourceRow): number | undefined {
  if (row.user_id === null) return undefined
  const permissions = row.owner_permissions === null ? [] : JSON.parse(row.owner_permissions) as string[]
  return scopeOf(permissions, 'events', 'publish') === 'all' ? undefined : row.user_id
}

/** Whether the source stores events of this type (no `accept` list stores every type). */
function accepts (row: InboundSourceRow, type: string): boolean {
  return row.accepted_types === null || typeMatches(JSON.parse(row.accepted_types) as string[], type)
}

/** A relayed call's delivery stays leased this much longer than its timeout, then a worker retries it. */
const RELAY_LEASE_MARGIN_MS = 30_000

export function createSourceService ({ sources, events, secrets, relayNow, publicUrl, allowPrivateNetworks, brokerSourcesChanged, clock }: Deps) {
  const inboundUrlFor = (token: string) => `${publicUrl}/hooks/${token}`
  const inboundUrl = (row: SourceRow) => inboundUrlFor(row.token)

  function validate (input: Partial<SourceInput>, creating: boolean) {
    const fields: Record<string, string[]> = {}
    if (creating && (typeof input.name !== 'string' || input.name.trim() === '')) fields.name = ['is required']
    const kind = input.kind ?? 'http'
    if (kind !== 'http' && !isBrokerKind(kind)) fields.kind = ['must be one of http, amqp, nats, redis, mqtt']
    else if (kind === 'http') {
      if (creating && input.verify === undefined) fields.verify = ['is required']
      for (const field of ['url', 'type_from'] as const) if (input[field] != null) fields[field] = ['is for broker sources (kind amqp, nats, redis or mqtt)']
    } else {
      const problems = typeof input.url === 'string' ? brokerUrlProblems(kind, input.url, allowPrivateNetworks) : ['is required']
      if (problems.length > 0) fields.url = problems
      if (input.verify !== undefined || input.secret != null) fields[input.verify !== undefined ? 'verify' : 'secret'] = ['is for http sources; a broker source trusts its broker']
      if (input.type_from != null && (input.type_from.trim() === '' || /[\r\n\0]/.test(input.type_from))) fields.type_from = ['must name a header or property']
    }
    if (input.verify !== undefined && !VERIFY_METHODS.includes(input.verify)) fields.verify = [`must be one of ${VERIFY_METHODS.join(', ')}`]
    const rule = input.event_type
    if (typeof rule === 'string' && rule.trim() === '') fields.event_type = ['must not be empty']
    if (rule && typeof rule === 'object' && (typeof rule.field !== 'string' || rule.field === '')) fields.event_type = ['field must name a JSON path']
    if (Object.keys(fields).length > 0) throw validationFailed(fields)
  }

  function toSource (row: SourceRow) {
    return {
      id: row.id,
      name: row.name,
      kind: row.kind as SourceKind,
      /** The broker URL with its password masked; null for http sources. */
      url: row.broker_url === null ? null : maskBrokerUrl(secrets.open(row.broker_url, URL_CONTEXT)),
      typeFrom: row.type_from,
      paused: row.paused === 1,
      verify: row.verify as VerifyMethod,
      hasSecret: row.secret !== null,
      eventType: row.event_type === null ? null : JSON.parse(row.event_type) as EventTypeRule,
      acceptedTypes: row.accepted_types === null ? null : JSON.parse(row.accepted_types) as string[],
      inboundUrl: inboundUrl(row),
      enabled: row.enabled === 1,
      owner: row.owner_dialect && row.owner_id ? { dialect: row.owner_dialect, id: row.owner_id } : null,
      userId: row.user_id,
      lastReceivedAt: row.last_received_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }
  }

  /** Stores what a source received as an event of that source, HTTP or broker alike. */
  async function store (row: InboundSourceRow, event: Pick<PublishInput, 'type' | 'payload' | 'contentType' | 'idempotencyKey' | 'hold'>) {
    const publisherId = publisherOf(row)
    const result = await events.publish({
      ...event,
      source: row.id,
      // The channel is the source's own (an integration point's code), not the sender's choice.
      channel: row.channel,
      ...(publisherId !== undefined && { publisherId, namesFromHub: true }),
    })
    await sources.touch(row.id, clock())
    return result
  }

  async function findVisible (id: string, scope: Scope, actor: Principal) {
    const row = await sources.findById(id)
    if (!row || !inScope(row, scope, actor.id)) throw notFound('Source')
    return row
  }

  const sealSecret = (secret: string | null | undefined) => (secret ? secrets.seal(secret, SECRET_CONTEXT) : null)

  return {
    toSource,
    inboundUrlFor,

    async create (input: SourceInput, owner: { userId: number | null; dialect?: string; ownerId?: string }) {
      validate(input, true)
      const now = clock()
      const kind = input.kind ?? 'http'
      const row = await sources.insert({
        id: newId('src', now),
        name: input.name.trim(),
        kind,
        broker_url: kind === 'http' ? null : secrets.seal(input.url as string, URL_CONTEXT),
        type_from: input.type_from ?? null,
        verify: input.verify ?? 'none',
        secret: sealSecret(input.secret),
        event_type: input.event_type == null ? null : JSON.stringify(input.event_type),
        accepted_types: input.accepted_types == null ? null : JSON.stringify(input.accepted_types),
        token: input.token ?? newUrlToken(),
        enabled: input.enabled === false ? 0 : 1,
        channel: input.channel ?? null,
        any_body: input.any_body ? 1 : 0,
        ack_body: input.ack_body === undefined ? null : JSON.stringify(input.ack_body),
        relay_endpoint_id: input.relay?.endpoint_id ?? null,
        relay_timeout_ms: input.relay?.timeout_ms ?? null,
        owner_dialect: owner.dialect ?? null,
        owner_id: owner.ownerId ?? null,
        user_id: owner.userId,
        last_received_at: null,
        created_at: now,
        updated_at: now,
      })
      if (kind !== 'http') await brokerSourcesChanged?.()
      return toSource(row)
    },

    /** Stops (or starts again) consuming a broker source; http sources cannot be paused (409). */
    async setPaused (id: string, paused: boolean, scope: Scope, actor: Principal) {
      const found = await findVisible(id, scope, actor)
      if (found.kind === 'http') throw conflict('Only broker sources can be paused: the senders of an http source would lose their events')
      const row = await sources.update(id, { paused: paused ? 1 : 0, updated_at: clock() })
      if (!row) throw notFound('Source')
      await brokerSourcesChanged?.()
      return toSource(row)
    },

    /** For owners (dialects) that keep a source in step with their own resource. */
    async update (id: string, input: Partial<SourceInput>) {
      validate(input, false)
      const row = await sources.update(id, {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.verify !== undefined && { verify: input.verify }),
        ...('secret' in input && { secret: sealSecret(input.secret) }),
        ...('event_type' in input && { event_type: input.event_type == null ? null : JSON.stringify(input.event_type) }),
        ...('accepted_types' in input && { accepted_types: input.accepted_types == null ? null : JSON.stringify(input.accepted_types) }),
        ...(input.enabled !== undefined && { enabled: input.enabled ? 1 : 0 }),
        ...('channel' in input && { channel: input.channel ?? null }),
        ...('relay' in input && { relay_endpoint_id: input.relay?.endpoint_id ?? null, relay_timeout_ms: input.relay?.timeout_ms ?? null }),
        updated_at: clock(),
      })
      if (!row) throw notFound('Source')
      return toSource(row)
    },

    async get (id: string, scope: Scope, actor: Principal) {
      return toSource(await findVisible(id, scope, actor))
    },

    async list (afterId: string, limit: number, scope: Scope, actor: Principal, order: Order = 'asc') {
      const rows = await sources.list(afterId, limit, scope === 'own' ? actor.id : undefined, order)
      return rows.map(toSource)
    },

    async remove (id: string, scope: Scope, actor: Principal) {
      const row = await findVisible(id, scope, actor)
      await sources.delete(id)
      if (row.kind !== 'http') await brokerSourcesChanged?.()
    },

    /** For the dialect that owns a source. */
    async removeOwned (id: string) {
      await sources.delete(id)
    },

    findByOwner: async (dialect: string, ownerId: string) => {
      const row = await sources.findByOwner(dialect, ownerId)
      return row && toSource(row)
    },

    /** The enabled source behind an inbound token. */
    async findByToken (token: string) {
      const row = await sources.findByToken(token)
      return row && row.enabled === 1 && row.kind === 'http' ? row : undefined
    },

    /** The broker URL of a broker source, password included: for its consumer only. */
    brokerUrlOf: (row: SourceRow) => secrets.open(row.broker_url as string, URL_CONTEXT),

    /**
     * Stores a message a broker source consumed as an event. Resolves once the event is committed
     * (or was already stored under the message's id, or its type is not accepted): only then is
     * the message acknowledged to the broker.
     */
    async receiveMessage (row: InboundSourceRow, message: BrokerMessage) {
      const { text, contentType, payload } = brokerPayload(message)
      const rule = row.event_type === null ? null : JSON.parse(row.event_type) as EventTypeRule
      const found = (row.type_from === null ? undefined : message.headers.get(row.type_from.toLowerCase()))
        ?? (rule === null ? defaultType('none', payload, {}) : typeof rule === 'string' ? rule : readPath(payload, rule.field))
      // A type hookhub cannot store must not make the message come back forever.
      const type = typeof found === 'string' && TYPE_PATTERN.test(found) ? found : 'unknown'
      if (!accepts(row, type)) return { stored: false as const, type }
      const result = await store(row, {
        type, payload: text, contentType, idempotencyKey: message.messageId === null ? undefined : messageKey(row.id, message.messageId),
      })
      return { stored: true as const, type, event: result.event, duplicate: result.duplicate }
    },

    /**
     * Verifies an inbound request against the raw body, stores it as an event and only then
     * answers: 401 and nothing stored when the sender cannot prove itself.
     */
    async receive (row: InboundSourceRow, hook: InboundHook) {
      const verify = row.verify as VerifyMethod
      const secret = row.secret === null ? null : secrets.open(row.secret, SECRET_CONTEXT)
      if (verify !== 'none' && secret === null) throw new HookhubError('HOOKHUB_SOURCE_NO_SECRET')
      if (!verifyInbound(verify, secret, { ...hook, nowSeconds: Math.floor(clock() / 1000) })) {
        throw new HookhubError('HOOKHUB_SIGNATURE_INVALID')
      }
      const { text, contentType, type } = readInbound(row, hook)
      if (!accepts(row, type)) return { stored: false as const, type, reason: `event type ${type} is not accepted by this source` }
      const deliveryId = senderDeliveryId(hook.headers)
      const relay = row.relay_endpoint_id && row.relay_timeout_ms
        ? { endpointId: row.relay_endpoint_id, owner: newId('relay'), timeoutMs: row.relay_timeout_ms }
        : null
      const result = await store(row, {
        type,
        payload: text,
        contentType,
        idempotencyKey: deliveryId ? `source:${row.id}:${deliveryId}` : undefined,
        ...(relay && { hold: { endpointId: relay.endpointId, owner: relay.owner, leaseMs: relay.timeoutMs + RELAY_LEASE_MARGIN_MS } }),
      })
      const ack = row.ack_body === null ? undefined : JSON.parse(row.ack_body) as unknown
      const held = relay && result.leased.find((d) => d.endpointId === relay.endpointId)
      // The message is stored and its delivery on record before the receiver is called.
      const relayed = held
        ? await relayNow({
          id: held.id,
          publicId: held.publicId,
          endpointId: held.endpointId,
          attemptCount: 0,
          eventPublicId: result.event.public_id,
          eventType: result.event.type,
          payload: result.event.payload,
          contentType: result.event.content_type,
          receivedAt: result.event.received_at,
        }, relay.owner, relay.timeoutMs)
        : undefined
      return { stored: true as const, type, event: result.event, duplicate: result.duplicate, ack, relayed, relayTimeoutMs: relay?.timeoutMs }
    },
  }
}

export type SourceService = ReturnType<typeof createSourceService>
