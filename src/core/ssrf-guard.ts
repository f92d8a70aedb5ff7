import dns from 'node:dns'
import net from 'node:net'
import ipaddr from 'ipaddr.js'

// Deliveries go only to public unicast addresses unless HOOKHUB_ALLOW_PRIVATE_NETWORKS=true.
// The check runs on the address the socket connects to, after DNS, so a name that resolves to
// 127.0.0.1 or 169.254.169.254 is caught as surely as the literal.

export const SSRF_BLOCKED = 'HOOKHUB_SSRF_BLOCKED'

export class SsrfBlockedError extends Error {
  readonly code = SSRF_BLOCKED
  constructor (address: string, host: string) {
    super(`delivery to ${host} (${address}) is blocked: not a public address; set HOOKHUB_ALLOW_PRIVATE_NETWORKS=true to allow it`)
  }
}

/** True for loopback, private, link-local (incl. cloud metadata), CGNAT, multicast, reserved… */
export function isBlockedAddress (address: string): boolean {
  if (!ipaddr.isValid(address)) return true
  const ip = ipaddr.parse(address)
  if (ip.kind() === 'ipv6') {
    const embedded = embeddedIPv4Of(ip as ipaddr.IPv6)
    if (embedded) return embedded.some((v4) => v4.range() !== 'unicast')
  }
  return ip.range() !== 'unicast'
}

const ipv4Of = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff])

/**
 * The IPv4 addresses an IPv6 address carries, for the forms that reach them: IPv4-compatible
 * `::/96` and IPv4-mapped `::ffff:0:0/96` (RFC 4291), NAT64 `64:ff9b::/96` (RFC 6052), 6to4
 * `2002::/16` (RFC 3056) and Teredo `2001::/32` (RFC 4380: server, then client XOR ffffffff).
 * Such an address is as public as what it carries. Null for every other IPv6 address.
 */
function embeddedIPv4Of (ip: ipaddr.IPv6): ipaddr.IPv4[] | null {
  const p = ip.parts
  const zeros = (from: number, to: number) => p.slice(from, to).every((part) => part === 0)
  if (zeros(0, 5) && (p[5] === 0 || p[5] === 0xffff)) return [ipv4Of(p[6], p[7])]
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return [ipv4Of(p[6], p[7])]
  if (p[0] === 0x2002) return [ipv4Of(p[1], p[2])]
  if (p[0] === 0x2001 && p[1] === 0) return [ipv4Of(p[2], p[3]), ipv4Of(p[6] ^ 0xffff, p[7] ^ 0xffff)]
  return null
}

/** The host of a URL when it is an IP literal (brackets removed), else null. */
export function literalAddressOf (url: URL): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return net.isIP(host) ? host : null
}

/** For endpoint creation: a URL whose host is a blocked literal or a local name is refused early. */
export function isBlockedUrl (url: URL): boolean {
  const literal = literalAddressOf(url)
  if (literal) return isBlockedAddress(literal)
  // A trailing dot is the same name, fully qualified: "localhost." is localhost.
  return /^(localhost|.*\.localhost|.*\.local|.*\.internal)$/i.test(url.hostname.replace(/\.$/, ''))
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void

/** A `lookup` for net.connect that refuses blocked addresses. */
export function guardedLookup (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '')
    const list = addresses as dns.LookupAddress[]
    const blocked = list.find((a) => isBlockedAddress(a.address))
    if (blocked) return callback(new SsrfBlockedError(blocked.address, hostname) as unknown as NodeJS.ErrnoException, '')
    if (options.all) return callback(null, list)
    callback(null, list[0].address, list[0].family)
  })
}
