import { prepareDatabase } from '../app.ts'
import { createSecretBox } from '../core/secret-box.ts'
import { createUserService } from '../core/user-service.ts'
import { toTimestamp } from '../http/native-schemas.ts'
import type { Database } from '../storage/database.ts'
import { createUserRepository } from '../storage/user-repository.ts'
import { configFrom, type CommonOptions } from './context.ts'
import { printJson } from './output.ts'
import { printToken } from './user-commands.ts'

// Commands that work on the database directly, without a running hub.

async function withDatabase<T> (options: CommonOptions, body: (database: Database, applied: string[]) => Promise<T>) {
  const { config, key } = configFrom(options)
  const { database, applied } = await prepareDatabase(config, createSecretBox(key.key))
  try {
    return await body(database, applied)
  } finally {
    await database.close()
  }
}

export async function migrate (options: CommonOptions) {
  await withDatabase(options, async (_database, applied) => {
    console.log(applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'database is up to date')
  })
}

export async function userCreate (options: CommonOptions & { email: string; name: string; permissions?: string; json?: boolean }) {
  const permissions = (options.permissions ?? '').split(',').map((p) => p.trim()).filter(Boolean)
  await withDatabase(options, async (database) => {
    const users = createUserService({ users: createUserRepository(database.db, database.engine), clock: Date.now })
    const { user, token } = await users.create({ email: options.email, name: options.name, permissions }, 'all', null)
    if (options.json) {
      printJson({ id: user.id, email: user.email, name: user.name, permissions: user.permissions, created_at: toTimestamp(user.createdAt), token })
    } else {
      console.log(`created user ${user.id} (${user.name}) with permissions: ${permissions.join(', ') || '(none)'}`)
      console.log(`token (shown once): ${token}`)
    }
  })
}

/** `token create` on the database directly: when no hub is named (see main.ts). */
export async function tokenCreate (options: CommonOptions & { user: string; json?: boolean }) {
  await withDatabase(options, async (database) => {
    const repository = createUserRepository(database.db, database.engine)
    const user = /^\d+$/.test(options.user)
      ? await repository.findById(Number(options.user))
      : await repository.findByName(options.user)
    if (!user) throw new Error(`user "${options.user}" not found (no user has this id or name)`)
    const users = createUserService({ users: repository, clock: Date.now })
    const token = await users.createToken(user.id, 'all', null)
    printToken({ id: token.id, token: token.token, created_at: toTimestamp(token.createdAt), user_id: user.id }, user.name, options.json)
  })
}
