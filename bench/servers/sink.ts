// SINK: answers 200 to any POST and counts it. A body carrying `"sent_at":<ms>` (the publish
// time the runner embeds, on the shared wall clock performance.timeOrigin + now()) also yields
// one publish → receipt latency sample. GET /stats reports the counts (with how many distinct
// paths were posted to: one per endpoint when a scenario gives each endpoint its own path);
// GET /stats?reset=1 reports and starts over, so one SINK serves every scenario of a run.
import http from 'node:http'
import { readBody, listen } from './http-util.ts'

const SENT_AT = /"sent_at":(\d+(?:\.\d+)?)/
const now = () => performance.timeOrigin + performance.now()

let count = 0
let firstAt = 0
let lastAt = 0
let latencies: number[] = []
let paths = new Set<string>()

const server = http.createServer(async (req, res) => {
  if (req.method === 'POST') {
    const body = await readBody(req)
    const at = now()
    if (count === 0) firstAt = at
    lastAt = at
    count++
    paths.add(req.url ?? '')
    const sentAt = SENT_AT.exec(body)
    if (sentAt) latencies.push(at - Number(sentAt[1]))
    res.end('ok')
    return
  }
  if (req.method === 'GET' && req.url?.startsWith('/stats')) {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ count, first_at: firstAt, last_at: lastAt, paths: paths.size, latencies_ms: latencies }))
    if (req.url.includes('reset=1')) {
      count = 0
      firstAt = lastAt = 0
      latencies = []
      paths = new Set()
    }
    return
  }
  res.statusCode = 404
  res.end()
})
listen(server, 'SINK')
