import type { WireFormat } from '../../http/wire-format.ts'
import { nativeFormat } from '../../http/wire-format.ts'
import type { ThuliumWebhookRow } from '../../storage/thulium-webhook-repository.ts'

export const MASK = '********'

/** Thulium documents no error shape: the native one, with 400 for invalid input as its API answers. */
export const thuliumFormat: WireFormat = {
  name: 'thulium',
  prefixes: ['/api/webhooks/'],
  toWireError: nativeFormat.toWireError,
  statusOf: (err) => (err.code === 'HOOKHUB_VALIDATION_FAILED' ? 400 : err.statusCode),
}

/**
 * A webhook as Thulium shows it: absent credentials are "", a password is echoed when given
 * (create) and masked on every other answer.
 */
export const toWireWebhook = (row: ThuliumWebhookRow, echoedPassword?: string) => ({
  id: row.id,
  actions: JSON.parse(row.actions) as string[],
  subscription_url: row.subscription_url,
  http_auth_user: row.http_auth_user,
  http_auth_password: echoedPassword ?? (row.has_password === 1 ? MASK : ''),
})
