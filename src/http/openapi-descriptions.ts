import { STATUS_CODES } from 'node:http'

type RouteSchema = { summary?: string; response?: Record<string, unknown> }

/**
 * The document's description of each answer a route declares without one (most success
 * answers): its status and what the route does, e.g. "Created: create an endpoint", instead of
 * the generator's "Default Response". Only the document changes; validation and serialisation
 * keep the route's own schemas.
 */
export function describeResponses<S extends RouteSchema> (schema: S): S {
  if (!schema.response || !schema.summary) return schema
  const what = schema.summary.charAt(0).toLowerCase() + schema.summary.slice(1)
  const response: Record<string, unknown> = {}
  for (const [code, answer] of Object.entries(schema.response)) {
    const described = answer !== null && typeof answer === 'object' && 'description' in answer
    const description = `${STATUS_CODES[code] ?? code}: ${what}`
    const ref = (answer as { $id?: string } | null)?.$id
    // A shared schema (with an $id) is pointed to, not copied: two schemas may not share an $id.
    response[code] = described ? answer : ref ? { $ref: `${ref}#`, description } : { ...(answer as object), description }
  }
  return { ...schema, response }
}
