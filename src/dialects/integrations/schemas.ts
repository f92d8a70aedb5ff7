import { Type, type TSchema } from 'typebox'
import { errorResponses } from '../../http/error-responses.ts'
import { withExamples } from '../../http/native-schemas.ts'

// Wire shapes of the CyberCert integrations API (seed 000). Response schemas list every
// allowed field: `credentials` is absent, so it cannot be serialised even by mistake.
// Examples are the seed's own, verbatim where it has them.

export const INTEGRATION_TYPES = ['webhook', 'oauth', 'api'] as const
export const INTEGRATION_STATUSES = ['active', 'inactive', 'error', 'pending'] as const

const JsonObject = Type.Unsafe<Record<string, unknown> | unknown[]>({
  type: ['object', 'array'],
  additionalProperties: true,
  description: 'Free-form JSON (a Laravel array)',
})
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const LaravelTimestamp = Type.String({ description: 'UTC with microseconds, e.g. 2025-11-20T12:00:00.000000Z' })

/** The seed's 201 example, plus the two fields hookhub answers that the seed's example leaves out. */
const integrationExample = {
  id: 1,
  uuid: '550e8400-e29b-41d4-a716-446655440000',
  name: 'Stripe Webhook',
  type: 'webhook',
  provider: 'stripe',
  description: 'Stripe ödeme webhook entegrasyonu',
  config: {
    webhook_url: 'https://api.example.com/webhooks/stripe',
    events: ['payment.succeeded', 'payment.failed'],
  },
  metadata: null,
  status: 'pending',
  is_active: true,
  user_id: 1,
  user: {
    id: 1,
    email: 'user@example.com',
  },
  inbound_url: 'https://hooks.example.com/hooks/0tN7w7seUVMmCgkE4T1erjS6juh6F6Lq',
  created_at: '2025-11-20T12:00:00.000000Z',
  updated_at: '2025-11-20T12:00:00.000000Z',
}

export const Integration = withExamples(Type.Object({
  id: Type.Integer(),
  uuid: Type.String({ format: 'uuid' }),
  name: Type.String(),
  type: Type.String({ enum: [...INTEGRATION_TYPES] }),
  provider: Nullable(Type.String()),
  description: Nullable(Type.String()),
  config: Nullable(JsonObject),
  metadata: Nullable(JsonObject),
  status: Type.String({ enum: [...INTEGRATION_STATUSES] }),
  is_active: Type.Boolean(),
  user_id: Type.Integer(),
  user: Type.Union([Type.Object({ id: Type.Integer(), email: Type.String() }), Type.Null()]),
  inbound_url: Type.Optional(Type.String({ description: 'webhook integrations: where the provider posts its webhooks' })),
  created_at: LaravelTimestamp,
  updated_at: LaravelTimestamp,
  deleted_at: Type.Optional(LaravelTimestamp),
}, { $id: 'Integration' }), integrationExample)

const IntegrationRef = Type.Unsafe({ $ref: 'Integration#' })

export const IntegrationInput = withExamples(Type.Object({
  name: Type.String({ maxLength: 255, description: 'Required on create and PUT' }),
  type: Type.String({ enum: [...INTEGRATION_TYPES], description: 'Required on create and PUT' }),
  provider: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  description: Type.Optional(Nullable(Type.String())),
  config: Type.Optional(Nullable(JsonObject)),
  credentials: Type.Optional(Nullable(Type.Unsafe({
    type: ['object', 'array'],
    description: 'Stored encrypted, never returned; a value "********" keeps the stored one',
  }))),
  status: Type.Optional(Type.String({ enum: [...INTEGRATION_STATUSES], default: 'pending' })),
  metadata: Type.Optional(Nullable(JsonObject)),
  is_active: Type.Optional(Type.Boolean({ default: true })),
}), {
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
})

export const IntegrationPatch = withExamples(Type.Partial(IntegrationInput), { status: 'active', is_active: true })

export const IntegrationListQuery = Type.Object({
  search: Type.Optional(Type.String({ description: 'Matches name, provider or description' })),
  type: Type.Optional(Type.String()),
  provider: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  is_active: Type.Optional(Type.Boolean()),
  with_trashed: Type.Optional(Type.Boolean()),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 15 })),
})

export const IntegrationPage = withExamples(Type.Object({
  data: Type.Array(IntegrationRef),
  current_page: Type.Integer(),
  per_page: Type.Integer(),
  total: Type.Integer(),
  last_page: Type.Integer(),
  from: Type.Union([Type.Integer(), Type.Null()]),
  to: Type.Union([Type.Integer(), Type.Null()]),
}), {
  data: [integrationExample],
  current_page: 1,
  per_page: 15,
  total: 1,
  last_page: 1,
  from: 1,
  to: 1,
})

export const IntegrationKeyParams = Type.Object({
  id: Type.String({ description: 'the integration\'s integer `id` or its `uuid`' }),
})

export const LaravelError = withExamples(Type.Object({
  message: Type.String(),
  errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
}, { $id: 'LaravelError', description: 'Laravel error body' }),
{ message: 'Forbidden' },
{ message: 'Validation failed', errors: { name: ['The name field is required.'], type: ['The type field is required.'] } })

export const laravelErrors = (...statuses: number[]) => errorResponses('LaravelError', ...statuses)

export { IntegrationRef }
