// NATS endpoints against the real NATS server with JetStream on 127.0.0.1:4222.
import { connect } from '@nats-io/transport-node'
import { jetstreamManager } from '@nats-io/jetstream'
import { brokerSuite, unique, type ReceivedMessage } from './support.ts'

await brokerSuite('nats', async () => {
  const connection = await connect({ servers: '127.0.0.1:4222' })
  const manager = await jetstreamManager(connection)
  const stream = unique('HH_TEST').toUpperCase()
  const subject = `hh.test.${stream.toLowerCase()}`
  const createStream = async () => { await manager.streams.add({ name: stream, subjects: [subject] }) }
  return {
    url: (port) => `nats://127.0.0.1:${port}?subject=${subject}`,
    fix: createStream,
    brokenSteps: [{ code: 'NOT_FOUND', then: createStream }],
    async received () {
      const info = await manager.streams.info(stream).catch(() => null)
      const list: ReceivedMessage[] = []
      for (let seq = 1; info && seq <= info.state.last_seq; seq++) {
        const message = await manager.streams.getMessage(stream, { seq })
        if (!message) continue
        const headers: Record<string, string> = {}
        for (const [name, values] of message.header) headers[name.toLowerCase()] = values[0]
        list.push({ id: headers['nats-msg-id'], body: Buffer.from(message.data), headers })
      }
      return list
    },
    answer: { stream, seq: Number, duplicate: false },
    async close () {
      await manager.streams.delete(stream).catch(() => {})
      await connection.close()
    },
  }
})
