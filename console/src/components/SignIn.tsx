import { useState } from 'preact/hooks'
import { checkToken } from '../api.ts'

export function SignIn ({ expired, onSignedIn }: { expired: boolean; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('')
  const [error, setError] = useState<string | null>(expired ? 'Your token is no longer accepted; sign in again.' : null)
  const [busy, setBusy] = useState(false)

  const submit = async (e: Event) => {
    e.preventDefault()
    const value = token.trim()
    if (!value) return setError('Enter an API token.')
    setBusy(true)
    try {
      if (await checkToken(value)) onSignedIn(value)
      else setError('The hub does not accept this token.')
    } catch (err) {
      setError(`The hub could not be reached: ${(err as Error).message}`)
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="sign-in" id="main">
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <h1>hookhub console</h1>
        <p id="sign-in-help">Sign in with an API token (from <code>hookhub user create</code> or the admin token). It is kept in this tab only.</p>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} required value={token}
          aria-invalid={error ? 'true' : undefined} aria-errormessage={error ? 'sign-in-error' : undefined}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        {error && <p id="sign-in-error" class="error" role="alert">{error}</p>}
      </form>
    </main>
  )
}
