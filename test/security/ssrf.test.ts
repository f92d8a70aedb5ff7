// SSRF: the full table of address forms a delivery target can hide a private address behind —
// IPv4 and IPv6 literals, IPv4-mapped, IPv4-compatible, NAT64, 6to4 and Teredo IPv6, decimal, octal and hex IPv4,
// localhost, DNS names resolving to private addresses (a lookup hook stands in for DNS: no
// network here), a redirect to a private address — blocked with the guard on and let through
// with HOOKHUB_ALLOW_PRIVATE_NETWORKS=true (redirects are never followed). Then end to end:
// every dialect refuses such a target when it is created, and a delivery whose name resolves
// to loopback fails as HOOKHUB_SSRF_BLOCKED without reaching the receiver. The address classes
// themselves are in test/core/ssrf-guard.test.ts.
import assert from 'node:assert/strict'
import dns from 'node:dns'
import { after, before, describe, mock, test } from 'node:test'
import { createDeliveryClient, DeliveryError } from '../../src/core/delivery-client.ts'
import { createEndpoint, FAST_DELIVERY, publish, settled } from '../helpers/delivery.ts'
import { engines, reportSkippedPostgres } from '../helpers/engines.ts'
import { startSink } from '../helpers/sink.ts'
import { assertErrorShape, familyOf, hubForSuite, type Family } from './support.ts'

reportSkippedPostgres()

/** Names the stand-in DNS answers; every other name goes to the real resolver. */
const ZONE: Record<string, { address: string; family: 4 | 6 }[]> = {
  'loopback.hookhub.test': [{ address: '127.0.0.1', family: 4 }],
  'private.hookhub.test': [{ address: '10.1.2.3', family: 4 }],
  'metadata.hookhub.test': [{ address: '169.254.169.254', family: 4 }],
  'mapped.hookhub.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  // One public and one private answer: the connection could land on either, so it is refused.
  'mixed.hookhub.test': [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }],
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void
const realLookup = dns.lookup

before(() => {
  // guardedLookup and net.connect both call dns.lookup through the module object at connect time.
  mock.method(dns, 'lookup', (hostname: string, options: dns.LookupOptions | number | LookupCallback, callback?: LookupCallback) => {
    const cb = (typeof options === 'function' ? options : callback)!
    const opts = typeof options === 'object' ? options : {}
    const answers = ZONE[hostname]
    if (!answers) return (realLookup as (...args: unknown[]) => void)(hostname, opts, cb)
    process.nextTick(() => (opts.all ? cb(null, answers) : cb(null, answers[0].address, answers[0].family)))
  })
})
after(() => mock.restoreAll())

/**
 * One row per way of writing a private address. `reaches`: with the guard off, the request
 * arrives at the local receiver (the form names 127.0.0.1, where it listens).
 */
const FORMS: { form: string; host: string; reaches: boolean }[] = [
  { form: 'IPv4 loopback', host: '127.0.0.1', reaches: true },
  { form: 'IPv4 loopback, another address of 127/8', host: '127.0.0.2', reaches: false },
  { form: 'IPv4 short form 127.1', host: '127.1', reaches: true },
  { form: 'IPv4 as one decimal number', host: '2130706433', reaches: true },
  { form: 'IPv4 as one hex number', host: '0x7f000001', reaches: true },
  { form: 'IPv4 as one octal number', host: '017700000001', reaches: true },
  { form: 'IPv4 octal dotted', host: '0177.0.0.01', reaches: true },
  { form: 'IPv4 hex dotted', host: '0x7f.0x0.0x0.0x1', reaches: true },
  { form: 'unspecified 0.0.0.0', host: '0.0.0.0', reaches: true },
  { form: 'RFC 1918 10/8', host: '10.0.0.1', reaches: false },
  { form: 'RFC 1918 172.16/12', host: '172.16.0.1', reaches: false },
  { form: 'RFC 1918 192.168/16', host: '192.168.1.1', reaches: false },
  { form: 'link-local / cloud metadata', host: '169.254.169.254', reaches: false },
  { form: 'CGNAT 100.64/10', host: '100.64.0.1', reaches: false },
  { form: 'multicast', host: '224.0.0.1', reaches: false },
  { form: 'IPv6 loopback', host: '[::1]', reaches: false },
  { form: 'IPv6 unique local', host: '[fc00::1]', reaches: false },
  { form: 'IPv6 link-local', host: '[fe80::1]', reaches: false },
  { form: 'IPv4-mapped IPv6, dotted', host: '[::ffff:127.0.0.1]', reaches: true },
  { form: 'IPv4-mapped IPv6, hex', host: '[::ffff:7f00:1]', reaches: true },
  { form: 'IPv4-mapped IPv6, long form', host: '[0:0:0:0:0:ffff:7f00:1]', reaches: true },
  { form: 'IPv4-mapped IPv6 of the metadata address', host: '[::ffff:169.254.169.254]', reaches: false },
  { form: 'NAT64 of loopback', host: '[64:ff9b::7f00:1]', reaches: false },
  { form: '6to4 of loopback', host: '[2002:7f00:1::]', reaches: false },
  { form: 'IPv4-compatible IPv6 of loopback, dotted', host: '[::127.0.0.1]', reaches: false },
  { form: 'IPv4-compatible IPv6 of loopback, long form', host: '[0:0:0:0:0:0:7f00:1]', reaches: false },
  { form: 'IPv4-compatible IPv6 of the metadata address', host: '[::169.254.169.254]', reaches: false },
  { form: 'NAT64 of 10/8, dotted', host: '[64:ff9b::10.0.0.1]', reaches: false },
  { form: '6to4 of 192.168/16', host: '[2002:c0a8:101::1]', reaches: false },
  { form: 'Teredo with a loopback client', host: '[2001:0:4136:e378:8000:63bf:80ff:fffe]', reaches: false },
  { form: 'Teredo with a private server', host: '[2001:0:a00:1:8000:63bf:f7f7:f7f7]', reaches: false },
  { form: 'localhost', host: 'localhost', reaches: true },
  { form: 'a DNS name resolving to loopback', host: 'loopback.hookhub.test', reaches: true },
  { form: 'a DNS name resolving to 10/8', host: 'private.hookhub.test', reaches: false },
  { form: 'a DNS name resolving to the metadata address', host: 'metadata.hookhub.test', reaches: false },
  { form: 'a DNS name resolving to IPv4-mapped loopback', host: 'mapped.hookhub.test', reaches: false },
  { form: 'a DNS name with a public and a private answer', host: 'mixed.hookhub.test', reaches: false },
]

const clientOf = (t: { after: (fn: () => unknown) => void }, allowPrivateNetworks: boolean) => {
  // Short timeouts: with the guard off, unroutable private addresses just time out.
  const client = createDeliveryClient({ allowPrivateNetworks, connectTimeoutMs: 300, requestTimeoutMs: 1000 })
  t.after(() => client.close())
  return client
}

test('guard on: every form of a private address is refused before any byte is sent', async (t) => {
  const sink = await startSink(t)
  const client = clientOf(t, false)
  const outcomes = await Promise.all(FORMS.map(async ({ form, host }) => {
    const error = await client.send({ url: `http://${host}:${sink.port}/hook`, method: 'POST', headers: {}, body: '{}' })
      .then(() => null, (err: DeliveryError) => err)
    return { form, code: error?.code }
  }))
  for (const { form, code } of outcomes) assert.equal(code, 'HOOKHUB_SSRF_BLOCKED', form)
  assert.equal(sink.received.length, 0, 'the receiver got nothing')
})

test('guard off (HOOKHUB_ALLOW_PRIVATE_NETWORKS=true): the same forms are let through', async (t) => {
  const sink = await startSink(t)
  const client = clientOf(t, true)
  for (const { form, host, reaches } of FORMS) {
    const before = sink.received.length
    const outcome = await client.send({ url: `http://${host}:${sink.port}/hook`, method: 'POST', headers: {}, body: '{}' })
      .then((res) => `HTTP ${res.status}`, (err: DeliveryError) => err.code)
    assert.notEqual(outcome, 'HOOKHUB_SSRF_BLOCKED', form)
    if (reaches) {
      assert.equal(outcome, 'HTTP 200', form)
      assert.equal(sink.received.length, before + 1, `${form} reached the receiver`)
    }
  }
})

test('a redirect to a private address is never followed, guard on or off', async (t) => {
  const inner = await startSink(t)
  const outer = await startSink(t, (_req, res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${inner.port}/internal` })
    res.end()
  })
  // The guard-on client cannot reach a first hop on this machine at all; with it off, the
  // first hop answers 302 and the delivery records exactly that.
  const client = clientOf(t, true)
  for (const status of [301, 302, 303, 307, 308]) {
    outer.server.removeAllListeners('request')
    outer.server.on('request', (_req, res) => {
      res.writeHead(status, { location: `http://127.0.0.1:${inner.port}/internal` })
      res.end()
    })
    const res = await client.send({ url: `${outer.url}/hook`, method: 'POST', headers: {}, body: '{}' })
    assert.equal(res.status, status)
    assert.equal(res.headers.location, `http://127.0.0.1:${inner.port}/internal`)
  }
  assert.equal(inner.received.length, 0, 'the redirect target got nothing')
  await assert.rejects(clientOf(t, false).send({ url: `${outer.url}/hook`, method: 'POST', headers: {}, body: '{}' }),
    (err: DeliveryError) => err.code === 'HOOKHUB_SSRF_BLOCKED')
})

/** Each API that takes a delivery target, the field it goes in, and a body around a URL. */
const TARGETS: { api: string; family: Family; path: (nodeId: string) => string; body: (url: string) => object; expected: [number, number] }[] = [
  // Accepted targets must not take the deliveries of the suite's other test: filtered to nothing.
  { api: 'native endpoints', family: 'native', path: () => '/api/v1/endpoints', body: (url) => ({ url, filter: { types: ['never.*'] } }), expected: [422, 201] },
  { api: 'Brokerstr distributors', family: 'brokerstr', path: (node) => `/api/v1/integration/distributors/nodes/${node}`, body: (url) => ({ meta: { host: new URL(url).origin, path: '/hook', method: 2 } }), expected: [400, 201] },
  { api: 'Thulium webhooks', family: 'thulium', path: () => '/api/webhooks', body: (url) => ({ actions: ['CALL_ENDED'], subscription_url: url }), expected: [400, 200] },
  { api: 'Incoplax integration points', family: 'incoplax', path: () => '/rest/v1/service/integration_points', body: (url) => ({ code: `C${Math.random().toString(36).slice(2, 8)}`, type: 'public', url }), expected: [400, 200] },
]

/** Literal forms a URL can carry (names are resolved only when delivering). */
const LITERALS = FORMS.filter(({ host }) => !host.includes('hookhub.test'))
/** With the guard off each accepted target is a stored row: one form of each kind is enough. */
const ACCEPTED = LITERALS.filter(({ form }) => /^(IPv4 loopback|IPv4 as one decimal|RFC 1918 10|link-local|IPv6 loopback|IPv4-mapped IPv6, dotted|localhost)/.test(form))

const { HOOKHUB_ALLOW_PRIVATE_NETWORKS: _lifted, ...GUARDED_DELIVERY } = FAST_DELIVERY

for (const engine of engines) {
  for (const guard of ['on', 'off'] as const) {
    describe(`[${engine}] SSRF end to end, guard ${guard}`, () => {
      const suiteHub = hubForSuite(engine, guard === 'on' ? GUARDED_DELIVERY : FAST_DELIVERY)

      test(`every API ${guard === 'on' ? 'refuses' : 'accepts'} a private target when it is created`, async () => {
        const hub = suiteHub()
        const headers = { ...hub.admin, 'x-target-server': 'integration' }
        const node = (await hub.app.inject({ method: 'POST', url: '/api/v1/integration/nodes', headers, payload: { name: 'n', type: 1 } })).json().id
        for (const target of TARGETS) {
          for (const { form, host } of guard === 'on' ? LITERALS : ACCEPTED) {
            const res = await hub.app.inject({ method: 'POST', url: target.path(node), headers, payload: target.body(`http://${host}:8080/hook`) })
            const status = target.expected[guard === 'on' ? 0 : 1]
            assert.equal(res.statusCode, status, `${target.api}, ${form}: ${res.body}`)
            if (guard === 'on') {
              assertErrorShape(res, familyOf(target.path(node)), `${target.api}, ${form}`)
              assert.match(res.body, /private, loopback or link-local/, `${target.api}, ${form} says why`)
            }
          }
        }
      })

      test(guard === 'on'
        ? 'a target whose name resolves to loopback fails as HOOKHUB_SSRF_BLOCKED, once, and the receiver gets nothing'
        : 'the same name is delivered to', async (t) => {
        const hub = suiteHub()
        const sink = await startSink(t)
        await createEndpoint(hub, { url: `http://loopback.hookhub.test:${sink.port}/hook`, filter: { types: ['ssrf.*'] } })
        const event = await publish(hub, 'ssrf.test', { n: 1 })
        const [delivery] = await settled(hub, event.id)
        if (guard === 'on') {
          assert.equal(delivery.status, 'failed', 'a blocked target is not retried')
          assert.equal(delivery.attempts!.length, 1)
          assert.equal(delivery.attempts![0].error?.code, 'HOOKHUB_SSRF_BLOCKED')
          assert.equal(sink.received.length, 0)
        } else {
          assert.equal(delivery.status, 'succeeded')
          assert.ok(sink.received.length >= 1)
        }
      })
    })
  }
}
