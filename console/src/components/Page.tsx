import type { ComponentChildren } from 'preact'
import { useEffect } from 'preact/hooks'
import { POLL_MS, type LiveMode } from '../stream.ts'

const LIVE_TEXT: Record<LiveMode, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  polling: `Refreshing every ${POLL_MS / 1000} s`,
}

/** A console page: its heading, the document title and, for live pages, how it stays current. */
export function Page ({ title, live, children }: { title: string; live?: LiveMode; children: ComponentChildren }) {
  useEffect(() => { document.title = `${title} · hookhub` }, [title])
  return (
    <>
      <div class="page-head">
        <h1>{title}</h1>
        {live && <p class={`live live-${live}`} role="status">{LIVE_TEXT[live]}</p>}
      </div>
      {children}
    </>
  )
}
