// Shared fixtures of the Thulium webhooks dialect tests (seed 004).
import assert from 'node:assert/strict'
import type { TestHub } from '../../helpers/hub.ts'

export const BASE = '/api/webhooks'
export const MASK = '********'

/** The seed's "Przykładowy request" body, byte for byte: PHP's json_encode escapes the slashes. */
export const SEED_BODY = '{"actions":["CHAT_CONVERSATION_CREATED"],"subscription_url":"https:\\/\\/example.pl"}'

/** The seed's PHP example sends this Content-Type. */
export const SEED_CONTENT_TYPE = 'application/json; charset=utf-8'

export type Headers = Record<string, string>

export interface WireWebhook {
  id: number
  actions: string[]
  subscription_url: string
  http_auth_user: string
  http_auth_password: string
}

/** HTTP Basic `<name>:<token>`, as `curl -u api_user:api_pass` sends it. */
export const basic = (name: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}` })

/** The seed's API user: a principal named api_user holding webhooks.*, authenticating with Basic. */
export async function apiUser (hub: TestHub, permissions = ['webhooks.*'], name = 'api_user') {
  const user = await hub.userWith(permissions, name)
  return { ...user, headers: basic(name, user.token) }
}

/** Creates a Thulium webhook through the API (200 as the seed) and returns its wire form. */
export async function createWebhook (hub: TestHub, headers: Headers, body: Record<string, unknown>): Promise<WireWebhook> {
  const res = await hub.app.inject({ method: 'POST', url: BASE, headers, payload: body })
  assert.equal(res.statusCode, 200, `create failed: ${res.body}`)
  return res.json() as WireWebhook
}

/** The native validation error body; `fields` is checked by the caller. */
export function assertValidation (res: { statusCode: number; body: string; json: () => unknown }, field: string, what: string) {
  assert.equal(res.statusCode, 400, `${what}: ${res.body}`)
  const body = res.json() as { error: { code: string; message: string; details: { fields: Record<string, string[]> } } }
  assert.deepEqual(Object.keys(body), ['error'], what)
  assert.equal(body.error.code, 'HOOKHUB_VALIDATION_FAILED', what)
  assert.equal(body.error.message, 'Validation failed', what)
  assert.deepEqual(Object.keys(body.error.details), ['fields'], what)
  const named = Object.keys(body.error.details.fields)
  assert.ok(named.some((key) => key === field || key.startsWith(`${field}.`)), `${what} names ${field}: ${res.body}`)
  for (const messages of Object.values(body.error.details.fields)) {
    assert.ok(Array.isArray(messages) && messages.length > 0 && messages.every((m) => typeof m === 'string' && m !== ''), `${what}: messages are non-empty strings`)
  }
}
