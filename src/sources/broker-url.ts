import { LINE_BREAK_OR_NUL } from '../core/endpoint-service.ts'
import { isBlockedUrl } from '../core/ssrf-guard.ts'
import { BROKER_SCHEMES, isTlsScheme, type BrokerKind } from '../core/broker-kinds.ts'

// Broker source URLs: what each kind consumes is named in the query string, the password (if
// any) in the userinfo. The URL is stored sealed and shown with the password as "****".

export { BROKER_KINDS, isBrokerKind, type BrokerKind } from '../core/broker-kinds.ts'

/** The query parameters each kind needs. */
const REQUIRED: Record<BrokerKind, string[]> = {
  amqp: ['queue'],
  nats: ['stream', 'consumer'],
  redis: ['stream', 'group'],
  mqtt: ['topic'],
}

export const PASSWORD_MASK = '****'

/** NATS stream and consumer names: no whitespace, dots, wildcards or path separators. */
const NATS_NAME = /^[^\s.*>/\\]{1,255}$/

function mqttTopicProblem (topic: string): string | null {
  const levels = topic.split('/')
  for (const [i, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return 'topic: # must be the whole last level'
    if (level.includes('+') && level !== '+') return 'topic: + must be a whole level'
  }
  return Buffer.byteLength(topic) > 65_535 ? 'topic is too long' : null
}

/** A parsed broker URL: where to connect and what to consume. */
export interface BrokerTarget {
  kind: BrokerKind
  url: URL
  host: string
  port: number
  tls: boolean
  username: string
  password: string
  param: (name: string) => string
}

export function parseBrokerUrl (kind: BrokerKind, text: string): BrokerTarget {
  const url = new URL(text)
  return {
    kind,
    url,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? BROKER_SCHEMES[kind][url.protocol] : Number(url.port),
    tls: isTlsScheme(url.protocol),
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    param: (name) => url.searchParams.get(name) ?? '',
  }
}

/** What is wrong with `text` as the URL of a `kind` source; empty when nothing. */
export function brokerUrlProblems (kind: BrokerKind, text: string, allowPrivateNetworks: boolean): string[] {
  // The URL parser drops CR and LF silently; what is stored and used would still hold them.
  if (LINE_BREAK_OR_NUL.test(text)) return ['must not contain CR, LF or NUL']
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return ['must be an absolute URL']
  }
  const schemes = Object.keys(BROKER_SCHEMES[kind])
  if (!schemes.includes(url.protocol)) return [`must start with ${schemes.map((s) => `${s}//`).join(' or ')} for kind ${kind}`]
  const problems: string[] = []
  if (url.hostname === '') problems.push('must name a host')
  if (!allowPrivateNetworks && url.hostname !== '' && isBlockedUrl(url)) {
    problems.push('points to a private, loopback or link-local address (set HOOKHUB_ALLOW_PRIVATE_NETWORKS=true to allow)')
  }
  for (const name of REQUIRED[kind]) {
    const value = url.searchParams.get(name)
    if (!value) problems.push(`needs ?${name}=`)
    else if (kind === 'nats' && !NATS_NAME.test(value)) problems.push(`${name} must be a NATS name (no spaces, dots, * or >)`)
    else if (kind === 'mqtt') {
      const problem = mqttTopicProblem(value)
      if (problem) problems.push(problem)
    } else if (Buffer.byteLength(value) > 255) problems.push(`${name} is longer than 255 bytes`)
  }
  if (kind === 'redis' && !/^\/?(\d{1,2})?$/.test(url.pathname)) problems.push('path must be a database number (/0 … /15)')
  return problems
}

/** The URL as it is shown: the password replaced by "****". */
export function maskBrokerUrl (text: string): string {
  const url = new URL(text)
  if (url.password !== '') url.password = PASSWORD_MASK
  return url.toString()
}
