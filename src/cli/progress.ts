// Progress of a long command on stderr (stdout stays clean for --json). On a terminal, one
// line redrawn in place; elsewhere (CI logs, pipes, files) plain lines, one per tenth of the
// way, so logs stay short and readable.

export interface ProgressStream {
  write (text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface Progress {
  /** `done` of `total` finished; `note` says more (e.g. "3 failed again"). */
  update (done: number, note?: string): void
  /** Draws the final state and ends the line. */
  finish (note?: string): void
}

/** Redraws on a terminal at most this often. */
const REDRAW_MS = 100
const BAR_MIN = 10
const BAR_MAX = 40
/** Columns left beside the bar for a note such as "3 failed again". */
const NOTE_ROOM = 20

export function createProgress (
  { label, total, stream = process.stderr, clock = Date.now }:
  { label: string; total: number; stream?: ProgressStream; clock?: () => number },
): Progress {
  const tty = stream.isTTY === true
  let done = 0
  let note = ''
  let lastDraw = -Infinity
  let lastDecile = -1
  let finished = false

  const percent = () => (total === 0 ? 100 : Math.floor((done / total) * 100))
  const counts = () => `${done}/${total} (${percent()}%)${note ? ` ${note}` : ''}`

  // The bar keeps one width for the whole run; the text beside it is cut to the terminal.
  const width = Math.max(BAR_MIN, Math.min(BAR_MAX, (stream.columns ?? 80) - label.length - `${total}/${total} (100%)`.length - 5 - NOTE_ROOM))

  function drawBar () {
    const text = counts().slice(0, Math.max(0, (stream.columns ?? 80) - label.length - width - 5))
    const filled = total === 0 ? width : Math.round((done / total) * width)
    // \r returns to the line start; \x1b[K clears what a longer previous line left behind.
    stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`)
    lastDraw = clock()
  }

  function plainLine () {
    stream.write(`${label}: ${counts()}\n`)
    lastDecile = Math.floor(percent() / 10)
  }

  function show (force: boolean) {
    if (tty) {
      if (force || clock() - lastDraw >= REDRAW_MS) drawBar()
    } else if (force || Math.floor(percent() / 10) > lastDecile) {
      plainLine()
    }
  }

  show(true)

  return {
    update (value, text = '') {
      if (finished) return
      const changed = value !== done || text !== note
      done = Math.max(0, Math.min(total, value))
      note = text
      if (changed) show(false)
    },
    finish (text) {
      if (finished) return
      finished = true
      if (text !== undefined) note = text
      if (tty) {
        drawBar()
        stream.write('\n')
      } else if (Math.floor(percent() / 10) > lastDecile || text !== undefined) {
        // The last plain line shows the final count unless the one before already did.
        plainLine()
      }
    },
  }
}
