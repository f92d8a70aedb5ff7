import type { TestContext } from 'node:test'

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
      const decoder = new TextDecoder()
      let buffer = ''
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true })
          let end
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const fields = new Map<string, string>()
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue
              const colon = line.indexOf(':')
              fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart())
            }
            if (!fields.has('data')) continue
            messages.push({ event: fields.get('event') ?? 'message', id: fields.get('id'), data: JSON.parse(fields.get('data') as string) })
            for (const w of waiters) w()
          }
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
