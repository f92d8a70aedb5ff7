import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from 'fastify'
import { Type } from 'typebox'
import { principalOf, scopeFor } from '../../http/auth.ts'
import { toWireIntegration } from './mapping.ts'
import {
  IntegrationInput, IntegrationListQuery, IntegrationPage, IntegrationPatch, IntegrationRef, laravelErrors, IntegrationKeyParams,
} from './schemas.ts'
import type { IntegrationService } from './service.ts'
import { isFormContentType, MULTIPART, parseMultipart, parseUrlEncoded, URLENCODED } from './laravel-forms.ts'
import type { IntegrationRow } from '../../storage/integration-repository.ts'

// Bodies and queries are validated by the service with Laravel's rules and wording; the
// schemas here document the API and whitelist responses.
const validatedByService: FastifySchemaCompiler<unknown> = () => () => true

type KeyRequest = { Params: { id: string } }

/** A Laravel API reads form bodies as it reads JSON; OpenAPI lists all three. */
const consumes = ['application/json', URLENCODED, MULTIPART]

export function integrationRoutes (service: IntegrationService, hookUrl: (token: string) => string) {
  const toWire = (row: IntegrationRow) => toWireIntegration(row, hookUrl)
  return async (app: FastifyInstance) => {

    const base = { dialect: 'integrations' } as const
    // Registered in this plugin only: every other API keeps answering 415 to forms.
    app.addContentTypeParser(URLENCODED, { parseAs: 'buffer' }, (_request, body, done) => {
      try {
        done(null, parseUrlEncoded(body as Buffer))
      } catch (err) {
        done(err as Error, undefined)
      }
    })
    app.addContentTypeParser(MULTIPART, { parseAs: 'buffer' }, (request, body, done) => {
      try {
        done(null, parseMultipart(body as Buffer, String(request.headers['content-type'])))
      } catch (err) {
        done(err as Error, undefined)
      }
    })
    /** Form values are text: booleans may read "true"/"false" there. */
    const fromForm = (request: FastifyRequest) => isFormContentType(request.headers['content-type'])
    const tags = ['integrations (CyberCert)']

    app.post('/api/v1/integrations', {
      config: { ...base, permission: ['integrations', 'create'] },
      validatorCompiler: validatedByService,
      schema: {
        operationId: 'createIntegration',
        tags,
        summary: 'Create an integration (webhook, oauth or api); credentials are stored encrypted',
        consumes,
        body: IntegrationInput,
        response: { 201: IntegrationRef, ...laravelErrors() },
      },
    }, async (request, reply) => {
      const row = await service.create(request.body, principalOf(request), fromForm(request))
      return reply.code(201).send(toWire(row))
    })

    app.get('/api/v1/integrations', {
      config: { ...base, permission: ['integrations', 'view'] },
      validatorCompiler: validatedByService,
      schema: {
        operationId: 'listIntegrations',
        tags,
        summary: 'List integrations, Laravel-paginated',
        querystring: IntegrationListQuery,
        response: { 200: IntegrationPage, ...laravelErrors() },
      },
    }, async (request) => {
      const { rows, total, page, perPage } = await service.list(
        request.query as Record<string, unknown>, scopeFor(request), principalOf(request))
      const from = rows.length > 0 ? (page - 1) * perPage + 1 : null
      return {
        data: rows.map(toWire),
        current_page: page,
        per_page: perPage,
        total,
        last_page: Math.max(1, Math.ceil(total / perPage)),
        from,
        to: from === null ? null : from + rows.length - 1,
      }
    })

    app.get<KeyRequest>('/api/v1/integrations/:id', {
      config: { ...base, permission: ['integrations', 'view'] },
      schema: {
        operationId: 'getIntegration',
        tags,
        summary: 'Get one integration',
        params: IntegrationKeyParams,
        response: { 200: IntegrationRef, ...laravelErrors(404) },
      },
    }, async (request) => toWire(await service.get(request.params.id, scopeFor(request), principalOf(request))))

    for (const method of ['put', 'patch'] as const) {
      app[method]<KeyRequest>('/api/v1/integrations/:id', {
        config: { ...base, permission: ['integrations', 'manage'] },
        validatorCompiler: validatedByService,
        schema: {
          operationId: method === 'put' ? 'replaceIntegration' : 'updateIntegration',
          tags,
          summary: method === 'put'
            ? 'Update an integration (name and type required)'
            : 'Update some fields of an integration',
          params: IntegrationKeyParams,
          consumes,
          body: method === 'put' ? IntegrationInput : IntegrationPatch,
          response: { 200: IntegrationRef, ...laravelErrors(404) },
        },
      }, async (request) => toWire(
        await service.update(request.params.id, request.body, method, scopeFor(request), principalOf(request), fromForm(request))))
    }

    app.delete<KeyRequest>('/api/v1/integrations/:id', {
      config: { ...base, permission: ['integrations', 'delete'] },
      schema: {
        operationId: 'deleteIntegration',
        tags,
        summary: 'Soft-delete an integration (restore brings it back)',
        params: IntegrationKeyParams,
        response: { 204: Type.Null(), ...laravelErrors(404) },
      },
    }, async (request, reply) => {
      await service.remove(request.params.id, scopeFor(request), principalOf(request))
      return reply.code(204).send(null)
    })

    app.post<KeyRequest>('/api/v1/integrations/:id/restore', {
      config: { ...base, permission: ['integrations', 'restore'] },
      schema: {
        operationId: 'restoreIntegration',
        tags,
        summary: 'Restore a soft-deleted integration',
        params: IntegrationKeyParams,
        response: { 200: IntegrationRef, ...laravelErrors(404) },
      },
    }, async (request) => toWire(await service.restore(request.params.id, scopeFor(request), principalOf(request))))
  }
}
