import { isBrokerAnswer, type Attempt } from '../api.ts'
import { dateTime, prettyBody } from '../format.ts'
import { HeaderList } from './HeaderList.tsx'
import { Status } from './Status.tsx'

/**
 * One try: what was sent and what came back (or why nothing did).
 * `requestBody`: what the request carried (the event's payload), when the page knows it.
 */
export function AttemptView ({ attempt: a, number, open, requestBody }: { attempt: Attempt; number: number; open: boolean; requestBody?: string }) {
  // A broker's acknowledgement is the only answer a broker gives: a try that has one succeeded.
  const broker = a.response && isBrokerAnswer(a.response) ? a.response : null
  const http = a.response && !isBrokerAnswer(a.response) ? a.response : null
  const outcome = broker ? `${broker.broker} acknowledged` : http ? `HTTP ${http.status}` : a.error ? a.error.code : 'no answer'
  const ok = broker !== null || (http !== null && http.status >= 200 && http.status < 300)
  return (
    <li>
      <details open={open}>
        <summary>
          Attempt {number}: <Status value={ok ? 'succeeded' : 'failed'} /> {outcome} in {a.duration_ms} ms · {dateTime(a.started_at)}
        </summary>
        <h3>Request</h3>
        <p><code>{a.request.method} {a.request.url}</code></p>
        <HeaderList headers={a.request.headers} label={`Request headers of attempt ${number}`} />
        {requestBody !== undefined && (
          <>
            <p class="muted">Body: the event's payload, in the endpoint's format</p>
            <pre class="body" tabIndex={0} aria-label={`Request body of attempt ${number}`}>{requestBody}</pre>
          </>
        )}
        <h3>Response</h3>
        {broker && <pre class="body" tabIndex={0} aria-label={`Broker answer of attempt ${number}`}>{JSON.stringify(broker)}</pre>}
        {http && (
          <>
            <p>Status <strong>{http.status}</strong></p>
            <HeaderList headers={http.headers} label={`Response headers of attempt ${number}`} />
            <pre class="body" tabIndex={0} aria-label={`Response body of attempt ${number}`}>{http.body ? prettyBody(http.body) : '(empty body)'}</pre>
          </>
        )}
        {!a.response && <p class="muted">No response.</p>}
        {a.error && <p class="error-text"><strong>{a.error.code}</strong>: {a.error.message}</p>}
        {a.logs && <pre class="body" tabIndex={0} aria-label={`Transform output of attempt ${number}`}>{a.logs}</pre>}
      </details>
    </li>
  )
}
