import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { HookhubError } from '../core/errors.ts'

/** Where `npm run build` puts the console (see vite.config.ts). */
export const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/console')

// The console talks only to this origin and runs no inline code, so a strict policy costs
// nothing and keeps an injected script from reading the token in sessionStorage.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
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
 * Serves the built web console at /console: files as they are (hashed assets cached for a
 * year), every other path the app's index.html, so deep links work. The pages are public;
 * the app signs in with an API token. Answers 503 HOOKHUB_CONSOLE_NOT_BUILT until built.
 */
export const consoleRoutes = (consoleDir: string = CONSOLE_DIR) => async (app: FastifyInstance) => {
  const dir = path.resolve(consoleDir)
  await app.register(fastifyStatic, { serve: false })
  const index = path.join(dir, 'index.html')
  const config = { public: true }
  const schema = { hide: true }

  app.addHook('onSend', async (_request, reply) => { reply.headers(SECURITY_HEADERS) })

  app.get('/console', { config, schema: { ...schema, operationId: 'getConsole' } }, async (_request, reply) =>
    reply.redirect('/console/', 301))

  app.get<{ Params: { '*': string } }>('/console/*', { config, schema: { ...schema, operationId: 'getConsolePage' } }, async (request, reply) => {
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
