/** One Server-Sent Events message. */
export interface StreamMessage {
  event: string
  id?: string
  data: string
}

/** Parses a text/event-stream body as it arrives: messages end at a blank line; comments are skipped. */
export async function * parseEventStream (body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamMessage> {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n')
    let end
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const message: StreamMessage = { event: 'message', data: '' }
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'data') data.push(value)
        else if (field === 'event') message.event = value
        else if (field === 'id') message.id = value
      }
      if (data.length === 0) continue
      message.data = data.join('\n')
      yield message
    }
  }
}
