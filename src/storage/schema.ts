import type { Generated } from 'kysely'

// Timestamps are epoch milliseconds; JSON is stored as text; booleans as 0/1 integers,
// so one set of rows means the same on SQLite and PostgreSQL.

export interface SettingsTable {
  key: string
  value: string
}

export interface UsersTable {
  id: Generated<number>
  email: string
  name: string
  /** JSON array of permission strings. */
  permissions: string
  created_at: number
  updated_at: number
  deleted_at: number | null
}

export interface ApiTokensTable {
  id: Generated<number>
  user_id: number
  /** SHA-256 of the token, hex; the token itself is never stored. */
  token_hash: string
  created_at: number
  last_used_at: number | null
}

export interface IntegrationsTable {
  id: Generated<number>
  uuid: string
  name: string
  type: string
  provider: string | null
  description: string | null
  config: string | null
  /** AES-256-GCM sealed JSON. */
  credentials: string | null
  status: string
  metadata: string | null
  is_active: number
  user_id: number
  created_at: number
  updated_at: number
  deleted_at: number | null
}

export interface SourcesTable {
  id: string
  name: string
  verify: string
  /** Sealed verification secret. */
  secret: string | null
  /** JSON: a fixed type string, or {"field": "<json path>"}. */
  event_type: string | null
  /** JSON array of accepted event types (with * wildcards); null accepts all. */
  accepted_types: string | null
  /** Channel given to every event of this source (integration points: the point's code). */
  channel: string | null
  /** 1: bodies that are not JSON are kept too, wrapped as {"content_type", "body"}. */
  any_body: Generated<number>
  /** JSON answered to the sender instead of hookhub's receipt (integration points answer {}). */
  ack_body: string | null
  /** Synchronous relay: the endpoint each inbound call is passed to at once, and how long to wait. */
  relay_endpoint_id: string | null
  relay_timeout_ms: number | null
  token: string
  /** 0 while the owning resource is deleted or inactive: its inbound URL answers 404. */
  enabled: Generated<number>
  owner_dialect: string | null
  owner_id: string | null
  user_id: number | null
  last_received_at: number | null
  created_at: number
  updated_at: number
  /** "http" (inbound URL) or the broker it consumes: amqp, nats, redis, mqtt. */
  kind: Generated<string>
  /** Sealed broker URL (it may hold a password); null for http. */
  broker_url: string | null
  /** The header or property naming a broker message's event type. */
  type_from: string | null
  /** 1: a broker source stops consuming until resumed. */
  paused: Generated<number>
}

/** Which process consumes a source that allows one consumer at a time (MQTT), until when. */
export interface SourceLeasesTable {
  source_id: string
  holder: string
  expires_at: number
}

export interface EventsTable {
  id: Generated<number>
  public_id: string
  type: string
  source: string
  node_id: string | null
  channel: string | null
  /** The payload bytes as received (UTF-8 JSON text). */
  payload: string
  /** Set when the body came in as something other than JSON: the payload is then its {"content_type", "body"} envelope. */
  content_type: string | null
  received_at: number
  /** The tenant whose endpoints alone the event reaches; null: endpoints without a tenant. */
  tenant_id: string | null
}

export interface IdempotencyKeysTable {
  key: string
  event_id: number
  created_at: number
}

export interface EndpointsTable {
  id: string
  url: string
  /** A broker URL's password, sealed; `url` holds `****` in its place. Null for none. */
  url_password: string | null
  method: string
  /** Extra request headers: a JSON object sealed with the secret box (plain JSON in rows not yet re-sealed at start). */
  headers: string
  /** Sealed JSON {type, username?, password?, token?, param?}; null for none. */
  auth: string | null
  secret: string
  previous_secret: string | null
  previous_secret_until: number | null
  format: string
  filter_types: string
  filter_node_id: string | null
  filter_channel: string | null
  /** JSON match document on the event's payload (src/core/filters.ts); null: no content filter. */
  filter_payload: string | null
  enabled: number
  paused: number
  disabled_reason: string | null
  rate_limit_per_s: number | null
  max_in_flight: number | null
  ordering: string
  owner_dialect: string | null
  owner_id: string | null
  user_id: number | null
  tenant_id: string | null
  consecutive_failures: Generated<number>
  failing_since: number | null
  circuit_open_until: number | null
  /** JavaScript defining handler(webhook) (docs/transforms.md); null without a transform. */
  transform_code: string | null
  transform_enabled: Generated<number>
  created_at: number
  updated_at: number
  deleted_at: number | null
}

export interface DeliveriesTable {
  id: Generated<number>
  public_id: string
  event_id: number
  endpoint_id: string
  status: string
  attempt_count: number
  next_attempt_at: number | null
  last_status_code: number | null
  lease_owner: string | null
  lease_expires_at: number | null
  created_at: number
  updated_at: number
}

export interface AttemptsTable {
  id: Generated<number>
  delivery_id: number
  endpoint_id: string
  started_at: number
  duration_ms: number
  /** JSON {method, url, headers} with secrets masked. */
  request: string
  response_status: number | null
  /** JSON {status, headers, body} (body: first 4 KB). */
  response: string | null
  error_code: string | null
  error_message: string | null
  /** The first 4 KB of what the endpoint's transform wrote with console.log during this try. */
  logs: string | null
}

export interface NodesTable {
  /** The sequential int_id. */
  id: Generated<number>
  uuid: string
  parent_uuid: string | null
  name: string
  /** 1 Apex, 2 Account, 3 SubAccount. */
  type: number
  /** Dot-joined int_ids from the root, e.g. "1.3.6". */
  path: string
  user_id: number | null
  created_at: number
  updated_at: number
  deleted_at: number | null
}

export interface DistributorsTable {
  id: string
  node_uuid: string
  /** JSON {host, path, method, authentication: {type, username?}}; secrets live in the endpoint. */
  meta: string | null
  endpoint_id: string | null
  user_id: number | null
  created_at: number
  updated_at: number
  deleted_at: number | null
}

export interface ThuliumWebhooksTable {
  id: Generated<number>
  /** JSON array of action names. */
  actions: string
  subscription_url: string
  http_auth_user: string
  /** The password itself is sealed in the endpoint's auth. */
  has_password: number
  endpoint_id: string
  user_id: number | null
  created_at: number
  updated_at: number
}

export interface IntegrationPointsTable {
  id: string
  code: string
  type: string
  token_local: string
  /** Sealed; "" when unset. */
  token_remote: string
  token_remote2: string
  url: string
  recv_svcscriptcode: string
  recv_svcscriptcode_ws: string
  send_svcscriptcode: string
  send_svcscriptcode_ws: string
  opts_title: string
  opts_comment: string
  opts_allow_files_api: number
  opts_issync: number
  opts_recv_timeout: number
  endpoint_id: string | null
  source_id: string
  user_id: number | null
  created_at: number
  updated_at: number
}

export interface TenantsTable {
  /** The operator's own identifier of its customer, or a generated tnt_… */
  id: string
  name: string
  /** JSON object. */
  metadata: string
  created_at: number
  updated_at: number
}

export interface EventTypesTable {
  name: string
  description: string | null
  /** JSON Schema (2020-12) payloads of this type must satisfy; null: any payload. */
  schema: string | null
  /** JSON. */
  example: string | null
  deprecated: number
  created_at: number
  updated_at: number
}

export interface PortalSessionsTable {
  id: Generated<number>
  tenant_id: string
  /** SHA-256 of the hhp_ token, hex. */
  token_hash: string
  read_only: number
  expires_at: number
  created_at: number
}

export interface DB {
  settings: SettingsTable
  users: UsersTable
  api_tokens: ApiTokensTable
  integrations: IntegrationsTable
  sources: SourcesTable
  source_leases: SourceLeasesTable
  events: EventsTable
  idempotency_keys: IdempotencyKeysTable
  endpoints: EndpointsTable
  deliveries: DeliveriesTable
  attempts: AttemptsTable
  nodes: NodesTable
  distributors: DistributorsTable
  thulium_webhooks: ThuliumWebhooksTable
  integration_points: IntegrationPointsTable
  tenants: TenantsTable
  event_types: EventTypesTable
  portal_sessions: PortalSessionsTable
}
