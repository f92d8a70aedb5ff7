import type { FastifyInstance } from 'fastify'
import { HookhubError } from '../core/errors.ts'
import { clientMethod, LOOKUP_CARRIER } from './lookup-method.ts'

// The order Laravel (and most servers) list methods in an Allow header.
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'LOOKUP']
const methodRank = (method: string) => {
  const i = METHOD_ORDER.indexOf(method)
  return i === -1 ? METHOD_ORDER.length : i
}

/**
 * Answers unmatched requests: 405 with `Allow` when the path exists under another method,
 * 404 otherwise. Fastify itself only knows 404, so the routes are remembered as they register.
 */
export function installNotFoundHandler (app: FastifyInstance) {
  const routes: { pattern: RegExp; methods: string[] }[] = []

  app.addHook('onRoute', (route) => {
    const source = route.url
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
      .join('/')
    // The carrier of LOOKUP is shown as what clients send.
    const methods = ([] as string[]).concat(route.method).map((m) => (m === LOOKUP_CARRIER ? 'LOOKUP' : m))
    routes.push({ pattern: new RegExp(`^${source}/?$`), methods })
  })

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0]
    const allowed = new Set<string>()
    for (const route of routes) if (route.pattern.test(path)) route.methods.forEach((m) => allowed.add(m))
    if (allowed.size > 0) {
      const allow = [...allowed].sort((a, b) => methodRank(a) - methodRank(b))
      reply.header('allow', allow.join(', '))
      throw new HookhubError('HOOKHUB_METHOD_NOT_ALLOWED', [clientMethod(request.raw), path], { allow })
    }
    throw new HookhubError('HOOKHUB_ROUTE_NOT_FOUND', [clientMethod(request.raw), path])
  })
}
