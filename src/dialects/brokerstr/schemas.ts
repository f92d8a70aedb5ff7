import { Type, type Static } from 'typebox'
import { optionalBody } from '../../http/server.ts'
import { errorResponses } from '../../http/error-responses.ts'

// Wire shapes of Brokerstr's integration API (seed 001 and its public docs).

const Timestamp = Type.String({ description: 'RFC 3339 with microseconds, e.g. 2025-12-23T16:49:21.110885Z' })

export const BrokerstrError = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Record(Type.String(), Type.Unknown()) }),
}, { $id: 'BrokerstrError' })

export const brokerstrErrors = (...statuses: number[]) => errorResponses('BrokerstrError', 404, 405, ...statuses)

export const TargetServerHeaders = Type.Object({
  'x-target-server': Type.Optional(Type.String({ description: 'when sent, must be "integration"' })),
})

export const Node = Type.Object({
  id: Type.String({ format: 'uuid' }),
  parent_id: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  type: Type.Integer({ enum: [1, 2, 3], description: '1 Apex, 2 Account, 3 SubAccount' }),
  path: Type.String({ description: 'dot-joined int_ids from the root, e.g. 1.3.6' }),
  int_id: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
})

export const NodeCreate = Type.Object({
  parent_id: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  type: Type.Integer({ enum: [1, 2, 3] }),
})

export const NodeUpdate = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  parent_id: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
})

export const PageQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 100 })),
})

const Authentication = Type.Object({
  type: Type.Integer({ description: '1 Basic (username, password), 2 Token (sent as Authorization: Bearer)' }),
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

export const Distributor = Type.Object({
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
})
