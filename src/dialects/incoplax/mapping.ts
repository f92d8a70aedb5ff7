import type { HookhubError } from '../../core/errors.ts'
import type { WireFormat } from '../../http/wire-format.ts'
import type { IntegrationPointRow } from '../../storage/integration-point-repository.ts'

export const MASK = '********'

/** Incoplax errors: `{"error_code": 1000 + status, "error_message": "…"}`, naming invalid fields. */
export const incoplaxFormat: WireFormat = {
  name: 'incoplax',
  // Incoplax's whole service namespace: an unknown path under it is still asked of Incoplax.
  prefixes: ['/rest/v1/service/'],
  toWireError: (err: HookhubError) => {
    const fields = err.code === 'HOOKHUB_VALIDATION_FAILED' ? err.details.fields as Record<string, string[]> : undefined
    const statusOf = err.code === 'HOOKHUB_VALIDATION_FAILED' ? 400 : err.statusCode
    const message = fields
      ? `Invalid request: ${Object.entries(fields).map(([field, problems]) => `${field} ${problems.join(', ')}`).join('; ')}`
      : err.message
    return { error_code: 1000 + statusOf, error_message: message }
  },
  statusOf: (err) => (err.code === 'HOOKHUB_VALIDATION_FAILED' ? 400 : err.statusCode),
}

/**
 * The entity as the seed shows it. Remote tokens are echoed by the write that set them
 * (`echo`) and masked on reads; ext.ct and ext.lwt are ISO 8601 UTC.
 */
export function toEntity (row: IntegrationPointRow, echo?: { token_remote?: string; token_remote2?: string }) {
  const secret = (stored: string, given: string | undefined) => given ?? (stored === '' ? '' : MASK)
  return {
    id: row.id,
    code: row.code,
    type: row.type,
    token_local: row.token_local,
    token_remote: secret(row.token_remote, echo?.token_remote),
    token_remote2: secret(row.token_remote2, echo?.token_remote2),
    url: row.url,
    recv_svcscriptcode: row.recv_svcscriptcode,
    recv_svcscriptcode_ws: row.recv_svcscriptcode_ws,
    send_svcscriptcode: row.send_svcscriptcode,
    send_svcscriptcode_ws: row.send_svcscriptcode_ws,
    opts: {
      title: row.opts_title,
      comment: row.opts_comment,
      allow_files_api: row.opts_allow_files_api === 1,
      issync: row.opts_issync === 1,
      recv_timeout: row.opts_recv_timeout,
    },
    ext: { ct: new Date(row.created_at).toISOString(), lwt: new Date(row.updated_at).toISOString() },
  }
}
