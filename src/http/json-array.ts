/**
 * A JSON array written page by page as the pages are read, for lists too long to hold whole.
 * Nothing is written before the first page is in, so that an error reading it still answers
 * as an error (a stream that fails before its first chunk goes to the error handler).
 */
export async function * jsonArray (pages: AsyncIterable<unknown[]>): AsyncGenerator<string> {
  let opened = false
  for await (const page of pages) {
    if (page.length === 0) continue
    yield (opened ? ',' : '[') + page.map((item) => JSON.stringify(item)).join(',')
    opened = true
  }
  yield opened ? ']' : '[]'
}
