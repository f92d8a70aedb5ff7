/** HTTP headers as a list of name and value. */
export function HeaderList ({ headers, label }: { headers: Record<string, string>; label: string }) {
  const entries = Object.entries(headers)
  if (entries.length === 0) return <p class="muted">No headers.</p>
  return (
    <dl class="headers" aria-label={label}>
      {entries.map(([name, value]) => <div key={name}><dt>{name}</dt><dd>{value}</dd></div>)}
    </dl>
  )
}
