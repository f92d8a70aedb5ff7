interface Props {
  values: (number | null)[]
  /** The top of the scale; the largest value when absent. */
  max?: number
  /** What the line shows, for screen readers (the picture has no text). */
  label: string
}

const WIDTH = 120
const HEIGHT = 28

/** A small line chart; null values (no data in that bucket) leave a gap. */
export function Sparkline ({ values, max, label }: Props) {
  const top = max ?? Math.max(1, ...values.map((v) => v ?? 0))
  const step = values.length > 1 ? WIDTH / (values.length - 1) : WIDTH
  const segments: string[][] = [[]]
  values.forEach((v, i) => {
    if (v === null) {
      if (segments[segments.length - 1].length > 0) segments.push([])
      return
    }
    segments[segments.length - 1].push(`${(i * step).toFixed(1)},${(HEIGHT - 2 - (v / top) * (HEIGHT - 4)).toFixed(1)}`)
  })
  return (
    <svg class="sparkline" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} role="img" aria-label={label}>
      <line x1="0" x2={WIDTH} y1={HEIGHT - 2} y2={HEIGHT - 2} class="baseline" />
      {segments.filter((s) => s.length > 0).map((points, i) => (
        points.length === 1
          ? <circle key={i} cx={points[0].split(',')[0]} cy={points[0].split(',')[1]} r="2" />
          : <polyline key={i} points={points.join(' ')} />
      ))}
    </svg>
  )
}
