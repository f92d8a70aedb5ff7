// How commands print: `--json` writes the API's JSON as one line (for jq and scripts); people
// get aligned tables and short sentences.

export const printJson = (value: unknown) => { process.stdout.write(JSON.stringify(value) + '\n') }

export const printLine = (...lines: string[]) => { process.stdout.write(lines.join('\n') + '\n') }

export type Column<T> = [header: string, cell: (row: T) => string]

/** Rows under upper-case headers, each column as wide as its widest cell; the last one is not padded. */
export function formatTable<T> (columns: Column<T>[], rows: T[]): string {
  const cells = [columns.map(([header]) => header), ...rows.map((row) => columns.map(([, cell]) => cell(row)))]
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)))
  return cells.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n')
}

/**
 * A page of a list: the table (or `empty` when there are no rows) and, when the API has more,
 * the flag that fetches the next page.
 */
export function printPage<T> (page: { data: T[]; next_cursor: string | null }, columns: Column<T>[], empty: string) {
  printLine(page.data.length === 0 ? empty : formatTable(columns, page.data))
  if (page.next_cursor) printLine(`more: add --cursor ${page.next_cursor}`)
}

/** An RFC 3339 time without milliseconds, or "-" for none. */
export const shortTime = (value: string | null | undefined) => (value ? value.replace(/\.\d+Z$/, 'Z') : '-')
