// Redis endpoints against the real Redis on 127.0.0.1:6379 (streams, XADD).
import { createClient } from 'redis'
import { brokerSuite, unique } from './support.ts'

await brokerSuite('redis', async () => {
  const client = createClient({ url: 'redis://127.0.0.1:6379/0' })
  client.on('error', () => {})
  await client.connect()
  const stream = unique('hh_test_stream')
  const clear = async () => { await client.del(stream) }
  return {
    url: (port) => `redis://127.0.0.1:${port}/0?stream=${stream}&maxlen=1000`,
    fix: clear,
    // The key holds a string: XADD answers WRONGTYPE until it is removed.
    async breakFirst () { await client.set(stream, 'not a stream') },
    brokenSteps: [{ code: 'WRONG_TYPE', then: clear }],
    async received () {
      const type = await client.type(stream)
      if (type !== 'stream') return []
      const entries = await client.xRange(stream, '-', '+')
      return entries.map((entry) => {
        const headers = JSON.parse(entry.message.headers) as Record<string, string>
        if (entry.message.type !== headers['webhook-event-type']) throw new Error(`type field ${entry.message.type}`)
        return { id: entry.message.id, body: Buffer.from(entry.message.payload), headers }
      })
    },
    answer: { id: String },
    async close () {
      await client.del(stream).catch(() => {})
      client.destroy()
    },
  }
})
