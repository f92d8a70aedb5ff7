// INGEST: JSON.parse each POST, insert it as one row and answer 202 — the physical ceiling of
// durable ingest in one Node process, on hookhub's own storage settings. SQLite (INGEST_DB_FILE):
// better-sqlite3, WAL, synchronous=NORMAL. PostgreSQL (INGEST_PG_URL, the INGEST_PG mode): one
// `pg` INSERT per request, autocommit, through a pool as large as hookhub's (10). With
// INGEST_FRAMEWORK=fastify (INGEST_FASTIFY) the same insert sits behind Fastify.
import http from 'node:http'
import Database from 'better-sqlite3'
import pg from 'pg'
import { readBody, listen } from './http-util.ts'

type Insert = (type: string | null, body: string, at: number) => unknown

function sqliteStore (file: string): Insert {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, type TEXT, body TEXT NOT NULL, received_at INTEGER NOT NULL)')
  process.on('exit', () => db.close())
  const insert = db.prepare('INSERT INTO events (type, body, received_at) VALUES (?, ?, ?)')
  return (type, body, at) => insert.run(type, body, at)
}

async function postgresStore (url: string): Promise<Insert> {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  await pool.query('CREATE TABLE IF NOT EXISTS events (id BIGSERIAL PRIMARY KEY, type TEXT, body TEXT NOT NULL, received_at BIGINT NOT NULL)')
  return async (type, body, at) => await pool.query({
    name: 'insert-event', text: 'INSERT INTO events (type, body, received_at) VALUES ($1, $2, $3)', values: [type, body, at],
  })
}

const insert = process.env.INGEST_PG_URL ? await postgresStore(process.env.INGEST_PG_URL) : sqliteStore(process.env.INGEST_DB_FILE!)

/** The bare server: node:http, JSON.parse, one insert. */
function bareServer () {
  return http.createServer(async (req, res) => {
    let event: { type?: unknown }
    const body = await readBody(req)
    try {
      event = JSON.parse(body) as { type?: unknown }
    } catch {
      res.statusCode = 400
      res.end()
      return
    }
    try {
      await insert(typeof event.type === 'string' ? event.type : null, body, Date.now())
      res.statusCode = 202
    } catch {
      // Not stored: counted as a failure by the load generator, as a hub's 500 would be.
      res.statusCode = 500
    }
    res.end()
  })
}

/**
 * The same insert behind the HTTP framework hookhub is built on (INGEST_FRAMEWORK=fastify): one
 * route with a JSON body schema and a serialised 202 answer, nothing else. What it loses
 * against the bare server is the framework's share, which no hub on Fastify can win back.
 */
async function fastifyServer () {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false })
  app.post('/events', {
    schema: {
      body: { type: 'object', required: ['type', 'payload'], properties: { type: { type: 'string', minLength: 1 }, payload: {} } },
      response: { 202: { type: 'object', properties: { id: { type: 'integer' } } } },
    },
  }, async (request, reply) => {
    const event = request.body as { type: string }
    const stored = await insert(event.type, JSON.stringify(event), Date.now())
    return reply.code(202).send({ id: Number((stored as { lastInsertRowid?: number }).lastInsertRowid ?? 0) })
  })
  await app.ready()
  return app.server
}

const fastify = process.env.INGEST_FRAMEWORK === 'fastify'
const server = fastify ? await fastifyServer() : bareServer()
listen(server, `INGEST${process.env.INGEST_PG_URL ? '_PG' : ''}${fastify ? '_FASTIFY' : ''}`)
