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
  let ip = ipaddr.parse(address)
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address()
  }
  return ip.range() !== 'unicast'
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
