import type { ComponentChildren } from 'preact'
import { BASE, navigate } from '../router.ts'

interface Props {
  /** A console path such as "/deliveries?status=failed". */
  href: string
  children: ComponentChildren
  current?: boolean
  class?: string
}

/** A real link (opens in a new tab with a modifier key) that navigates inside the app otherwise. */
export function Link ({ href, children, current, class: className }: Props) {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(href)
  }
  return <a href={BASE + href} onClick={onClick} aria-current={current ? 'page' : undefined} class={className}>{children}</a>
}
