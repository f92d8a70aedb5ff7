// Header values that are credentials: read back as "****" wherever hookhub shows a header it
// sends (an endpoint's headers, the request an attempt recorded, and so the console and the
// CLI), and "****" sent back in an update stands for the stored value.

export const HEADER_MASK = '****'

const SENSITIVE_NAMES = new Set(['authorization', 'proxy-authorization', 'cookie'])
const SENSITIVE_PART = /token|secret|key|signature|password|auth/i

export const isSensitiveHeader = (name: string) => SENSITIVE_NAMES.has(name.toLowerCase()) || SENSITIVE_PART.test(name)

/** A copy with the value of every sensitive header replaced by the mask. */
export const maskHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, isSensitiveHeader(name) ? HEADER_MASK : value]))
