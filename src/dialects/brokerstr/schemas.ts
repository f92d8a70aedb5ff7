import { Type, type Static } from 'typebox'
import { optionalBody } from '../../http/server.ts'
import { errorResponses } from '../../http/error-responses.ts'
import { withExamples } from '../../http/native-schemas.ts'

// Wire shapes of Brokerstr's integration API (seed 001 and its public docs). The distributor
// examples are the seed's own, verbatim.

const Timestamp = Type.String({ description: 'RFC 3339 with microseconds, e.g. 2025-12-23T16:49:21.110885Z' })

export const BrokerstrError = withExamples(Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Record(Type.String(), Type.Unknown()) }),
}, { $id: 'BrokerstrError' }),
{ error: { code: 'NOT_FOUND', message: 'Node not found', details: {} } },
{ error: { code: 'VALIDATION_ERROR', message: 'Validation failed', details: { 'meta.host': ['must be an absolute http or https URL, e.g. https://example.com'] } } })

export const brokerstrErrors = (...statuses: number[]) => errorResponses('BrokerstrError', 404, 405, ...statuses)

export const TargetServerHeaders = Type.Object({
  'x-target-server': Type.Optional(Type.String({ description: 'when sent, must be "integration"' })),
})

const apexExample = {
  id: 'e40efce4-38a3-46c4-a202-e8db95d0409c',
  parent_id: null,
  name: 'Acme Holdings',
  type: 1,
  path: '1',
  int_id: 1,
  created_at: '2025-12-23T16:49:21.110000Z',
  updated_at: '2025-12-23T16:49:21.110000Z',
}
export const accountExample = {
  id: '7c0b6a52-5d1e-4f0b-9a57-2f4d3c1e8b90',
  parent_id: apexExample.id,
  name: 'Acme Europe',
  type: 2,
  path: '1.3',
  int_id: 3,
  created_at: '2025-12-23T16:52:08.402000Z',
  updated_at: '2025-12-23T16:52:08.402000Z',
}

export const Node = withExamples(Type.Object({
  id: Type.String({ format: 'uuid' }),
  parent_id: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  type: Type.Integer({ enum: [1, 2, 3], description: '1 Apex, 2 Account, 3 SubAccount' }),
  path: Type.String({ description: 'dot-joined int_ids from the root, e.g. 1.3.6' }),
  int_id: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
}), apexExample)

export const NodeCreate = withExamples(Type.Object({
  parent_id: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  type: Type.Integer({ enum: [1, 2, 3] }),
}), { name: apexExample.name, type: 1 }, { parent_id: apexExample.id, name: accountExample.name, type: 2 })

export const NodeUpdate = withExamples(Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  parent_id: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
}), { name: 'Acme Group' })

export const renamedExample = { ...apexExample, name: 'Acme Group', updated_at: '2025-12-24T09:12:45.031000Z' }

export const PageQuery = Type.Object({
  // Bounded so that the row offset stays an exact 64-bit integer in SQL.
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 100 })),
})

const Authentication = Type.Object({
  type: Type.Optional(Type.Integer({
    description: '1 Basic (username, password), 2 Token (sent as Authorization: Bearer); when absent, username/password mean 1, a token alone 2, nothing no authentication',
  })),
  username: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
})

const Meta = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 2048, description: 'e.g. https://example.com' }),
  path: Type.String({ maxLength: 2048, description: 'e.g. /webhook' }),
  method: Type.Optional(Type.Integer({ description: '1 GET, 2 POST (default), 3 PUT, 4 PATCH, 5 DELETE' })),
  authentication: Type.Optional(Authentication),
})

/** `meta` is an object or null; one nullable type (not anyOf) so that errors name the inner field only. */
export const DistributorBody = optionalBody(Type.Object({
  meta: Type.Optional(Type.Unsafe<Static<typeof Meta> | null>({ ...Meta, type: ['object', 'null'] })),
}))

export const distributorBodyExample = {
  meta: {
    host: 'https://example.com',
    path: '/webhook',
    method: 1,
    authentication: {
      type: 1,
      username: 'user',
      password: 'pass',
    },
  },
}

/** The seed's 201 answer: the password is echoed by the create only. */
export const createdDistributorExample = {
  id: '39e8003c-6342-4fd3-97a1-3f2a7b437d0a',
  node_id: 'e40efce4-38a3-46c4-a202-e8db95d0409c',
  meta: {
    host: 'https://example.com',
    path: '/webhook',
    method: 'GET',
    authentication: {
      type: 1,
      username: 'user',
      password: 'pass',
    },
  },
  created_at: '2025-12-24T02:16:10.419696+03:00',
  updated_at: '2025-12-24T02:16:10.419696+03:00',
}

export const distributorExample = {
  ...createdDistributorExample,
  meta: { ...createdDistributorExample.meta, authentication: { type: 1, username: 'user', password: '********' } },
}

export const Distributor = withExamples(Type.Object({
  id: Type.String({ format: 'uuid' }),
  node_id: Type.String(),
  meta: Type.Union([Type.Object({
    host: Type.String(),
    path: Type.String(),
    method: Type.String({ enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] }),
    authentication: Type.Optional(Type.Object({
      type: Type.Integer(),
      username: Type.Optional(Type.String()),
      password: Type.Optional(Type.String({ description: 'echoed on create, ******** afterwards' })),
      token: Type.Optional(Type.String({ description: 'echoed on create, ******** afterwards' })),
    })),
  }), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
}), distributorExample)
