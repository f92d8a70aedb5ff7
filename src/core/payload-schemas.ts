import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import type { ValidateFunction } from 'ajv'

/** One problem of a payload: a JSON Pointer into it ("" for the whole payload) and what is wrong there. */
export interface PayloadProblem { path: string; message: string }

/** Compiled validators kept at most: a catalog larger than this compiles its rarer types again. */
const MAX_COMPILED = 1000

/**
 * A JSON Schema (2020-12) compiled to a validator. Each schema gets its own Ajv instance: two
 * types whose schemas carry the same `$id` must not collide in one registry. Remote `$ref`s are
 * never fetched (they fail to compile).
 */
export function compileSchema (schema: unknown): ValidateFunction {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false, logger: false })
  addFormats.default(ajv)
  return ajv.compile(schema as object)
}

/** The problems of `value` under a compiled schema; empty when it passes. */
export function problemsOf (validate: ValidateFunction, value: unknown): PayloadProblem[] {
  if (validate(value)) return []
  return (validate.errors ?? []).map((e) => {
    // A missing or unexpected property is a problem of that property, not of its parent.
    const child = e.keyword === 'required' ? e.params.missingProperty : e.keyword === 'additionalProperties' ? e.params.additionalProperty : undefined
    const path = child === undefined ? e.instancePath : `${e.instancePath}/${String(child).replace(/~/g, '~0').replace(/\//g, '~1')}`
    return { path, message: e.message ?? 'is invalid' }
  })
}

/** Validators by type and version, compiled once each. */
export function createPayloadSchemas () {
  const compiled = new Map<string, ValidateFunction>()

  function validatorFor (key: string, schema: string): ValidateFunction {
    let validate = compiled.get(key)
    if (!validate) {
      validate = compileSchema(JSON.parse(schema))
      if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string)
      compiled.set(key, validate)
    }
    return validate
  }

  return {
    /** The problems of `value` under the schema of `type` at `version`; empty when it passes. */
    problems: (type: string, version: number, schema: string, value: unknown) =>
      problemsOf(validatorFor(`${version}:${type}`, schema), value),
  }
}

export type PayloadSchemas = ReturnType<typeof createPayloadSchemas>
