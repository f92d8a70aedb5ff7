import { Link } from './Link.tsx'

const MAIN = [
  ['/', 'Overview'],
  ['/endpoints', 'Endpoints'],
  ['/deliveries', 'Deliveries'],
  ['/events', 'Events'],
  ['/sources', 'Sources'],
]
const DIALECTS = [
  ['/integrations', 'Integrations', 'CyberCert'],
  ['/nodes', 'Nodes', 'Brokerstr'],
  ['/integration-points', 'Integration points', 'Incoplax'],
  ['/webhooks', 'Webhooks', 'Thulium'],
]

const isCurrent = (path: string, href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`))

export function Nav ({ path, onSignOut }: { path: string; onSignOut: () => void }) {
  return (
    <header class="top">
      <p class="brand"><Link href="/">hookhub</Link></p>
      <nav aria-label="Console">
        <ul>
          {MAIN.map(([href, label]) => <li key={href}><Link href={href} current={isCurrent(path, href)}>{label}</Link></li>)}
        </ul>
        <ul aria-label="Dialects">
          {DIALECTS.map(([href, label, product]) => (
            <li key={href}><Link href={href} current={isCurrent(path, href)}>{label} <small>{product}</small></Link></li>
          ))}
        </ul>
      </nav>
      <button type="button" class="secondary" onClick={onSignOut}>Sign out</button>
    </header>
  )
}
