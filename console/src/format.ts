// How values read in the console: one place, so every page writes them alike.

export const percent = (rate: number | null) => (rate === null ? '–' : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)} %`)

export const dateTime = (iso: string | null) => (iso === null ? '–' : new Date(iso).toLocaleString())

/** "in 4 s", "12 min ago": for times near now. */
export function relative (iso: string | null, now = Date.now()): string {
  if (iso === null) return '–'
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000)
  const abs = Math.abs(seconds)
  const [value, unit] = abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86_400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86_400), 'd']
  return seconds >= 0 ? `in ${value} ${unit}` : `${value} ${unit} ago`
}

export const json = (value: unknown) => JSON.stringify(value, null, 2)

/** A body as text: JSON pretty-printed, anything else as it came. */
export function prettyBody (text: string): string {
  try {
    return json(JSON.parse(text))
  } catch {
    return text
  }
}
