// INGEST: JSON.parse each POST, insert it as one row into SQLite (better-sqlite3, WAL,
// synchronous=NORMAL — hookhub's own settings) and answer 202 — the physical ceiling of durable
// ingest in one Node process.
import http from 'node:http'
import Database from 'better-sqlite3'
import { readBody, listen } from './http-util.ts'

const db = new Database(process.env.INGEST_DB_FILE!)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
db.exec('CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, type TEXT, body TEXT NOT NULL, received_at INTEGER NOT NULL)')
const insert = db.prepare('INSERT INTO events (type, body, received_at) VALUES (?, ?, ?)')

const server = http.createServer(async (req, res) => {
  try {
    const body = await readBody(req)
    const event = JSON.parse(body) as { type?: unknown }
    insert.run(typeof event.type === 'string' ? event.type : null, body, Date.now())
    res.statusCode = 202
  } catch {
    res.statusCode = 400
  }
  res.end()
})
listen(server, 'INGEST')
process.on('exit', () => db.close())
