import type { TestContext } from 'node:test'
import { parseEventStream } from '../../src/cli/event-stream.ts'

export interface StreamMessage {
  event: string
  id?: string
  data: Record<string, unknown>
}

export interface OpenStream {
  status: number
  contentType: string | null
  messages: StreamMessage[]
  /** Waits (bounded) until `count` messages match `predicate`; returns them. */
  waitFor (predicate: (m: StreamMessage) => boolean, count?: number, timeoutMs?: number): Promise<StreamMessage[]>
  close (): void
}

/** Opens a Server-Sent Events stream with fetch and parses it as it arrives; closed when the test ends. */
export async function openStream (t: TestContext, url: string, headers: Record<string, string>): Promise<OpenStream> {
  const abort = new AbortController()
  t.after(() => abort.abort())
  const res = await fetch(url, { headers, signal: abort.signal })
  const messages: StreamMessage[] = []
  let waiters: (() => void)[] = []
  if (res.ok && res.body) {
    void (async () => {
      try {
        for await (const message of parseEventStream(res.body as unknown as AsyncIterable<Uint8Array>)) {
          messages.push({ event: message.event, id: message.id, data: JSON.parse(message.data) })
          for (const w of waiters) w()
        }
      } catch { /* aborted */ }
    })()
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    messages,
    async waitFor (predicate, count = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = messages.filter(predicate)
        if (found.length >= count) return found
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`stream: ${found.length} of ${count} messages after ${timeoutMs} ms; got ${JSON.stringify(messages.slice(-5))}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200))
          waiters.push(() => { clearTimeout(timer); resolve() })
        })
        waiters = []
      }
    },
    close: () => abort.abort(),
  }
}
