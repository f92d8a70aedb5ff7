// Shared fixtures of the CyberCert integrations dialect tests (seed 000).
import assert from 'node:assert/strict'
import type { TestHub } from '../../helpers/hub.ts'

export const BASE = '/api/v1/integrations'

/** The seed's "Example Request", verbatim. */
export const SEED_REQUEST = {
  name: 'Stripe Webhook',
  type: 'webhook',
  provider: 'stripe',
  description: 'Stripe ödeme webhook entegrasyonu',
  config: {
    webhook_url: 'https://api.example.com/webhooks/stripe',
    events: ['payment.succeeded', 'payment.failed'],
  },
  credentials: {
    api_key: 'sk_live_...',
  },
  status: 'pending',
} as const

/** The fields of the seed's 201 response, plus `metadata` (a request field the API stores and returns). */
export const INTEGRATION_FIELDS = [
  'config', 'created_at', 'description', 'id', 'is_active', 'metadata', 'name', 'provider', 'status', 'type',
  'updated_at', 'user', 'user_id', 'uuid',
]

/** A webhook integration also shows the inbound URL its provider posts to. */
export const WEBHOOK_FIELDS = [...INTEGRATION_FIELDS, 'inbound_url'].sort()
export const INBOUND_URL = /^http:\/\/localhost:8080\/hooks\/[A-Za-z0-9_-]{32}$/

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
/** Laravel's Carbon JSON format: UTC with microseconds. */
export const LARAVEL_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/

export const CREDENTIALS_CONTEXT = 'integrations.credentials'

export type Headers = Record<string, string>
export type Wire = Record<string, unknown> & { id: number; uuid: string; created_at: string; updated_at: string }

export const validationFailed = (errors: Record<string, string[]>) => ({ message: 'Validation failed', errors })

/** Creates an integration through the API and returns its wire representation. */
export async function createIntegration (hub: TestHub, body: Record<string, unknown>, headers: Headers = hub.admin): Promise<Wire> {
  const res = await hub.app.inject({ method: 'POST', url: BASE, headers, payload: body })
  assert.equal(res.statusCode, 201, `create failed: ${res.body}`)
  return res.json() as Wire
}

/** The stored row, read straight from the database. */
export async function storedRow (hub: TestHub, uuid: string) {
  return hub.database.db.selectFrom('integrations').selectAll().where('uuid', '=', uuid).executeTakeFirstOrThrow()
}

/** The stored credentials, opened with the hub's key (null when none are stored). */
export async function storedCredentials (hub: TestHub, uuid: string): Promise<unknown> {
  const row = await storedRow(hub, uuid)
  return row.credentials === null ? null : hub.secrets.openJson(row.credentials, CREDENTIALS_CONTEXT)
}

/** A response never carries credentials: no `credentials` key and no secret text anywhere in the body. */
export function assertNoCredentials (body: string, secrets: string[], label: string) {
  assert.doesNotMatch(body, /"credentials"/, `${label}: no credentials field`)
  for (const secret of secrets) assert.equal(body.includes(secret), false, `${label}: ${secret} leaked in ${body}`)
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
