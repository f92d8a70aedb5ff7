// The subset of Laravel's validator the CyberCert API uses, with Laravel's own wording, so a
// client that shows `errors` to people reads the same sentences it would from the original.

export type Rule =
  | 'required' | 'sometimes' | 'nullable'
  | 'string' | 'integer' | 'boolean' | 'array'
  | { max: number } | { min: number } | { in: readonly string[] }

export type Rules = Record<string, readonly Rule[]>
export type FieldErrors = Record<string, string[]>

const attributeName = (field: string) => field.replace(/_/g, ' ')

const isEmpty = (value: unknown) =>
  value === undefined || value === null ||
  (typeof value === 'string' && value.trim() === '') ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)

// PHP's FILTER_VALIDATE_INT: an optional sign, no leading zeros.
const isInteger = (value: unknown) =>
  (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^[+-]?(0|[1-9]\d*)$/.test(value.trim()))

const BOOLEAN_VALUES = new Set<unknown>([true, false, 0, 1, '0', '1'])

/** Laravel's boolean rule, or the looser reading Laravel apps give query-string flags (?x=true). */
export function toBoolean (value: unknown, loose = false): boolean | undefined {
  if (BOOLEAN_VALUES.has(value)) return value === true || value === 1 || value === '1'
  if (loose && typeof value === 'string') {
    if (/^(true|on|yes)$/i.test(value)) return true
    if (/^(false|off|no)$/i.test(value)) return false
  }
  return undefined
}

function check (rule: Rule, field: string, value: unknown, numeric: boolean, looseBoolean: boolean): string | null {
  const name = attributeName(field)
  if (rule === 'string') return typeof value === 'string' ? null : `The ${name} field must be a string.`
  if (rule === 'integer') return isInteger(value) ? null : `The ${name} field must be an integer.`
  if (rule === 'boolean') return toBoolean(value, looseBoolean) !== undefined ? null : `The ${name} field must be true or false.`
  if (rule === 'array') return typeof value === 'object' && value !== null ? null : `The ${name} field must be an array.`
  if (typeof rule === 'object' && 'in' in rule) {
    return typeof value === 'string' && rule.in.includes(value) ? null : `The selected ${name} is invalid.`
  }
  if (typeof rule === 'object' && 'max' in rule) {
    if (numeric) return isInteger(value) && Number(value) > rule.max ? `The ${name} field must not be greater than ${rule.max}.` : null
    return typeof value === 'string' && [...value].length > rule.max ? `The ${name} field must not be greater than ${rule.max} characters.` : null
  }
  if (typeof rule === 'object' && 'min' in rule) {
    if (numeric) return isInteger(value) && Number(value) < rule.min ? `The ${name} field must be at least ${rule.min}.` : null
    return typeof value === 'string' && [...value].length < rule.min ? `The ${name} field must be at least ${rule.min} characters.` : null
  }
  return null
}

/**
 * Validates like Laravel: `sometimes` skips absent fields, `nullable` lets null through, a
 * failed `required` stops that field's other rules, and other rules skip empty values.
 * Top-level strings are trimmed and "" becomes null first, as Laravel's middleware does.
 */
export function validate (input: unknown, rules: Rules, options: { looseBoolean?: boolean } = {}) {
  const source = typeof input === 'object' && input !== null && !Array.isArray(input) ? input as Record<string, unknown> : {}
  const values: Record<string, unknown> = {}
  const errors: FieldErrors = {}
  for (const [field, fieldRules] of Object.entries(rules)) {
    const present = Object.prototype.hasOwnProperty.call(source, field)
    if (fieldRules.includes('sometimes') && !present) continue
    let value = source[field]
    if (typeof value === 'string') value = value.trim() === '' ? null : value.trim()
    const messages: string[] = []
    if (fieldRules.includes('required') && isEmpty(value)) {
      messages.push(`The ${attributeName(field)} field is required.`)
    } else if (!(value === undefined || value === null)) {
      const numeric = fieldRules.includes('integer')
      for (const rule of fieldRules) {
        const message = check(rule, field, value, numeric, options.looseBoolean ?? false)
        if (message) {
          messages.push(message)
          if (rule === 'integer') break
        }
      }
    } else if (value === null && present && !fieldRules.includes('nullable')) {
      // A present null that is not allowed goes through every rule, as in Laravel: it is not
      // a string, not in any list, not a boolean.
      for (const rule of fieldRules) {
        const message = check(rule, field, value, false, false)
        if (message) messages.push(message)
      }
    }
    if (messages.length > 0) errors[field] = messages
    else if (present) values[field] = value
  }
  return { values, errors, valid: Object.keys(errors).length === 0 }
}
