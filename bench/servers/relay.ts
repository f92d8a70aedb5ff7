// RELAY: forwards each JSON POST to SINK over an undici keep-alive pool and answers 200 once
// SINK has answered — receive-and-deliver with nothing kept, the lower bound for hookhub's
// end-to-end path.
import http from 'node:http'
import { Pool } from 'undici'
import { readBody, listen } from './http-util.ts'

const sink = new URL(process.env.SINK_URL!)
// As many upstream connections as the load generator opens downstream, so the pool never queues.
const pool = new Pool(sink.origin, { connections: Number(process.env.RELAY_CONNECTIONS ?? 50), pipelining: 1 })

const server = http.createServer(async (req, res) => {
  try {
    const body = await readBody(req)
    // Parsed like every other server does, so RELAY pays the same per-request JSON cost.
    JSON.parse(body)
    const upstream = await pool.request({
      method: 'POST', path: '/relay', body, headers: { 'content-type': 'application/json' },
    })
    await upstream.body.dump()
    res.statusCode = upstream.statusCode === 200 ? 200 : 502
  } catch {
    res.statusCode = 400
  }
  res.end()
})
listen(server, 'RELAY')
