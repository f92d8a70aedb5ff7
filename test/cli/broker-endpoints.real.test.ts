// Real tier: a broker endpoint through the CLI and the compiled hub, against the real RabbitMQ.
// The URL's password never shows: not in what the CLI prints, not in the hub's logs.
import assert from 'node:assert/strict'
import amqp from 'amqplib'
import { linesOf } from '../helpers/child.ts'
import { brokerTest, eventually } from '../helpers/brokers.ts'
import { assertOk, serveHub, show } from './support.ts'
import { unique } from '../destinations/support.ts'

interface Endpoint { id: string; url: string }

await brokerTest('amqp', '[sqlite] CLI: a broker endpoint is added, listed masked, checked by doctor and delivered to by the compiled hub', async (t) => {
  const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672')
  t.after(() => connection.close())
  const channel = await connection.createChannel()
  const exchange = unique('hh_cli_ex')
  await channel.assertExchange(exchange, 'fanout', { durable: false, autoDelete: false })
  t.after(() => channel.deleteExchange(exchange).catch(() => {}))
  const { queue } = await channel.assertQueue('', { exclusive: true })
  await channel.bindQueue(queue, exchange, '')

  const hub = await serveHub(t, 'sqlite', { HOOKHUB_LOG_LEVEL: 'debug' })
  // guest's real password, spelled so that it is found nowhere else in the output.
  const url = `amqp://guest:${encodeURIComponent('guest')}@127.0.0.1:5672/?exchange=${exchange}`
  const masked = `amqp://guest:****@127.0.0.1:5672/?exchange=${exchange}`
  const type = unique('cli.broker')
  const added = await hub.run(['endpoint', 'add', url, '--types', type])
  assertOk(added)
  assert.match(added.stdout, new RegExp(`POST ${masked.replace(/[?*.]/g, '\\$&')}`), show(added))
  const id = /created endpoint (ep_\S+)/.exec(added.stdout)?.[1]
  const table = await hub.run(['endpoint', 'list'])
  assertOk(table)
  assert.ok(linesOf(table.stdout).some((l) => l.startsWith(id!) && l.endsWith(`POST ${masked}`)), show(table))
  const listed = await hub.json<{ data: Endpoint[] }>(['endpoint', 'list'])
  assert.equal(listed.data.find((e) => e.id === id)?.url, masked)

  const res = await fetch(`${hub.url}/api/v1/events`, {
    method: 'POST', headers: { authorization: `Bearer ${hub.cliEnv.HOOKHUB_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ type, payload: { n: 1 } }),
  })
  assert.equal(res.status, 202)
  const message = await eventually('the message in RabbitMQ', async () => (await channel.get(queue, { noAck: true })) || undefined)
  assert.equal(message.properties.type, type)
  // doctor checks a broker on the port its scheme implies (5672 for amqp), not on 80.
  assertOk(await hub.run(['endpoint', 'add', `amqp://127.0.0.1/?exchange=${exchange}`, '--types', `${type}.other`]))
  const doctor = await hub.run(['doctor'], { HOOKHUB_DATABASE_URL: hub.databaseUrl, HOOKHUB_ALLOW_PRIVATE_NETWORKS: 'true' })
  assert.ok(linesOf(doctor.stdout).includes('✓ endpoints: 2 of 2 active reachable'), show(doctor))
  for (const output of [added.stdout, table.stdout, hub.stdout(), hub.stderr()]) assert.ok(!output.includes(':guest@'), 'the password shows nowhere')
})
