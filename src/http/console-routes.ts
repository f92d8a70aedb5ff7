import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { HookhubError } from '../core/errors.ts'

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist')
/** Where `npm run build` puts the console and the customer portal (see console/vite.config.ts). */
export const CONSOLE_DIR = path.join(DIST, 'console')
export const PORTAL_DIR = path.join(DIST, 'portal')

/**
 * The apps talk only to this origin and run no inline code, so a strict policy costs nothing
 * and keeps an injected script from reading the token in sessionStorage. Only the origins in
 * `frameAncestors` may frame a page (none by default: no clickjacking).
 */
function securityHeaders (frameAncestors: readonly string[] = []): Record<string, string> {
  const framable = frameAncestors.length > 0
  return {
    'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
      + `frame-ancestors ${framable ? frameAncestors.join(' ') : "'none'"}`,
    // For browsers without frame-ancestors; it cannot name origins, so it is left out when some may frame.
    ...(!framable && { 'x-frame-options': 'DENY' }),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  }
}

/** A path whose last segment has a dot names a file; anything else is a page of the app. */
const isFile = (rel: string) => path.posix.basename(rel).includes('.')

/**
 * Whether `rel` names a regular file inside `dir`. A name the file system refuses (a NUL byte,
 * one longer than NAME_MAX, a file used as a folder) names no file either.
 */
function isFileIn (dir: string, rel: string): boolean {
  const file = path.resolve(dir, rel)
  if (!file.startsWith(dir + path.sep)) return false
  try {
    return fs.statSync(file, { throwIfNoEntry: false })?.isFile() === true
  } catch {
    return false
  }
}

/**
 * Serves a built browser app at /<name>: files as they are (hashed assets cached for a year),
 * every other path the app's index.html, so deep links work. The pages are public; the app
 * sends a token with its API calls. Answers 503 HOOKHUB_CONSOLE_NOT_BUILT until built.
 */
const appRoutes = (name: 'console' | 'portal', appDir: string, headers: Record<string, string>) => async (app: FastifyInstance) => {
  const dir = path.resolve(appDir)
  await app.register(fastifyStatic, { serve: false })
  const index = path.join(dir, 'index.html')
  const config = { public: true }
  const schema = { hide: true }
  const operation = name[0].toUpperCase() + name.slice(1)

  app.addHook('onSend', async (_request, reply) => { reply.headers(headers) })

  app.get(`/${name}`, { config, schema: { ...schema, operationId: `get${operation}` } }, async (_request, reply) =>
    reply.redirect(`/${name}/`, 301))

  app.get<{ Params: { '*': string } }>(`/${name}/*`, { config, schema: { ...schema, operationId: `get${operation}Page` } }, async (request, reply) => {
    if (!fs.existsSync(index)) throw new HookhubError('HOOKHUB_CONSOLE_NOT_BUILT')
    const rel = request.params['*']
    if (!isFile(rel)) return reply.header('cache-control', 'no-cache').sendFile('index.html', dir, { cacheControl: false })
    // Checked here rather than left to @fastify/static: a path outside the directory or a
    // missing file is a plain 404 (its not-found call would make the router answer 405).
    if (!isFileIn(dir, rel)) throw new HookhubError('HOOKHUB_ROUTE_NOT_FOUND', [request.method, request.url.split('?')[0]])
    // Vite names files under assets/ by their content hash: they never change.
    const immutable = rel.startsWith('assets/')
    return reply.sendFile(rel, dir, immutable ? { immutable: true, maxAge: '365d' } : { maxAge: 0 })
  })
}

/** The operators' web console at /console; nobody may frame it. */
export const consoleRoutes = (consoleDir: string = CONSOLE_DIR) => appRoutes('console', consoleDir, securityHeaders())

/** The customer portal at /portal; the origins in `frameAncestors` may embed it (HOOKHUB_PORTAL_FRAME_ANCESTORS). */
export const portalRoutes = (portalDir: string = PORTAL_DIR, frameAncestors: readonly string[] = []) =>
  appRoutes('portal', portalDir, securityHeaders(frameAncestors))
