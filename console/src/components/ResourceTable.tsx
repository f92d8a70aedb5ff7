import type { ComponentChildren } from 'preact'

export interface Column<T> {
  label: string
  cell: (row: T) => ComponentChildren
}

interface Props<T> {
  caption: string
  columns: Column<T>[]
  rows: T[]
  rowKey: (row: T) => string | number
  empty: string
}

/** A table that scrolls sideways on narrow screens (and by keyboard: the wrapper takes focus). */
export function ResourceTable<T> ({ caption, columns, rows, rowKey, empty }: Props<T>) {
  if (rows.length === 0) return <p class="empty">{empty}</p>
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead><tr>{columns.map((c) => <th key={c.label} scope="col">{c.label}</th>)}</tr></thead>
        <tbody>
          {rows.map((row) => <tr key={rowKey(row)}>{columns.map((c) => <td key={c.label} data-label={c.label}>{c.cell(row)}</td>)}</tr>)}
        </tbody>
      </table>
    </div>
  )
}
