import { api, type ThuliumWebhook } from '../api.ts'
import { useLoad } from '../use-load.ts'
import { ErrorNotice } from './ErrorNotice.tsx'
import { Page } from './Page.tsx'
import { ResourceTable } from './ResourceTable.tsx'

/** Thulium's subscriptions: which actions go to which URL. */
export function Webhooks () {
  const hooks = useLoad(() => api<ThuliumWebhook[]>('/api/webhooks'), [])
  return (
    <Page title="Webhooks (Thulium)">
      <ErrorNotice error={hooks.error} />
      {hooks.data && (
        <ResourceTable
          caption="Webhooks"
          rows={hooks.data}
          rowKey={(w) => w.id}
          empty="No webhooks yet."
          columns={[
            { label: 'Id', cell: (w) => w.id },
            { label: 'Actions', cell: (w) => w.actions.map((a) => <code key={a} class="tag">{a}</code>) },
            { label: 'Subscription URL', cell: (w) => <code class="url">{w.subscription_url}</code> },
            { label: 'Basic auth user', cell: (w) => w.http_auth_user || '–' },
          ]}
        />
      )}
    </Page>
  )
}
