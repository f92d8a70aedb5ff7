import { isoMicros } from '../../core/time-format.ts'
import type { HookhubError } from '../../core/errors.ts'
import type { WireFormat } from '../../http/wire-format.ts'
import type { IntegrationRow } from '../../storage/integration-repository.ts'

/** Laravel serialises Carbon dates with microseconds: 2025-11-20T12:00:00.000000Z. */
const laravelTimestamp = isoMicros

const parseJson = (text: string | null) => (text === null ? null : JSON.parse(text) as unknown)

/** The wire form; a webhook integration also shows the inbound URL its sender posts to. */
export function toWireIntegration (row: IntegrationRow, hookUrl: (token: string) => string) {
  return {
    id: row.id,
    uuid: row.uuid,
    name: row.name,
    type: row.type,
    provider: row.provider,
    description: row.description,
    config: parseJson(row.config),
    metadata: parseJson(row.metadata),
    status: row.status,
    is_active: row.is_active === 1,
    user_id: row.user_id,
    user: row.user_email === null ? null : { id: row.user_id, email: row.user_email },
    ...(row.type === 'webhook' && row.inbound_token !== null && { inbound_url: hookUrl(row.inbound_token) }),
    created_at: laravelTimestamp(row.created_at),
    updated_at: laravelTimestamp(row.updated_at),
    ...(row.deleted_at === null ? {} : { deleted_at: laravelTimestamp(row.deleted_at) }),
  }
}

/** The texts Laravel's exception handler answers with in production. */
const LARAVEL_MESSAGES: Record<number, string> = {
  401: 'Unauthenticated.',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Attempts.',
  500: 'Server Error',
  503: 'Service Unavailable',
}

/** Errors whose own message says more than Laravel's generic text for the status. */
const MESSAGE_AS_IS = new Set(['HOOKHUB_INVALID_JSON', 'HOOKHUB_BAD_REQUEST', 'HOOKHUB_SOURCE_NO_SECRET', 'HOOKHUB_SIGNATURE_INVALID'])

function toLaravelError (err: HookhubError, request: { method: string; url: string }) {
  if (err.code === 'HOOKHUB_VALIDATION_FAILED') {
    return { message: 'Validation failed', errors: err.details.fields as Record<string, string[]> }
  }
  if (err.code === 'HOOKHUB_METHOD_NOT_ALLOWED') {
    const route = request.url.split('?')[0].replace(/^\//, '')
    const allow = (err.details.allow as string[]).join(', ')
    return { message: `The ${request.method} method is not supported for route ${route}. Supported methods: ${allow}.` }
  }
  if (MESSAGE_AS_IS.has(err.code)) return { message: err.message }
  return { message: LARAVEL_MESSAGES[err.statusCode] ?? err.message }
}

export const integrationsFormat: WireFormat = {
  name: 'integrations',
  prefixes: ['/api/v1/integrations/'],
  toWireError: toLaravelError,
}
