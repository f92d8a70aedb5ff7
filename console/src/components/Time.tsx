import { dateTime, relative } from '../format.ts'

/** A timestamp shown near now ("3 min ago") with the full time on hover and for machines. */
export function Time ({ at }: { at: string | null }) {
  if (at === null) return <span>–</span>
  return <time dateTime={at} title={dateTime(at)}>{relative(at)}</time>
}
