// CyberCert integrations dialect (seed 000) is a Laravel API: create and update take
// application/x-www-form-urlencoded and multipart/form-data bodies as well as JSON, with PHP's
// bracket names (`config[events][]=…`) building the same object a JSON body gives.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { engines, reportSkippedPostgres } from '../../helpers/engines.ts'
import { startHub, type TestHub } from '../../helpers/hub.ts'
import { BASE, createIntegration, SEED_REQUEST, storedCredentials, validationFailed, type Wire } from './support.ts'

reportSkippedPostgres()

const URLENCODED = 'application/x-www-form-urlencoded'
const BOUNDARY = '----hookhubFormBoundary7MA4YWxkTrZu0gW'

/** The seed's example request as a browser or `curl --data-urlencode` sends it (brackets encoded or not). */
const SEED_FORM = [
  'name=Stripe+Webhook',
  'type=webhook',
  'provider=stripe',
  `description=${encodeURIComponent('Stripe ödeme webhook entegrasyonu')}`,
  `config%5Bwebhook_url%5D=${encodeURIComponent('https://api.example.com/webhooks/stripe')}`,
  'config[events][]=payment.succeeded',
  'config%5Bevents%5D%5B%5D=payment.failed',
  'credentials[api_key]=sk_live_...',
  'status=pending',
].join('&')

type Part = { name: string; value: string; filename?: string; contentType?: string }

function multipart (parts: Part[], boundary = BOUNDARY) {
  const chunks = parts.map((p) => [
    `--${boundary}`,
    `Content-Disposition: form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`,
    ...(p.contentType ? [`Content-Type: ${p.contentType}`] : []),
    '',
    p.value,
  ].join('\r\n'))
  return Buffer.from(`${chunks.join('\r\n')}\r\n--${boundary}--\r\n`)
}

const SEED_PARTS: Part[] = [
  { name: 'name', value: 'Stripe Webhook' },
  { name: 'type', value: 'webhook' },
  { name: 'provider', value: 'stripe' },
  { name: 'description', value: 'Stripe ödeme webhook entegrasyonu' },
  { name: 'config[webhook_url]', value: 'https://api.example.com/webhooks/stripe' },
  { name: 'config[events][]', value: 'payment.succeeded' },
  { name: 'config[events][]', value: 'payment.failed' },
  { name: 'credentials[api_key]', value: 'sk_live_...' },
  { name: 'status', value: 'pending' },
]

function send (hub: TestHub, method: 'POST' | 'PUT' | 'PATCH', url: string, contentType: string, payload: string | Buffer) {
  return hub.app.inject({ method, url, headers: { ...hub.admin, 'content-type': contentType }, payload })
}

const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`

/** What differs between two creates of the same input. */
const withoutIdentity = (body: Wire) => {
  const { id: _id, uuid: _uuid, created_at: _c, updated_at: _u, inbound_url: _i, ...rest } = body
  return rest
}

for (const engine of engines) {
  describe(`[${engine}] CyberCert integrations: form bodies`, () => {
    test("the seed's example as x-www-form-urlencoded and as multipart/form-data creates what the JSON body creates", async (t) => {
      const hub = await startHub(t, engine)
      const fromJson = await createIntegration(hub, SEED_REQUEST)
      const urlencoded = await send(hub, 'POST', BASE, URLENCODED, SEED_FORM)
      assert.equal(urlencoded.statusCode, 201, urlencoded.body)
      const form = await send(hub, 'POST', BASE, MULTIPART, multipart([
        ...SEED_PARTS,
        // A file part: hookhub stores no files, so it is ignored.
        { name: 'metadata', value: '%PDF-1.4 binary', filename: 'contract.pdf', contentType: 'application/pdf' },
      ]))
      assert.equal(form.statusCode, 201, form.body)
      for (const [label, res] of [['urlencoded', urlencoded], ['multipart', form]] as const) {
        const body = res.json() as Wire
        assert.deepEqual(withoutIdentity(body), withoutIdentity(fromJson), label)
        assert.deepEqual(await storedCredentials(hub, body.uuid), { api_key: 'sk_live_...' }, label)
        assert.equal(res.body.includes('sk_live_'), false, `${label}: credentials are never echoed`)
      }
    })

    test('validation and messages are those of a JSON body', async (t) => {
      const hub = await startHub(t, engine)
      const cases: [string, Record<string, unknown>][] = [
        ['name=&type=ftp&is_active=maybe&config=text', { name: '', type: 'ftp', is_active: 'maybe', config: 'text' }],
        ['provider[]=x&status=gone', { provider: ['x'], status: 'gone' }],
        ['', {}],
      ]
      for (const [form, json] of cases) {
        const viaJson = await hub.app.inject({ method: 'POST', url: BASE, headers: hub.admin, payload: json })
        const viaForm = await send(hub, 'POST', BASE, URLENCODED, form)
        assert.equal(viaForm.statusCode, 422, `${form}: ${viaForm.body}`)
        assert.deepEqual(viaForm.json(), viaJson.json(), form)
        const viaMultipart = await send(hub, 'POST', BASE, MULTIPART, multipart(
          [...new URLSearchParams(form)].map(([name, value]) => ({ name, value }))))
        assert.deepEqual([viaMultipart.statusCode, viaMultipart.json()], [422, viaJson.json()], `multipart ${form}`)
      }
      assert.deepEqual((await send(hub, 'POST', BASE, URLENCODED, 'type=api')).json(), validationFailed({ name: ['The name field is required.'] }))
    })

    test('booleans: 1/0/true/false in form bodies; PATCH and PUT by form', async (t) => {
      const hub = await startHub(t, engine)
      for (const [value, expected] of [['1', true], ['0', false], ['true', true], ['false', false]] as const) {
        const res = await send(hub, 'POST', BASE, URLENCODED, `name=Flag&type=api&is_active=${value}`)
        assert.equal(res.statusCode, 201, `${value}: ${res.body}`)
        assert.equal(res.json().is_active, expected, value)
      }
      const created = await createIntegration(hub, { name: 'Form', type: 'webhook', credentials: { token: 'old' } })
      const patch = await send(hub, 'PATCH', `${BASE}/${created.uuid}`, URLENCODED, 'is_active=false&status=active&credentials[token]=new&metadata[tags][]=a&metadata[tags][]=b')
      assert.equal(patch.statusCode, 200, patch.body)
      assert.deepEqual([patch.json().is_active, patch.json().status, patch.json().metadata], [false, 'active', { tags: ['a', 'b'] }])
      assert.deepEqual(await storedCredentials(hub, created.uuid), { token: 'new' })
      const put = await send(hub, 'PUT', `${BASE}/${created.id}`, MULTIPART, multipart([
        { name: 'name', value: 'Renamed' }, { name: 'type', value: 'api' }, { name: 'is_active', value: 'true' },
        { name: 'credentials', value: '********' },
      ]))
      assert.equal(put.statusCode, 200, put.body)
      assert.deepEqual([put.json().name, put.json().type, put.json().is_active], ['Renamed', 'api', true])
      assert.deepEqual(await storedCredentials(hub, created.uuid), { token: 'new' }, '"********" keeps the stored credentials')
    })

    test('indexed and nested names build lists and objects as PHP does; __proto__ is a plain key', async (t) => {
      const hub = await startHub(t, engine)
      const res = await send(hub, 'POST', BASE, URLENCODED, [
        'name=Nested', 'type=api', 'config[a][0]=x', 'config[a][1]=y', 'config[b][1]=one', 'config[b][0]=zero',
        'config[c][k][]=1', 'config[c][k][]=2', 'config[__proto__][polluted]=1', '__proto__[polluted]=1',
      ].join('&'))
      assert.equal(res.statusCode, 201, res.body)
      const config = res.json().config as Record<string, unknown>
      assert.deepEqual(config.a, ['x', 'y'])
      assert.deepEqual(config.b, { 1: 'one', 0: 'zero' }, 'keys out of order stay an object, as json_encode gives it')
      assert.deepEqual(config.c, { k: ['1', '2'] })
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was touched')
    })

    test('malformed form bodies answer 400 with a message', async (t) => {
      const hub = await startHub(t, engine)
      const cases: [string, string, string | Buffer][] = [
        ['bad percent-encoding', URLENCODED, 'name=%ZZ&type=api'],
        ['invalid UTF-8', URLENCODED, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3d, 0xff, 0xfe])],
        ['names nested deeper than 64 levels', URLENCODED, `name=x&type=api&config${'[a]'.repeat(65)}=1`],
        ['multipart without a boundary', 'multipart/form-data', multipart(SEED_PARTS)],
        ['multipart without its closing delimiter', MULTIPART, multipart(SEED_PARTS).subarray(0, 100)],
      ]
      for (const [label, contentType, payload] of cases) {
        const res = await send(hub, 'POST', BASE, contentType, payload)
        assert.equal(res.statusCode, 400, `${label}: ${res.body}`)
        assert.deepEqual(Object.keys(res.json()), ['message'], label)
      }
    })

    test('other APIs still answer 415 to form bodies', async (t) => {
      const hub = await startHub(t, engine)
      const routes = [
        ['/api/v1/endpoints', 'url=https%3A%2F%2Fexample.com%2Fhook'],
        ['/api/v1/integration/nodes', 'name=Apex&type=1'],
        ['/api/webhooks', 'subscription_url=https%3A%2F%2Fexample.com&actions[]=CALL_ENDED'],
        ['/api/v1/events', 'type=a&payload=1'],
      ]
      for (const [url, form] of routes) {
        for (const [contentType, payload] of [[URLENCODED, form], [MULTIPART, multipart([{ name: 'name', value: 'x' }])]] as const) {
          const res = await send(hub, 'POST', url, contentType, payload)
          assert.equal(res.statusCode, 415, `${url} ${contentType}: ${res.body}`)
        }
      }
    })
  })
}
