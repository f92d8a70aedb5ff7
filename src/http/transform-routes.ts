import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { MAX_TRANSFORM_CODE_BYTES, type Transforms } from '../core/transforms.ts'
import { nativeErrors, withExamples } from './native-schemas.ts'

const exampleCode = `function handler (webhook) {
  webhook.payload.customer_id = webhook.payload.data.customer
  delete webhook.payload.data.customer
  webhook.headers['x-tenant'] = 'acme'
  return webhook
}`

const TestBody = withExamples(Type.Object({
  code: Type.String({ maxLength: MAX_TRANSFORM_CODE_BYTES, description: 'JavaScript defining function handler(webhook)' }),
  webhook: Type.Object({
    method: Type.Optional(Type.String({ enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], default: 'POST' })),
    url: Type.Optional(Type.String({ maxLength: 2048, default: 'https://receiver.example.com/webhooks' })),
    headers: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 4096 }))),
    payload: Type.Optional(Type.Unknown({ description: 'the body the endpoint\'s format would send (parsed when JSON)' })),
    event: Type.Optional(Type.Object({
      id: Type.Optional(Type.String({ maxLength: 255 })),
      type: Type.Optional(Type.String({ maxLength: 255 })),
      tenant_id: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    }, { additionalProperties: false })),
  }, { additionalProperties: false }),
}, { additionalProperties: false }), {
  code: exampleCode,
  webhook: {
    method: 'POST',
    url: 'https://receiver.example.com/webhooks',
    headers: { 'content-type': 'application/json' },
    payload: { type: 'order.created', data: { id: 'ord_1', customer: 'cus_9' } },
    event: { id: 'evt_01kdyak3sexqymdydx0fpxxrry', type: 'order.created', tenant_id: null },
  },
})

const TestResult = withExamples(Type.Object({
  result: Type.Unknown({ description: 'what handler returned: the webhook to send, or null (the delivery is skipped)' }),
  logs: Type.String({ description: 'console output, first 4 KB' }),
  duration_ms: Type.Integer(),
}), {
  result: {
    method: 'POST',
    url: 'https://receiver.example.com/webhooks',
    headers: { 'content-type': 'application/json', 'x-tenant': 'acme' },
    payload: { type: 'order.created', data: { id: 'ord_1' }, customer_id: 'cus_9' },
    event: { id: 'evt_01kdyak3sexqymdydx0fpxxrry', type: 'order.created', tenant_id: null },
  },
  logs: '',
  duration_ms: 1,
})

type TestInput = {
  code: string
  webhook: { method?: string; url?: string; headers?: Record<string, string>; payload?: unknown; event?: { id?: string; type?: string; tenant_id?: string | null } }
}

/**
 * Trying a transform before it goes on an endpoint. Whoever may change endpoints (endpoints.manage,
 * .own included) may run code here: it is what they could put on an endpoint anyway.
 */
export const transformRoutes = (transforms: Pick<Transforms, 'test'>): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/api/v1/transforms/test', {
    config: { permission: ['endpoints', 'manage'] },
    schema: {
      operationId: 'testTransform',
      tags: ['endpoints'],
      summary: 'Run a transform on a webhook given by hand; nothing is sent',
      description: '422 HOOKHUB_TRANSFORM_FAILED when the handler throws, runs out of time or memory, or returns what a delivery could not send; ' +
        'details.logs and details.duration_ms tell what it did. See docs/transforms.md.',
      body: TestBody,
      response: { 200: TestResult, ...nativeErrors() },
    },
  }, async (request) => {
    const { code, webhook } = request.body as TestInput
    const { result, logs, durationMs } = await transforms.test(code, {
      method: webhook.method ?? 'POST',
      url: webhook.url ?? 'https://receiver.example.com/webhooks',
      headers: webhook.headers ?? { 'content-type': 'application/json' },
      payload: webhook.payload ?? null,
      event: { id: webhook.event?.id ?? 'evt_test', type: webhook.event?.type ?? 'test', tenantId: webhook.event?.tenant_id ?? null },
    })
    return { result, logs, duration_ms: durationMs }
  })
}
