/** RFC 3339 UTC with microseconds (2025-11-20T12:00:00.000000Z), as Laravel and Go services write it. */
export const isoMicros = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
