import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { UserService } from '../core/user-service.ts'
import type { UserRecord } from '../storage/user-repository.ts'
import { principalOf, scopeFor } from './auth.ts'
import {
  numericCursor, IdParams, listOf, OrderedListQuery, listPage, nativeErrors, parseId, Timestamp, toTimestamp, withExamples,
} from './native-schemas.ts'

const newUserExample = { email: 'ops@example.com', name: 'ops', permissions: ['endpoints.view', 'deliveries.view', 'deliveries.retry'] }
const userExample = { id: 2, ...newUserExample, created_at: '2026-01-02T03:04:05.678Z' }

const User = withExamples(Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  permissions: Type.Array(Type.String()),
  created_at: Timestamp,
}), userExample)

const NewUser = withExamples(Type.Object({
  email: Type.String({ minLength: 3, maxLength: 255 }),
  name: Type.String({ minLength: 1, maxLength: 64 }),
  permissions: Type.Array(Type.String(), { default: [], maxItems: 100 }),
}, { additionalProperties: false }), newUserExample)

const CreatedUser = withExamples(Type.Intersect([User, Type.Object({ token: Type.String() })]),
  { ...userExample, token: 'hh_eXMY0s-OETAQUj8UAvxmEMfcvE-vEGCLNjv2KcUtXWs' })

const NewToken = withExamples(Type.Object({ id: Type.Integer(), token: Type.String(), created_at: Timestamp }),
  { id: 3, token: 'hh_gSCJJSjMNQ5Ufjoj_rfQhlfc63abXd2sS_2K8uCiXW8', created_at: '2026-01-03T09:15:00.000Z' })

const toWireUser = (u: UserRecord) => ({
  id: u.id, email: u.email, name: u.name, permissions: u.permissions, created_at: toTimestamp(u.createdAt),
})

export const userRoutes = (users: UserService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/api/v1/users', {
    config: { permission: ['users', 'create'] },
    schema: {
      operationId: 'createUser',
      tags: ['users'],
      summary: 'Create an API user and its first token (shown once)',
      description: 'The new user holds no permission the caller lacks (else 403); users.create.own creates none (403).',
      body: NewUser,
      response: { 201: CreatedUser, ...nativeErrors(409) },
    },
  }, async (request, reply) => {
    const { user, token } = await users.create(request.body, scopeFor(request), principalOf(request))
    return reply.code(201).send({ ...toWireUser(user), token })
  })

  app.get('/api/v1/users', {
    config: { permission: ['users', 'view'] },
    schema: {
      operationId: 'listUsers',
      tags: ['users'],
      summary: 'List API users, newest first',
      querystring: OrderedListQuery,
      response: { 200: listOf(User), ...nativeErrors() },
    },
  }, async (request) => listPage(request.query.limit,
    (limit) => users.list(numericCursor(request.query.cursor), limit, scopeFor(request), principalOf(request), request.query.order),
    (u) => u.id, toWireUser))

  app.get('/api/v1/users/:id', {
    config: { permission: ['users', 'view'] },
    schema: {
      operationId: 'getUser',
      tags: ['users'],
      summary: 'Get one API user',
      params: IdParams,
      response: { 200: User, ...nativeErrors(404) },
    },
  }, async (request) => toWireUser(await users.get(parseId(request.params.id, 'User'), scopeFor(request), principalOf(request))))

  app.delete('/api/v1/users/:id', {
    config: { permission: ['users', 'delete'] },
    schema: {
      operationId: 'deleteUser',
      tags: ['users'],
      summary: 'Delete an API user and revoke all its tokens',
      description: '403 when the user holds a permission the caller lacks; 409 for the caller itself and for the last user holding *.',
      params: IdParams,
      response: { 204: Type.Null(), ...nativeErrors(404, 409) },
    },
  }, async (request, reply) => {
    await users.remove(parseId(request.params.id, 'User'), scopeFor(request), principalOf(request))
    return reply.code(204).send(null)
  })

  app.post('/api/v1/users/:id/tokens', {
    config: { permission: ['users', 'manage'] },
    schema: {
      operationId: 'createUserToken',
      tags: ['users'],
      summary: 'Issue another API token for a user (shown once)',
      description: '403 when the user holds a permission the caller lacks.',
      params: IdParams,
      response: { 201: NewToken, ...nativeErrors(404) },
    },
  }, async (request, reply) => {
    const token = await users.createToken(parseId(request.params.id, 'User'), scopeFor(request), principalOf(request))
    return reply.code(201).send({ id: token.id, token: token.token, created_at: toTimestamp(token.createdAt) })
  })

  app.delete('/api/v1/tokens/:id', {
    config: { permission: ['users', 'manage'] },
    schema: {
      operationId: 'revokeToken',
      tags: ['users'],
      summary: 'Revoke an API token',
      description: '403 when its user holds a permission the caller lacks. Live streams of the token close within 5 s.',
      params: IdParams,
      response: { 204: Type.Null(), ...nativeErrors(404) },
    },
  }, async (request, reply) => {
    await users.revokeToken(parseId(request.params.id, 'Token'), scopeFor(request), principalOf(request))
    return reply.code(204).send(null)
  })
}
