import { Link } from './Link.tsx'
import { Page } from './Page.tsx'

export function NotFound () {
  return (
    <Page title="Page not found">
      <p>The console has no such page. <Link href="/">Go to the overview</Link>.</p>
    </Page>
  )
}
