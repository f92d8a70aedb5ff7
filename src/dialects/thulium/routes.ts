import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { principalOf, scopeFor } from '../../http/auth.ts'
import { nativeErrors, parseId, withExamples } from '../../http/native-schemas.ts'
import { toWireWebhook } from './mapping.ts'
import type { ThuliumService, WebhookInput } from './service.ts'

// The create examples are the seed's own, verbatim.
const createExample = { actions: ['CHAT_CONVERSATION_CREATED'], subscription_url: 'https://example.pl' }
const webhookExample = { id: 5, ...createExample, http_auth_user: '', http_auth_password: '' }
const replaceExample = { ...createExample, http_auth_user: 'api_user', http_auth_password: 'api_pass' }

const Webhook = withExamples(Type.Object({
  id: Type.Integer(),
  actions: Type.Array(Type.String()),
  subscription_url: Type.String(),
  http_auth_user: Type.String({ description: '"" when absent' }),
  http_auth_password: Type.String({ description: 'echoed on create, ******** afterwards, "" when absent' }),
}), webhookExample)

const WebhookBody = withExamples(Type.Object({
  actions: Type.Array(Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }), { minItems: 1, maxItems: 200, description: 'e.g. CHAT_CONVERSATION_CREATED' }),
  subscription_url: Type.String({ minLength: 1, maxLength: 2048 }),
  http_auth_user: Type.Optional(Type.String({ maxLength: 255 })),
  http_auth_password: Type.Optional(Type.String({ maxLength: 1024 })),
}), createExample)

const IdParams = Type.Object({ id: Type.String() })
const tags = ['webhooks (Thulium)']
const config = (action: 'view' | 'create' | 'manage' | 'delete') =>
  ({ dialect: 'thulium', permission: ['webhooks', action] as ['webhooks', typeof action] })

export const thuliumRoutes = (service: ThuliumService): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/api/webhooks', {
    config: config('create'),
    schema: {
      operationId: 'thuliumCreateWebhook', tags, summary: 'Subscribe subscription_url to actions (HTTP Basic: curl -u user:token)',
      body: WebhookBody, response: { 200: Webhook, ...nativeErrors(404) },
    },
  }, async (request) => {
    const row = await service.create(request.body as WebhookInput, principalOf(request))
    return toWireWebhook(row, request.body.http_auth_password ?? '')
  })

  app.get('/api/webhooks', {
    config: config('view'),
    schema: { operationId: 'thuliumListWebhooks', tags, summary: 'All webhooks', response: { 200: withExamples(Type.Array(Webhook), [webhookExample]), ...nativeErrors() } },
  }, async (request) => (await service.list(scopeFor(request), principalOf(request))).map((row) => toWireWebhook(row)))

  app.get('/api/webhooks/:id', {
    config: config('view'),
    schema: { operationId: 'thuliumGetWebhook', tags, summary: 'One webhook', params: IdParams, response: { 200: Webhook, ...nativeErrors(404) } },
  }, async (request) => toWireWebhook(await service.get(parseId(request.params.id, 'Webhook'), scopeFor(request), principalOf(request))))

  app.put('/api/webhooks/:id', {
    config: config('manage'),
    schema: {
      operationId: 'thuliumUpdateWebhook', tags, summary: 'Replace a webhook; "********" as the password keeps the stored one',
      params: IdParams,
      body: withExamples(WebhookBody, replaceExample),
      response: { 200: withExamples(Webhook, { ...replaceExample, id: webhookExample.id, http_auth_password: '********' }), ...nativeErrors(404) },
    },
  }, async (request) => toWireWebhook(await service.replace(
    parseId(request.params.id, 'Webhook'), request.body as WebhookInput, scopeFor(request), principalOf(request))))

  app.delete('/api/webhooks/:id', {
    config: config('delete'),
    schema: { operationId: 'thuliumDeleteWebhook', tags, summary: 'Delete a webhook', params: IdParams, response: { 204: Type.Null(), ...nativeErrors(404) } },
  }, async (request, reply) => {
    await service.remove(parseId(request.params.id, 'Webhook'), scopeFor(request), principalOf(request))
    return reply.code(204).send(null)
  })
}
