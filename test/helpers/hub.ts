import type { TestContext } from 'node:test'
import type { Logger } from 'pino'
import { createHub, type Hub } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { generateSecretKey } from '../../src/core/secret-box.ts'
import type { Engine } from '../../src/storage/database.ts'
import { freshDatabase } from './engines.ts'

export const ADMIN_TOKEN = 'hh_test_admin_token_0123456789abcdef'

export interface TestHub extends Hub {
  admin: { authorization: string }
  /** Creates a user with these permissions and returns its id and auth header. */
  userWith (permissions: string[], name?: string): Promise<{ id: number; token: string; authorization: string }>
}

let userCounter = 0

/** A complete hub on a fresh database, closed when the test ends; silent unless given a logger. */
export async function startHub (
  t: TestContext, engine: Engine = 'sqlite', env: Record<string, string> = {}, { logger }: { logger?: Logger } = {},
): Promise<TestHub> {
  const fresh = await freshDatabase(engine)
  // Registered before the hub starts, so that a start that fails still drops its schema.
  let hub: Hub | undefined
  t.after(async () => {
    await hub?.close()
    await fresh.drop()
  })
  // The failed-auth lockout would turn a suite's 401 checks into 429s; test/security turns it on.
  const config = { ...loadConfig({ HOOKHUB_ADMIN_TOKEN: ADMIN_TOKEN, HOOKHUB_AUTH_FAILURE_LIMIT: '0', ...env }), database: fresh.target }
  hub = await fresh.exclusive(() => createHub({
    config,
    secretKey: generateSecretKey(),
    logger: logger ?? false,
    databaseOptions: { schema: fresh.schema, poolSize: 4 },
  }))
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
  return {
    ...hub,
    admin,
    async userWith (permissions, name = `user${++userCounter}`) {
      const res = await hub.app.inject({
        method: 'POST', url: '/api/v1/users', headers: admin, payload: { email: `${name}@example.com`, name, permissions },
      })
      if (res.statusCode !== 201) throw new Error(`creating a test user failed: ${res.statusCode} ${res.body}`)
      const body = res.json() as { id: number; token: string }
      return { id: body.id, token: body.token, authorization: `Bearer ${body.token}` }
    },
  }
}
