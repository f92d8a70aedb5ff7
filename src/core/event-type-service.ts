import { conflict, HookhubError, notFound, validationFailed } from './errors.ts'
import type { Scope } from './permissions.ts'
import { compileSchema, createPayloadSchemas, problemsOf } from './payload-schemas.ts'
import type { ValidateFunction } from 'ajv'
import { requireUnscoped } from './tenant-scope.ts'
import type { EventTypeRepository, EventTypeRow } from '../storage/event-type-repository.ts'

/** A JSON Schema: an object, or true / false. */
export type JsonSchema = Record<string, unknown> | boolean

export interface EventType {
  name: string
  description: string | null
  schema: JsonSchema | null
  example: unknown
  deprecated: boolean
  createdAt: number
  updatedAt: number
}

/** null clears a field; undefined keeps it. */
export interface EventTypeInput {
  name?: string
  description?: string | null
  schema?: unknown
  example?: unknown
  deprecated?: boolean
}

const parsed = (text: string | null): unknown => (text === null ? null : JSON.parse(text))

const toEventType = (row: EventTypeRow): EventType => ({
  name: row.name,
  description: row.description,
  schema: parsed(row.schema) as JsonSchema | null,
  example: parsed(row.example),
  deprecated: row.deprecated === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

type Deps = {
  types: Pick<EventTypeRepository, 'insert' | 'findByName' | 'list' | 'update' | 'remove' | 'schemaOf'>
  clock: () => number
}

/**
 * The catalog of event types: what each means, an example and, optionally, the JSON Schema
 * (2020-12) its payloads must satisfy. Types not in the catalog publish as before.
 */
export function createEventTypeService ({ types, clock }: Deps) {
  const schemas = createPayloadSchemas()

  /** A schema must compile, and an example must satisfy it. */
  function check (schema: unknown, example: unknown) {
    if (schema === null || schema === undefined) return
    let validate: ValidateFunction
    try {
      validate = compileSchema(schema)
    } catch (err) {
      throw validationFailed({ schema: [`is not a valid JSON Schema (2020-12): ${(err as Error).message}`] })
    }
    if (example === null || example === undefined) return
    const problems = problemsOf(validate, example)
    if (problems.length > 0) throw validationFailed({ example: problems.map((p) => `${p.path || '/'} ${p.message}`) })
  }

  const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value))

  return {
    async create (input: EventTypeInput & { name: string }, scope: Scope): Promise<EventType> {
      requireUnscoped(scope, 'event_types.create')
      check(input.schema, input.example)
      const now = clock()
      const row = await types.insert({
        name: input.name,
        description: input.description ?? null,
        schema: json(input.schema),
        example: json(input.example),
        deprecated: input.deprecated ? 1 : 0,
        created_at: now,
        updated_at: now,
      })
      if (!row) throw conflict(`An event type named "${input.name}" already exists`, { field: 'name' })
      return toEventType(row)
    },

    async get (name: string, scope: Scope): Promise<EventType> {
      requireUnscoped(scope, 'event_types.view')
      const row = await types.findByName(name)
      if (!row) throw notFound('Event type')
      return toEventType(row)
    },

    async list (afterName: string, limit: number, scope: Scope): Promise<EventType[]> {
      requireUnscoped(scope, 'event_types.view')
      return (await types.list(afterName, limit)).map(toEventType)
    },

    async update (name: string, input: EventTypeInput, scope: Scope): Promise<EventType> {
      requireUnscoped(scope, 'event_types.manage')
      const current = await types.findByName(name)
      if (!current) throw notFound('Event type')
      const schema = input.schema !== undefined ? input.schema : parsed(current.schema)
      const example = input.example !== undefined ? input.example : parsed(current.example)
      if (input.schema !== undefined || input.example !== undefined) check(schema, example)
      // updated_at versions the compiled schema: it must move even within one millisecond.
      const row = await types.update(name, {
        ...(input.description !== undefined && { description: input.description }),
        ...(input.schema !== undefined && { schema: json(input.schema) }),
        ...(input.example !== undefined && { example: json(input.example) }),
        ...(input.deprecated !== undefined && { deprecated: input.deprecated ? 1 : 0 }),
        updated_at: Math.max(clock(), current.updated_at + 1),
      })
      if (!row) throw notFound('Event type')
      return toEventType(row)
    },

    async remove (name: string, scope: Scope): Promise<void> {
      requireUnscoped(scope, 'event_types.delete')
      if (!(await types.remove(name))) throw notFound('Event type')
    },

    /** Refuses a JSON payload its type's schema rejects (422 HOOKHUB_PAYLOAD_INVALID); other types pass. */
    async checkPayload (type: string, payload: string): Promise<void> {
      const found = await types.schemaOf(type)
      if (!found || found.schema === null) return
      const errors = schemas.problems(type, found.updated_at, found.schema, JSON.parse(payload))
      if (errors.length > 0) throw new HookhubError('HOOKHUB_PAYLOAD_INVALID', [type], { errors })
    },
  }
}

export type EventTypeService = ReturnType<typeof createEventTypeService>
