// BLACKHOLE: accepts connections, reads each request and never answers it — the receiver that
// hangs, for the noisy-neighbour scenario. Only the hub's own request timeout ends such a
// request, so every one holds a delivery slot for that long. GET /stats (the one thing it
// answers) reports how many requests arrived and how many connections are open, so the runner
// can show that the hub really was sending to it.
import http from 'node:http'
import { listen } from './http-util.ts'

let requests = 0
let open = 0

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ requests, open_connections: open }))
    return
  }
  requests++
  // Read the body so the sender's write completes and it waits for an answer that never comes.
  req.resume()
})
// Node would otherwise answer 408 itself after its default request timeout.
server.requestTimeout = 0
server.on('connection', (socket) => {
  open++
  socket.on('close', () => open--)
})
listen(server, 'BLACKHOLE')
