import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { Type } from 'typebox'
import type { Database } from '../storage/database.ts'
import { pendingMigrations } from '../storage/migrator.ts'
import { withExamples } from './native-schemas.ts'

const Status = Type.Object({ status: Type.String(), checks: Type.Optional(Type.Record(Type.String(), Type.String())) })
const Ready = withExamples(Status, { status: 'ready', checks: { database: 'ok', migrations: 'ok' } })
const NotReady = withExamples(Status, { status: 'not ready', checks: { database: 'unreachable' } })

export function healthRoutes (database: Database) {
  return async (app: FastifyInstance) => {
    app.get('/healthz', {
      config: { public: true },
      schema: { operationId: 'getHealth', tags: ['operations'], summary: 'Process is up', response: { 200: withExamples(Status, { status: 'ok' }) } },
    }, async () => ({ status: 'ok' }))

    app.get('/readyz', {
      config: { public: true },
      schema: {
        operationId: 'getReadiness',
        tags: ['operations'],
        summary: 'Database reachable and migrations applied',
        response: { 200: Ready, 503: NotReady },
      },
    }, async (_request, reply) => {
      const checks: Record<string, string> = {}
      try {
        await sql`select 1`.execute(database.db)
        checks.database = 'ok'
        const pending = await pendingMigrations(database)
        checks.migrations = pending.length === 0 ? 'ok' : `pending: ${pending.join(', ')}`
      } catch {
        checks.database = 'unreachable'
      }
      const ready = checks.database === 'ok' && checks.migrations === 'ok'
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks })
    })
  }
}
