import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { rawMember } from '../core/raw-json.ts'
import type { TestSendService } from '../core/test-send-service.ts'
import { principalOf, scopeFor } from './auth.ts'
import { nativeErrors, withExamples } from './native-schemas.ts'
import { optionalBody } from './server.ts'

const TestBody = Type.Object({
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Event type; by default the first catalog type the endpoint receives, else the first plain type of its filter, else hookhub.test' })),
  payload: Type.Optional(Type.Unknown({ description: 'Any JSON value; by default the catalog\'s example of the type, else {}' })),
}, { additionalProperties: false })

export const testSendRoutes = (service: TestSendService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/api/v1/endpoints/:id/test', {
    config: { permission: ['endpoints', 'manage'], portal: true },
    schema: {
      operationId: 'sendTestEvent',
      tags: ['endpoints'],
      summary: 'Publish a test event to this endpoint alone, whatever its filter',
      description: 'Needs the permission that changes the endpoint. A paused or disabled endpoint answers 409: the test would not arrive now. '
        + 'A payload its type\'s schema refuses answers 422 HOOKHUB_PAYLOAD_INVALID, as on publish.',
      params: Type.Object({ id: Type.String() }),
      body: optionalBody(withExamples(TestBody, {}, { type: 'order.created', payload: { order_id: 'ord_test', total: 1 } })),
      response: {
        202: withExamples(Type.Object({ delivery_id: Type.String() }), { delivery_id: 'dlv_01kdyak3tpam6npbjrc4639vkd' }),
        ...nativeErrors(404, 409),
      },
    },
  }, async (request, reply) => {
    const body = (request.body ?? {}) as { type?: string; payload?: unknown }
    const raw = request.rawBody ? rawMember(request.rawBody.toString('utf8'), 'payload') : undefined
    const payload = raw ?? (body.payload === undefined ? undefined : JSON.stringify(body.payload))
    const deliveryId = await service.send(request.params.id, { type: body.type, payload }, scopeFor(request), principalOf(request))
    return reply.code(202).send({ delivery_id: deliveryId })
  })
}
