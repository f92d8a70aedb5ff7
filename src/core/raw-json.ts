/**
 * The exact text of one top-level member of a JSON object, so that a payload nested in a
 * request body is stored byte for byte (key order, spacing, big numbers) rather than
 * re-serialised. `text` must already be known to be valid JSON.
 */
export function rawMember (text: string, key: string): string | undefined {
  let depth = 0
  let i = 0
  let expectKey = false
  let currentKey: string | undefined
  let valueStart = -1
  while (i < text.length) {
    const c = text[i]
    if (c === '"') {
      const start = i
      i++
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1
      if (depth === 1 && expectKey) {
        currentKey = JSON.parse(text.slice(start, i + 1)) as string
        expectKey = false
      }
    } else if (c === '{' || c === '[') {
      depth++
      if (depth === 1 && c === '{') expectKey = true
    } else if (c === '}' || c === ']') {
      if (depth === 1 && valueStart >= 0 && currentKey === key) return text.slice(valueStart, i).trim()
      depth--
    } else if (depth === 1 && c === ':') {
      valueStart = i + 1
    } else if (depth === 1 && c === ',') {
      if (valueStart >= 0 && currentKey === key) return text.slice(valueStart, i).trim()
      valueStart = -1
      expectKey = true
    }
    i++
  }
  return undefined
}

/**
 * JSON text without the whitespace between its tokens; strings, numbers and key order stay
 * byte for byte (re-serialising would round big numbers). `text` must be valid JSON.
 */
export function compactJson (text: string): string {
  const parts: string[] = []
  let from = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') {
      i++
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1
    } else if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      parts.push(text.slice(from, i))
      from = i + 1
    }
  }
  parts.push(text.slice(from))
  return parts.join('')
}
