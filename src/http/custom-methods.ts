// Serves request methods that Node's HTTP parser (llhttp) does not know, such as LOOKUP.
//
// llhttp rejects any method outside its fixed list before a route can run, and Node reports that as a 'clientError'
// on the server. Connections are parsed natively as usual; when llhttp rejects a request line that is one of the
// extra methods, the connection is taken over: the failed parser is let go, and from that request line on every read
// passes through a rewriter before a fresh parser sees it. The rewriter follows HTTP/1.1 framing (request line,
// headers, then Content-Length bytes or chunks), and where a request line starts with an extra method it hands the
// parser `POST` instead, followed by a marker header carrying a per-server secret. The request listener puts the
// method back only when the marker carries that secret, and removes every marker header, so a client that sends the
// header itself gets the ordinary POST it wrote. Whatever the rewriter does not follow (an upgrade, CONNECT, a
// malformed line) it passes on untouched for the rest of the connection, so Node answers exactly as it would without it.
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { createRequire } from 'node:module'
import type { Socket } from 'node:net'

/** What llhttp is given instead of an extra method: it frames a body the same way, as every request method does. */
const STAND_IN = 'POST'
const STAND_IN_BYTES = Buffer.from(STAND_IN, 'latin1')
const MARKER = 'x-hookhub-method'
const OVERRIDE = 'x-http-method-override'
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** The methods llhttp knows: an extra method must not be one of them. */
const PARSER_METHODS = new Set(http.METHODS)

const CR = 13
const LF = 10
const SP = 32
const HT = 9
const COMMA = 44
const COLON = 58
const SEMICOLON = 59
/**
 * Lines the rewriter reads are copied while they arrive in pieces. Those that matter are short: a longer split header
 * line stops being copied unless its name frames the message, and such a line, or a chunk-size line this long, leaves
 * the rest of the connection untouched instead (llhttp rejects their values anyway).
 */
const MAX_KEPT_LINE = 4096

const LINE_START = 0
const REQUEST_LINE = 1
const HEADERS = 2
const BODY = 3
const CHUNK_SIZE = 4
const CHUNK_DATA = 5
const CHUNK_DATA_END = 6
const TRAILERS = 7
const PASSTHROUGH = 8

const OTHER_HEADER = 0
const CONTENT_LENGTH = 1
const TRANSFER_ENCODING = 2
const UPGRADE = 3

function nameIs (buf: Buffer, start: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) {
    const b = buf[start + k]
    if ((b >= 65 && b <= 90 ? b + 32 : b) !== name.charCodeAt(k)) return false
  }
  return true
}

/** Which framing header the line holds; a name is looked for only in the first 18 bytes (`transfer-encoding:`). */
function headerKind (buf: Buffer, start: number, colon: number): number {
  const length = colon - start
  if (length === 14 && nameIs(buf, start, 'content-length')) return CONTENT_LENGTH
  if (length === 17 && nameIs(buf, start, 'transfer-encoding')) return TRANSFER_ENCODING
  if (length === 7 && nameIs(buf, start, 'upgrade')) return UPGRADE
  return OTHER_HEADER
}

function findColon (buf: Buffer, start: number, stop: number): number {
  const limit = Math.min(stop, start + 18)
  for (let k = start; k < limit; k++) if (buf[k] === COLON) return k
  return -1
}

const isOws = (b: number) => b === SP || b === HT

/** Decimal digits only, as llhttp requires; -1 for anything else or a length past 2^53. */
function parseContentLength (buf: Buffer, start: number, stop: number): number {
  if (start === stop) return -1
  let value = 0
  for (let k = start; k < stop; k++) {
    const digit = buf[k] - 48
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
    if (value > Number.MAX_SAFE_INTEGER) return -1
  }
  return value
}

/** llhttp treats a request as chunked when `chunked` is the last coding listed; it rejects any other last coding. */
function endsWithChunked (buf: Buffer, start: number, stop: number): boolean {
  let from = stop
  while (from > start && buf[from - 1] !== COMMA) from--
  while (from < stop && isOws(buf[from])) from++
  return stop - from === 7 && nameIs(buf, from, 'chunked')
}

function hexDigit (b: number): number {
  if (b >= 48 && b <= 57) return b - 48
  const lower = b | 0x20
  return lower >= 97 && lower <= 102 ? lower - 87 : -1
}

/**
 * Rewrites one connection's request stream: a request line with an extra method gets `POST` and a marker header.
 * Bodies are skipped by counting, and only request lines and header lines are looked at.
 */
export class MethodRewriter {
  private readonly markers: ReadonlyMap<string, Buffer>
  /** Methods told apart at the start of a request line: the extra ones, and CONNECT, after which comes a tunnel. */
  private readonly watched: readonly string[]
  private readonly watchedStart = new Uint8Array(256)
  private readonly longestWatched: number
  private state = LINE_START
  /** The start of a request line that may be a watched method; it is read again with the next packet. */
  private held: Buffer | null = null
  /** The marker still to be written after the current request line. */
  private marker: Buffer | null = null
  private lastByte = 0
  private lineLength = 0
  private lineFirst = 0
  private lineWanted = false
  private lineKept: Buffer[] | null = null
  private contentLengths = 0
  private contentLength = 0
  private transferEncodings = 0
  private chunked = false
  private upgrade = false
  private remaining = 0
  private crlfSeen = 0

  /** `markers` maps each extra method to the complete header line (with CRLF) written after its request line. */
  constructor (markers: ReadonlyMap<string, Buffer>) {
    this.markers = markers
    this.watched = [...markers.keys(), 'CONNECT']
    for (const method of this.watched) this.watchedStart[method.charCodeAt(0)] = 1
    this.longestWatched = Math.max(...this.watched.map((m) => m.length))
  }

  /** The bytes to hand the parser for this packet; a partial method at its end is kept for the next one. */
  feed (input: Buffer): Buffer {
    if (this.state === PASSTHROUGH || input.length === 0) return input
    const chunk = this.held === null ? input : Buffer.concat([this.held, input])
    this.held = null
    const n = chunk.length
    let pieces: Buffer[] | null = null
    let copied = 0
    let end = n
    let i = 0
    scan: while (i < n) {
      switch (this.state) {
        case LINE_START: {
          const first = chunk[i]
          // llhttp skips empty lines before a request line.
          if (first === CR || first === LF) {
            i++
            break
          }
          this.state = REQUEST_LINE
          if (this.watchedStart[first] === 0) break
          const limit = Math.min(n, i + this.longestWatched + 1)
          let sp = i
          while (sp < limit && chunk[sp] !== SP) sp++
          if (sp === n && n - i <= this.longestWatched) {
            if (this.isWatchedPrefix(chunk, i, n)) {
              this.state = LINE_START
              end = i
              break scan
            }
            break
          }
          if (sp === limit) break
          const method = chunk.toString('latin1', i, sp)
          if (method === 'CONNECT') {
            this.state = PASSTHROUGH
            break scan
          }
          const marker = this.markers.get(method)
          if (marker !== undefined) {
            pieces ??= []
            pieces.push(chunk.subarray(copied, i), STAND_IN_BYTES)
            copied = sp
            this.marker = marker
          }
          i = sp
          break
        }
        case REQUEST_LINE: {
          const lf = chunk.indexOf(LF, i)
          if (lf === -1) {
            i = n
            break
          }
          i = lf + 1
          if (this.marker !== null) {
            pieces ??= []
            pieces.push(chunk.subarray(copied, i), this.marker)
            copied = i
            this.marker = null
          }
          if (this.byteBefore(chunk, lf) !== CR) {
            this.state = PASSTHROUGH
            break scan
          }
          this.startHeaders()
          break
        }
        case HEADERS:
        case CHUNK_SIZE:
        case TRAILERS: {
          const lf = chunk.indexOf(LF, i)
          if (lf === -1) {
            if (!this.keepPartialLine(chunk, i, n)) {
              this.state = PASSTHROUGH
              break scan
            }
            i = n
            break
          }
          if (this.byteBefore(chunk, lf) !== CR || !this.endLine(chunk, i, lf)) {
            this.state = PASSTHROUGH
            break scan
          }
          i = lf + 1
          break
        }
        case BODY:
        case CHUNK_DATA: {
          const take = Math.min(this.remaining, n - i)
          i += take
          this.remaining -= take
          if (this.remaining === 0) {
            this.state = this.state === BODY ? LINE_START : CHUNK_DATA_END
            this.crlfSeen = 0
          }
          break
        }
        case CHUNK_DATA_END: {
          if (chunk[i] !== (this.crlfSeen === 0 ? CR : LF)) {
            this.state = PASSTHROUGH
            break scan
          }
          i++
          if (++this.crlfSeen === 2) this.startLine(CHUNK_SIZE)
          break
        }
      }
    }
    this.lastByte = chunk[n - 1]
    if (end < n) this.held = Buffer.from(chunk.subarray(end))
    if (pieces === null) return end === n ? chunk : chunk.subarray(0, end)
    pieces.push(chunk.subarray(copied, end))
    return Buffer.concat(pieces)
  }

  /** What is still held when the client ends its side: the start of a request line that never got further. */
  flush (): Buffer | null {
    const rest = this.held
    this.held = null
    return rest
  }

  private isWatchedPrefix (chunk: Buffer, start: number, stop: number): boolean {
    return this.watched.some((method) => {
      for (let k = start; k < stop; k++) if (chunk[k] !== method.charCodeAt(k - start)) return false
      return true
    })
  }

  private byteBefore (chunk: Buffer, index: number): number {
    return index > 0 ? chunk[index - 1] : this.lastByte
  }

  private startHeaders (): void {
    this.contentLengths = 0
    this.contentLength = 0
    this.transferEncodings = 0
    this.chunked = false
    this.upgrade = false
    this.startLine(HEADERS)
  }

  private startLine (state: number): void {
    this.state = state
    this.lineLength = 0
    this.lineKept = null
  }

  /** Header lines are wanted when their name may frame the message (Content-Length, Transfer-Encoding, Upgrade). */
  private wants (first: number): boolean {
    if (this.state === CHUNK_SIZE) return true
    const lower = first | 0x20
    return this.state === HEADERS && (lower === 99 || lower === 116 || lower === 117)
  }

  private keepPartialLine (chunk: Buffer, start: number, stop: number): boolean {
    if (this.lineLength === 0) {
      this.lineFirst = chunk[start]
      this.lineWanted = this.wants(this.lineFirst)
    }
    this.lineLength += stop - start
    if (!this.lineWanted) return true
    ;(this.lineKept ??= []).push(Buffer.from(chunk.subarray(start, stop)))
    if (this.lineLength <= MAX_KEPT_LINE) return true
    if (this.state === CHUNK_SIZE) return false
    const line = Buffer.concat(this.lineKept)
    this.lineKept = null
    this.lineWanted = false
    const colon = findColon(line, 0, line.length)
    return colon === -1 || headerKind(line, 0, colon) === OTHER_HEADER
  }

  /** Reads the line ending at `lf` (its CR already checked); false when the connection should be left alone. */
  private endLine (chunk: Buffer, start: number, lf: number): boolean {
    const partial = this.lineLength > 0
    const length = this.lineLength + lf - start - 1
    const first = partial ? this.lineFirst : chunk[start]
    const wanted = partial ? this.lineWanted : this.wants(first)
    let buf = chunk
    let from = start
    if (this.lineKept !== null) {
      buf = Buffer.concat([...this.lineKept, chunk.subarray(start, lf + 1)])
      from = 0
    }
    const stop = from + length
    this.lineLength = 0
    this.lineKept = null
    switch (this.state) {
      case HEADERS:
        if (length === 0) return this.endHeaders()
        // llhttp rejects obs-fold continuation lines.
        if (isOws(first)) return false
        return !wanted || this.readHeader(buf, from, stop)
      case CHUNK_SIZE:
        return this.readChunkSize(buf, from, stop)
      default:
        if (length === 0) this.state = LINE_START
        return true
    }
  }

  private readHeader (buf: Buffer, start: number, stop: number): boolean {
    const colon = findColon(buf, start, stop)
    const kind = colon === -1 ? OTHER_HEADER : headerKind(buf, start, colon)
    if (kind === OTHER_HEADER) return true
    let from = colon + 1
    let to = stop
    while (from < to && isOws(buf[from])) from++
    while (to > from && isOws(buf[to - 1])) to--
    if (kind === CONTENT_LENGTH) {
      this.contentLength = parseContentLength(buf, from, to)
      this.contentLengths++
      return this.contentLength >= 0
    }
    if (kind === TRANSFER_ENCODING) {
      this.transferEncodings++
      this.chunked = endsWithChunked(buf, from, to)
      return true
    }
    this.upgrade = true
    return true
  }

  /** Where the body ends, as llhttp decides it; combinations llhttp rejects or hands to 'upgrade' are left alone. */
  private endHeaders (): boolean {
    if (this.upgrade) return false
    if (this.transferEncodings > 0) {
      if (this.contentLengths > 0 || this.transferEncodings > 1 || !this.chunked) return false
      this.startLine(CHUNK_SIZE)
      return true
    }
    if (this.contentLengths > 1) return false
    if (this.contentLength > 0) {
      this.state = BODY
      this.remaining = this.contentLength
    } else {
      this.state = LINE_START
    }
    return true
  }

  /** `<hex>[;extensions]`, nothing else: llhttp rejects even a space after the size. */
  private readChunkSize (buf: Buffer, start: number, stop: number): boolean {
    let size = 0
    let k = start
    for (; k < stop; k++) {
      const digit = hexDigit(buf[k])
      if (digit < 0) break
      size = size * 16 + digit
      if (size > Number.MAX_SAFE_INTEGER) return false
    }
    if (k === start || (k < stop && buf[k] !== SEMICOLON)) return false
    if (size === 0) {
      this.startLine(TRAILERS)
    } else {
      this.state = CHUNK_DATA
      this.remaining = size
    }
    return true
  }
}

/** Hands every later read of the socket through the rewriter before the parser sees it. */
function rewriteIncoming (socket: Socket, rewriter: MethodRewriter): void {
  const push = socket.push
  socket.push = function pushRewritten (chunk: Buffer | null, encoding?: BufferEncoding): boolean {
    if (chunk === null) {
      const rest = rewriter.flush()
      if (rest !== null) push.call(this, rest)
      return push.call(this, null, encoding)
    }
    return push.call(this, rewriter.feed(chunk), encoding)
  }
}

function readThroughPush (): void {}

type ParseError = Error & { code?: string, bytesParsed?: number, rawPacket?: Buffer }
/** An extra method as a request line starts with it (`LOOKUP `), and how many of its bytes llhttp accepts. */
type ExtraMethod = { lineStart: Buffer, knownPrefix: number }
type ServerSocket = Socket & { parser?: unknown, _httpMessage?: http.ServerResponse | null }

/**
 * How many leading bytes of `method` llhttp accepts before it fails: the longest prefix some method it knows shares.
 * The error llhttp reports points at the next byte, which is how a request line's start is found again.
 */
function acceptedPrefix (method: string): number {
  let length = 0
  for (const known of PARSER_METHODS) {
    let k = 0
    while (k < method.length && k < known.length && method[k] === known[k]) k++
    length = Math.max(length, k)
  }
  return length
}

/**
 * The request line that made llhttp fail, from its start, when it can be one of the extra methods: llhttp stopped at
 * `bytesParsed`, the first byte no method it knows has there. The line starts after the last CR or LF before that
 * byte; when this packet holds none, the line began in an earlier packet, which llhttp consumed and which is gone, so
 * the method's first bytes are put back. They cannot be checked: a line cut there whose first bytes were another
 * method's prefix (`PU` + `OKUP /…`) is served as LOOKUP instead of answered 400.
 */
function unknownRequestLine (err: ParseError, methods: readonly ExtraMethod[]): Buffer | null {
  const packet = err.rawPacket
  const stop = err.bytesParsed
  if (err.code !== 'HPE_INVALID_METHOD' || !Buffer.isBuffer(packet) || typeof stop !== 'number' || stop >= packet.length) return null
  let lineStart = stop
  while (lineStart > 0 && packet[lineStart - 1] !== CR && packet[lineStart - 1] !== LF) lineStart--
  const inPacket = stop - lineStart
  for (const method of methods) {
    const earlier = method.knownPrefix - inPacket
    if (earlier < 0 || (earlier > 0 && lineStart > 0)) continue
    const line = Buffer.concat([method.lineStart.subarray(0, earlier), packet.subarray(lineStart)])
    const compared = Math.min(line.length, method.lineStart.length)
    if (line.subarray(0, compared).equals(method.lineStart.subarray(0, compared))) return line
  }
  return null
}

/** The listeners Node's HTTP server put on a socket for its parser, found by name (node/lib/_http_server.js). */
const PARSER_LISTENERS: Readonly<Record<string, string>> = {
  data: 'bound socketOnData',
  end: 'bound socketOnEnd',
  close: 'bound socketOnClose',
  drain: 'bound socketOnDrain',
  timeout: 'socketOnTimeout',
}

function parserListeners (socket: Socket): Array<[string, (...args: unknown[]) => void]> {
  const found: Array<[string, (...args: unknown[]) => void]> = []
  for (const [event, name] of Object.entries(PARSER_LISTENERS)) {
    for (const listener of socket.listeners(event)) if (listener.name === name) found.push([event, listener as (...args: unknown[]) => void])
  }
  return found
}

/** Calls `then` once the responses to requests read before the takeover are finished, which keeps answers in order. */
function whenAnswered (socket: ServerSocket, then: () => void): void {
  const pending = socket._httpMessage
  if (pending === null || pending === undefined) return then()
  let called = false
  const next = () => {
    if (called) return
    called = true
    // 'finish' listeners run in order, so Node has moved on to the next queued response by now.
    whenAnswered(socket, then)
  }
  pending.once('finish', next)
  pending.once('close', next)
}

/**
 * Takes a connection whose request line llhttp rejected over, when the line is one of the extra methods: the failed
 * parser is let go, every later read goes through the rewriter, and once earlier answers are out the server is handed
 * the socket again as a new connection, so a fresh parser reads the rewritten stream from that request line on.
 * Connections that never send an extra method keep Node's native parsing, at no cost.
 */
function takeOver (server: http.Server, socket: ServerSocket, line: Buffer, markers: ReadonlyMap<string, Buffer>): boolean {
  const listeners = parserListeners(socket)
  if (!listeners.some(([event]) => event === 'data') || socket.parser === null || socket.parser === undefined) return false
  ;(socket as ServerSocket & { [kTakenOver]?: true })[kTakenOver] = true
  // Node's server stops its parser reading the socket natively when a 'data' listener is added (unconsume).
  socket.on('data', readThroughPush)
  socket.removeListener('data', readThroughPush)
  socket.pause()
  freeParser(socket.parser, null, socket)
  const rewriter = new MethodRewriter(markers)
  rewriteIncoming(socket, rewriter)
  socket.push(line)
  whenAnswered(socket, () => {
    if (socket.destroyed) return
    for (const [event, listener] of listeners) socket.removeListener(event, listener)
    // A keep-alive timeout the old connection state set would otherwise cut the new one off.
    socket.setTimeout(0)
    ;(socket as { readableFlowing: boolean | null }).readableFlowing = null
    server.emit('connection', socket)
  })
  return true
}

const kTakenOver = Symbol('hookhub.takenOver')
const { freeParser } = createRequire(import.meta.url)('_http_common') as { freeParser: (parser: unknown, req: null, socket: Socket) => void }

/** Puts back the method the rewriter replaced, or the one a POST asks for by X-HTTP-Method-Override. */
function restoreMethod (req: http.IncomingMessage, methodsByMarker: ReadonlyMap<string, string>, extra: ReadonlySet<string>): void {
  const raw = req.rawHeaders
  let method: string | undefined
  let marked = false
  for (let k = 0; k < raw.length; k += 2) {
    if (raw[k].length === MARKER.length && raw[k].toLowerCase() === MARKER) marked = true
  }
  if (marked) {
    // The rewriter writes its marker as the first header, and only it knows the nonce.
    if (raw[0] === MARKER && req.method === STAND_IN) method = methodsByMarker.get(raw[1])
    // Node builds these objects lazily from rawHeaders and its original count, so they are built before the removal.
    const { headers, headersDistinct } = req
    for (let k = raw.length - 2; k >= 0; k -= 2) {
      if (raw[k].toLowerCase() === MARKER) raw.splice(k, 2)
    }
    delete headers[MARKER]
    delete headersDistinct[MARKER]
  }
  if (method === undefined && req.method === STAND_IN) {
    const wanted = req.headers[OVERRIDE]
    if (typeof wanted === 'string' && extra.has(wanted.trim().toUpperCase())) method = wanted.trim().toUpperCase()
  }
  if (method !== undefined) req.method = method
}

/**
 * A Fastify `serverFactory` (plain HTTP/1.1) whose connections accept the given extra request methods, e.g.
 * `['LOOKUP']`, which Node's parser would answer with 400; requests reach the app with `req.method` set to the extra
 * method (lookup-method.ts carries LOOKUP through Fastify's router). A POST with `X-HTTP-Method-Override: <method>`
 * is served as that method too. The server takes Fastify's own HTTP/1 options (`http`, timeouts,
 * maxRequestsPerSocket) as Fastify would apply them to its default server.
 */
export function customMethodServerFactory (methods: readonly string[]): (handler: http.RequestListener, opts: Record<string, unknown>) => http.Server {
  for (const method of methods) {
    if (!TOKEN.test(method) || PARSER_METHODS.has(method)) {
      throw new TypeError(`${JSON.stringify(method)} is not a request method that Node's HTTP parser lacks`)
    }
  }
  const nonce = randomBytes(16).toString('hex')
  const methodsByMarker = new Map(methods.map((m) => [`${m} ${nonce}`, m]))
  const markers = new Map(methods.map((m) => [m, Buffer.from(`${MARKER}: ${m} ${nonce}\r\n`, 'latin1')]))
  const extra = new Set(methods)
  const extraMethods: ExtraMethod[] = methods.map((name) => ({ lineStart: Buffer.from(`${name} `, 'latin1'), knownPrefix: acceptedPrefix(name) }))
  return (handler, opts) => {
    const server = http.createServer((opts.http ?? {}) as http.ServerOptions, (req, res) => {
      restoreMethod(req, methodsByMarker, extra)
      handler(req, res)
    })
    // Node reports the rejected request line as a 'clientError'; one that is an extra method is taken over before the
    // app's own clientError handler (Fastify's 400) would see it.
    const emit = server.emit
    server.emit = function emitTakingOver (this: http.Server, event: string | symbol, err?: ParseError, socket?: ServerSocket): boolean {
      if (event === 'clientError' && err !== undefined && socket !== undefined) {
        if ((socket as ServerSocket & { [kTakenOver]?: true })[kTakenOver] !== true) {
          const line = unknownRequestLine(err, extraMethods)
          if (line !== null && takeOver(this, socket, line, markers)) return true
        }
      }
      return Reflect.apply(emit, this, arguments) as boolean
    } as typeof server.emit
    if (typeof opts.keepAliveTimeout === 'number') server.keepAliveTimeout = opts.keepAliveTimeout
    if (typeof opts.requestTimeout === 'number') server.requestTimeout = opts.requestTimeout
    if (typeof opts.connectionTimeout === 'number') server.setTimeout(opts.connectionTimeout)
    if (typeof opts.maxRequestsPerSocket === 'number' && opts.maxRequestsPerSocket > 0) {
      server.maxRequestsPerSocket = opts.maxRequestsPerSocket
    }
    return server
  }
}
