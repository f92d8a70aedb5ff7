import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { testFilter } from '../core/filter-test.ts'
import { Filter } from './endpoint-routes.ts'
import { nativeErrors, withExamples } from './native-schemas.ts'

const TestBody = Type.Object({
  filter: Filter,
  payload: Type.Unknown({ description: 'An event payload, as JSON' }),
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'An event type: filter.types is matched too when given' })),
}, { additionalProperties: false })

const testExample = {
  filter: { types: ['order.*'], payload: { order: { total: { $gte: 100 } }, currency: { $in: ['EUR', 'USD'] } } },
  payload: { order: { id: 'ord_1042', total: 250 }, currency: 'EUR' },
  type: 'order.paid',
}

export const filterRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/v1/filters/test', {
    config: { permission: ['endpoints', 'view'] },
    schema: {
      operationId: 'testFilter',
      tags: ['endpoints'],
      summary: 'Whether an endpoint filter lets a payload through',
      description: 'filter is an endpoint\'s filter object; its payload match document is checked as endpoints check it (422 names ' +
        'the path of a bad part, e.g. filter.payload.order.total.$gte). filter.types is matched against type when type is given; ' +
        'node_id and channel are not tested.',
      body: withExamples(TestBody, testExample, { filter: { payload: { tags: 'urgent' } }, payload: { tags: ['urgent', 'billing'] } }),
      response: { 200: withExamples(Type.Object({ matches: Type.Boolean() }), { matches: true }), ...nativeErrors() },
    },
  }, async (request) => ({ matches: testFilter(request.body.filter, request.body.payload, request.body.type) }))
}
