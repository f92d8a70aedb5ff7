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

export interface DB {
  settings: SettingsTable
  users: UsersTable
  api_tokens: ApiTokensTable
  integrations: IntegrationsTable
}
