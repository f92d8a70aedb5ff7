import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { NodeService } from '../../core/node-service.ts'
import { principalOf, scopeFor } from '../../http/auth.ts'
import { HookhubError } from '../../core/errors.ts'
import { toWireDistributor, toWireNode } from './mapping.ts'
import { withExamples } from '../../http/native-schemas.ts'
import {
  accountExample, brokerstrErrors, createdDistributorExample, Distributor, DistributorBody, distributorBodyExample, distributorExample,
  Node, NodeCreate, NodeUpdate, PageQuery, renamedExample, TargetServerHeaders,
} from './schemas.ts'
import type { DistributorService, MetaInput } from './service.ts'

const BASE = '/api/v1/integration'
const access = (request: FastifyRequest) => ({ scope: scopeFor(request), actor: principalOf(request) })
const IdParams = Type.Object({ id: Type.String() })
const NodeIdParams = Type.Object({ node_id: Type.String() })

const NodePage = withExamples(
  Type.Object({ nodes: Type.Array(Node), total: Type.Integer(), page: Type.Integer(), per_page: Type.Integer() }),
  { nodes: [accountExample], total: 1, page: 1, per_page: 100 })
const DistributorPage = withExamples(
  Type.Object({ distributors: Type.Array(Distributor), total: Type.Integer(), page: Type.Integer(), per_page: Type.Integer() }),
  { distributors: [distributorExample], total: 1, page: 1, per_page: 100 })
/** A replace that keeps the stored password by sending the mask back. */
const replaceExample = { meta: { ...distributorBodyExample.meta, method: 2, authentication: { ...distributorBodyExample.meta.authentication, password: '********' } } }
const replacedExample = { ...distributorExample, meta: { ...distributorExample.meta, method: 'POST' }, updated_at: '2025-12-24T09:30:00.000000Z' }

export const brokerstrRoutes = (nodes: NodeService, distributors: DistributorService): FastifyPluginAsyncTypebox => async (app) => {
  // Brokerstr's gateway routes by this header; hookhub serves only the integration server.
  app.addHook('onRequest', async (request) => {
    const target = request.headers['x-target-server']
    if (target !== undefined && target !== 'integration') {
      throw new HookhubError('HOOKHUB_BAD_REQUEST', [`X-Target-Server "${String(target)}" is not served here; use "integration"`])
    }
  })
  const nodeConfig = (action: 'view' | 'create' | 'manage' | 'delete') =>
    ({ dialect: 'brokerstr', permission: ['nodes', action] as ['nodes', typeof action] })
  const distributorConfig = (action: 'view' | 'create' | 'manage' | 'delete') =>
    ({ dialect: 'brokerstr', permission: ['distributors', action] as ['distributors', typeof action] })
  const nodeTags = ['nodes (Brokerstr)']
  const distributorTags = ['distributors (Brokerstr)']

  app.post(`${BASE}/nodes`, {
    config: nodeConfig('create'),
    schema: {
      operationId: 'brokerstrCreateNode', tags: nodeTags, summary: 'Create a node: an Apex (1), an Account (2) under an Apex, a SubAccount (3) under an Account',
      headers: TargetServerHeaders, body: NodeCreate, response: { 201: Node, ...brokerstrErrors() },
    },
  }, async (request, reply) => {
    const node = await nodes.create({ name: request.body.name, type: request.body.type, parentId: request.body.parent_id }, access(request))
    return reply.code(201).send(toWireNode(node))
  })

  app.get(`${BASE}/nodes/:id`, {
    config: nodeConfig('view'),
    schema: { operationId: 'brokerstrGetNode', tags: nodeTags, summary: 'One node', headers: TargetServerHeaders, params: IdParams, response: { 200: Node, ...brokerstrErrors() } },
  }, async (request) => toWireNode(await nodes.find(request.params.id, access(request))))

  app.put(`${BASE}/nodes/:id`, {
    config: nodeConfig('manage'),
    schema: {
      operationId: 'brokerstrUpdateNode', tags: nodeTags, summary: 'Rename a node, or move it under another parent (its subtree follows)',
      headers: TargetServerHeaders, params: IdParams, body: NodeUpdate, response: { 200: withExamples(Node, renamedExample), ...brokerstrErrors() },
    },
  }, async (request) => toWireNode(await nodes.update(request.params.id, { name: request.body.name, parentId: request.body.parent_id }, access(request))))

  app.delete(`${BASE}/nodes/:id`, {
    config: nodeConfig('delete'),
    schema: {
      operationId: 'brokerstrDeleteNode', tags: nodeTags, summary: 'Soft-delete a node and its subtree; their distributors stop receiving',
      headers: TargetServerHeaders, params: IdParams, response: { 204: Type.Null(), ...brokerstrErrors() },
    },
  }, async (request, reply) => {
    await nodes.remove(request.params.id, access(request))
    return reply.code(204).send(null)
  })

  app.get(`${BASE}/nodes/:id/children`, {
    config: nodeConfig('view'),
    schema: {
      operationId: 'brokerstrListChildren', tags: nodeTags, summary: 'Direct children of a node',
      headers: TargetServerHeaders, params: IdParams, querystring: PageQuery,
      response: { 200: NodePage, ...brokerstrErrors() },
    },
  }, async (request) => {
    const page = request.query.page ?? 1
    const perPage = request.query.per_page ?? 100
    const { rows, total } = await nodes.children(request.params.id, page, perPage, access(request))
    return { nodes: rows.map(toWireNode), total, page, per_page: perPage }
  })

  app.post(`${BASE}/distributors/nodes/:node_id`, {
    config: distributorConfig('create'),
    schema: {
      operationId: 'brokerstrCreateDistributor', tags: distributorTags,
      summary: 'Create a distributor of a node; with meta it delivers the events of the node and its subtree to host + path',
      headers: TargetServerHeaders,
      params: NodeIdParams,
      body: withExamples(DistributorBody, distributorBodyExample),
      response: { 201: withExamples(Distributor, createdDistributorExample), ...brokerstrErrors() },
    },
  }, async (request, reply) => {
    const meta = (request.body as { meta?: MetaInput | null } | undefined)?.meta
    const { row, secrets } = await distributors.create(request.params.node_id, meta, scopeFor(request), principalOf(request))
    return reply.code(201).send(toWireDistributor(row, secrets))
  })

  app.get(`${BASE}/distributors/nodes/:node_id`, {
    config: distributorConfig('view'),
    schema: {
      operationId: 'brokerstrListDistributors', tags: distributorTags, summary: 'Distributors of a node',
      headers: TargetServerHeaders, params: NodeIdParams, querystring: PageQuery,
      response: { 200: DistributorPage, ...brokerstrErrors() },
    },
  }, async (request) => {
    const page = request.query.page ?? 1
    const perPage = request.query.per_page ?? 100
    const { rows, total } = await distributors.list(request.params.node_id, page, perPage, scopeFor(request), principalOf(request))
    return { distributors: rows.map((r) => toWireDistributor(r)), total, page, per_page: perPage }
  })

  app.get(`${BASE}/distributors/:id`, {
    config: distributorConfig('view'),
    schema: { operationId: 'brokerstrGetDistributor', tags: distributorTags, summary: 'One distributor (credentials masked)', headers: TargetServerHeaders, params: IdParams, response: { 200: Distributor, ...brokerstrErrors() } },
  }, async (request) => toWireDistributor(await distributors.get(request.params.id, scopeFor(request), principalOf(request))))

  app.put(`${BASE}/distributors/:id`, {
    config: distributorConfig('manage'),
    schema: {
      operationId: 'brokerstrUpdateDistributor', tags: distributorTags,
      summary: 'Replace a distributor\'s meta; "meta": null removes the webhook; "********" keeps a stored password or token',
      headers: TargetServerHeaders,
      params: IdParams,
      body: withExamples(DistributorBody, replaceExample),
      response: { 200: withExamples(Distributor, replacedExample), ...brokerstrErrors() },
    },
  }, async (request) => {
    const meta = (request.body as { meta?: MetaInput | null } | undefined)?.meta ?? null
    return toWireDistributor(await distributors.replace(request.params.id, meta, scopeFor(request), principalOf(request)))
  })

  app.delete(`${BASE}/distributors/:id`, {
    config: distributorConfig('delete'),
    schema: { operationId: 'brokerstrDeleteDistributor', tags: distributorTags, summary: 'Delete a distributor and its webhook', headers: TargetServerHeaders, params: IdParams, response: { 204: Type.Null(), ...brokerstrErrors() } },
  }, async (request, reply) => {
    await distributors.remove(request.params.id, scopeFor(request), principalOf(request))
    return reply.code(204).send(null)
  })
}
