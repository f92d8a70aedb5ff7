import { isoMicros } from '../../core/time-format.ts'
import type { HookhubError, HookhubCode } from '../../core/errors.ts'
import type { WireFormat } from '../../http/wire-format.ts'
import type { DistributorRow } from '../../storage/distributor-repository.ts'
import type { NodeRow } from '../../storage/node-repository.ts'

export const HTTP_METHODS: Record<number, string> = { 1: 'GET', 2: 'POST', 3: 'PUT', 4: 'PATCH', 5: 'DELETE' }
export const AUTH_BASIC = 1
export const AUTH_TOKEN = 2
export const MASK = '********'

/** Brokerstr's own error codes for hookhub's, and the status Brokerstr answers with. */
const BROKERSTR_CODES: Partial<Record<HookhubCode, [string, number?]>> = {
  HOOKHUB_VALIDATION_FAILED: ['VALIDATION_ERROR', 400],
  HOOKHUB_INVALID_JSON: ['INVALID_JSON'],
  HOOKHUB_BAD_REQUEST: ['BAD_REQUEST'],
  HOOKHUB_UNAUTHENTICATED: ['UNAUTHORIZED'],
  HOOKHUB_FORBIDDEN: ['FORBIDDEN'],
  HOOKHUB_NOT_FOUND: ['NOT_FOUND'],
  HOOKHUB_ROUTE_NOT_FOUND: ['NOT_FOUND'],
  HOOKHUB_METHOD_NOT_ALLOWED: ['METHOD_NOT_ALLOWED'],
  HOOKHUB_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE'],
  HOOKHUB_UNSUPPORTED_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE'],
  HOOKHUB_HEADERS_TOO_LARGE: ['HEADERS_TOO_LARGE'],
  HOOKHUB_REQUEST_TIMEOUT: ['REQUEST_TIMEOUT'],
  HOOKHUB_RATE_LIMITED: ['RATE_LIMIT_EXCEEDED'],
  HOOKHUB_AUTH_FAILURES_LIMITED: ['RATE_LIMIT_EXCEEDED'],
  HOOKHUB_CONFLICT: ['CONFLICT'],
  HOOKHUB_DATABASE_UNAVAILABLE: ['SERVICE_UNAVAILABLE'],
  HOOKHUB_BUSY: ['SERVICE_UNAVAILABLE'],
}

export const brokerstrFormat: WireFormat = {
  name: 'brokerstr',
  prefixes: ['/api/v1/integration/'],
  toWireError: (err: HookhubError) => ({
    error: {
      code: BROKERSTR_CODES[err.code]?.[0] ?? 'INTERNAL_ERROR',
      message: err.message,
      // Validation names each field with its problems; other errors keep their details.
      details: err.code === 'HOOKHUB_VALIDATION_FAILED' ? err.details.fields ?? {} : err.details,
    },
  }),
  statusOf: (err) => BROKERSTR_CODES[err.code]?.[1] ?? err.statusCode,
}

export const toWireNode = (row: NodeRow) => ({
  id: row.uuid,
  parent_id: row.parent_uuid,
  name: row.name,
  type: row.type,
  path: row.path,
  int_id: row.id,
  created_at: isoMicros(row.created_at),
  updated_at: isoMicros(row.updated_at),
})

export interface StoredMeta {
  host: string
  path: string
  method: number
  authentication?: { type: number; username?: string }
}

/** A distributor as Brokerstr shows it; `secrets` are echoed on create only, masked otherwise. */
export function toWireDistributor (row: DistributorRow, secrets?: { password?: string; token?: string }) {
  const meta = row.meta === null ? null : JSON.parse(row.meta) as StoredMeta
  let authentication: { type: number; username?: string; password?: string; token?: string } | undefined
  if (meta?.authentication) {
    const auth = meta.authentication
    authentication = auth.type === AUTH_BASIC
      ? { type: auth.type, username: auth.username, password: secrets?.password ?? MASK }
      : { type: auth.type, token: secrets?.token ?? MASK }
  }
  return {
    id: row.id,
    node_id: row.node_uuid,
    meta: meta === null
      ? null
      : { host: meta.host, path: meta.path, method: HTTP_METHODS[meta.method], ...(authentication && { authentication }) },
    created_at: isoMicros(row.created_at),
    updated_at: isoMicros(row.updated_at),
  }
}
