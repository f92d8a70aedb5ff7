import { createHash } from 'node:crypto'
import { BROKER_KINDS, BROKER_SCHEMES, isTlsScheme, type BrokerKind } from '../core/broker-kinds.ts'
import type { DestinationKind } from './destination.ts'

/** How a broker URL's password reads back everywhere: API, CLI, console, logs, attempts. */
export const URL_PASSWORD_MASK = '****'

/** The query parameter naming where messages go: without it a destination URL is refused. */
const REQUIRED: Record<BrokerKind, string> = { amqp: 'exchange', nats: 'subject', redis: 'stream', mqtt: 'topic' }

export function brokerKindOf (url: string): BrokerKind | null {
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(url)?.[1].toLowerCase()
  return BROKER_KINDS.find((kind) => scheme !== undefined && Object.hasOwn(BROKER_SCHEMES[kind], scheme)) ?? null
}

export const destinationKindOf = (url: string): DestinationKind => brokerKindOf(url) ?? 'http'

/** A broker URL taken apart: where to connect, as whom, and where the message goes. */
export interface BrokerTarget {
  kind: BrokerKind
  tls: boolean
  host: string
  port: number
  username: string
  password: string
  /** AMQP vhost or Redis database: the path without its leading slash. */
  path: string
  params: URLSearchParams
  /** Identifies one connection (everything but the query) without holding the password. */
  poolKey: string
}

export function parseBrokerUrl (text: string): BrokerTarget | null {
  const kind = brokerKindOf(text)
  if (!kind) return null
  const url = new URL(text)
  const path = decodeURIComponent(url.pathname.replace(/^\//, ''))
  const username = decodeURIComponent(url.username)
  const password = decodeURIComponent(url.password)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const port = url.port ? Number(url.port) : BROKER_SCHEMES[kind][url.protocol]
  const tls = isTlsScheme(url.protocol)
  const secret = createHash('sha256').update(password).digest('base64url').slice(0, 12)
  return {
    kind, tls, host, port, username, password, path, params: url.searchParams,
    poolKey: `${url.protocol}//${encodeURIComponent(username)}@${url.host}/${path}#${secret}`,
  }
}

/** What is wrong with a broker URL, in words for the `url` field; empty when nothing is. */
export function brokerUrlProblems (text: string): string[] {
  const kind = brokerKindOf(text)
  if (!kind) return []
  let url: URL
  try { url = new URL(text) } catch { return ['must be an absolute URL'] }
  const problems: string[] = []
  if (!url.hostname) problems.push('must name the broker host')
  const required = REQUIRED[kind]
  if (!url.searchParams.get(required)) problems.push(`a ${kind} URL needs ?${required}=`)
  if (kind === 'redis') {
    const db = url.pathname.replace(/^\//, '')
    if (db !== '' && !/^\d{1,2}$/.test(db)) problems.push('the path of a redis URL is the database number')
    const maxlen = url.searchParams.get('maxlen')
    if (maxlen !== null && !/^[1-9]\d{0,9}$/.test(maxlen)) problems.push('maxlen must be a positive integer')
  }
  if (kind === 'mqtt') {
    const qos = url.searchParams.get('qos')
    if (qos !== null && qos !== '1' && qos !== '2') problems.push('qos must be 1 or 2 (a broker acknowledges only those)')
    if (/[+#]/.test(url.searchParams.get('topic') ?? '')) problems.push('topic must not contain the wildcards + or #')
  }
  if (kind === 'nats' && /[\s*>]/.test(url.searchParams.get('subject') ?? '')) problems.push('subject must not contain spaces or the wildcards * and >')
  return problems
}

/**
 * Splits the password out of a broker URL: the URL is stored with the mask in its place and the
 * password sealed beside it. Null password when the URL has none.
 */
export function splitUrlPassword (text: string): { url: string; password: string | null } {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):([^/?#@]*)@/i.exec(text)
  if (!match || !brokerKindOf(text)) return { url: text, password: null }
  return { url: `${match[1]}:${URL_PASSWORD_MASK}@${text.slice(match[0].length)}`, password: decodeURIComponent(match[2]) }
}

/** Puts a stored password back in place of the mask, for connecting. */
export function joinUrlPassword (masked: string, password: string | null): string {
  if (password === null) return masked
  return masked.replace(`:${URL_PASSWORD_MASK}@`, `:${encodeURIComponent(password)}@`)
}

/** Masks whatever password a URL carries (for what is recorded or logged). */
export const maskUrlPassword = (text: string) => splitUrlPassword(text).url
