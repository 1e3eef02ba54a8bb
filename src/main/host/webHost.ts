/**
 * The web host: the built renderer plus the API over HTTP (calls) and WebSocket (events),
 * on loopback only. It refuses other interfaces outright and checks Host and Origin on every
 * request, so a web page in the user's browser cannot drive it (DNS rebinding, CSRF).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { API_EVENTS, isBinaryMethod, META_HEADER, type CuratorApi } from '../../shared/api'
import { CuratorError, type ErrorCode } from '../../shared/errors'
import { dispatch } from '../router'

export interface WebHostOptions {
  api: CuratorApi
  /** Folder with the built renderer (index.html). */
  staticDir: string
  /** @default 0 (any free port) */
  port?: number
  /** Must be a loopback address. @default '127.0.0.1' */
  host?: string
}

export interface WebHost {
  url: string
  port: number
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])
const MAX_BODY = 1 << 20

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
}

/** Same policy as the Electron window's meta tag, sent as a header too. */
export const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: blob:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; " +
  "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

export function assertLoopback(host: string): void {
  if (!LOOPBACK.has(host)) {
    throw new CuratorError(
      'BAD_ARGUMENT',
      `Refusing to serve on ${host}: the web host binds to loopback only (127.0.0.1, ::1, localhost).`,
    )
  }
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const host = opts.host ?? '127.0.0.1'
  assertLoopback(host)
  const staticRoot = resolve(opts.staticDir)
  let port = 0

  const allowedHosts = (): Set<string> =>
    new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
  // Host must name us (defeats DNS rebinding); Origin, when a browser sends one, must be us.
  const trusted = (req: IncomingMessage): boolean => {
    const h = req.headers.host
    if (!h || !allowedHosts().has(h)) return false
    const origin = req.headers.origin
    if (origin === undefined) return true
    try {
      return allowedHosts().has(new URL(origin).host) && new URL(origin).protocol === 'http:'
    } catch {
      return false
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy()
      else if (err instanceof BodyTooLarge) sendJson(res, 413, { ok: false, error: { code: 'BAD_ARGUMENT', message: err.message } })
      else sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: String(err) } })
    })
  })
  // A client that resets or sends garbage must cost its own connection only, never the server.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n')
    else socket.destroy()
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The socket's local address is checked too, in case the OS handed us something odd.
    if (!trusted(req) || !isLoopbackAddress(req.socket.remoteAddress)) {
      sendJson(res, 403, { ok: false, error: { code: 'BAD_ARGUMENT', message: 'Forbidden: untrusted Host or Origin.' } })
      return
    }
    let url: URL
    let pathname: string
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host}`)
      pathname = decodeURIComponent(url.pathname)
    } catch {
      // `GET /%` and friends: a malformed escape is the client's mistake, not a crash.
      sendJson(res, 400, { ok: false, error: { code: 'BAD_ARGUMENT', message: 'Malformed URL.' } })
      return
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') {
        sendJson(res, 405, { ok: false, error: { code: 'BAD_ARGUMENT', message: 'API calls are POST.' } })
        return
      }
      if (!isJsonMediaType(req.headers['content-type'])) {
        // Forces a CORS preflight for any cross-site attempt; simple form posts are refused.
        sendJson(res, 415, { ok: false, error: { code: 'BAD_ARGUMENT', message: 'Content-Type must be application/json.' } })
        return
      }
      const body = await readBody(req)
      let arg: unknown
      try {
        arg = body.length ? (JSON.parse(body) as { arg?: unknown }).arg : undefined
      } catch {
        sendJson(res, 400, { ok: false, error: { code: 'BAD_ARGUMENT', message: 'Body is not valid JSON.' } })
        return
      }
      const method = pathname.slice('/api/'.length)
      const envelope = await dispatch(opts.api, method, arg)
      if (envelope.ok && envelope.result && isBinaryMethod(method)) {
        // Volumes travel as bytes, never as JSON arrays; the small meta rides in a header.
        const { meta, data } = envelope.result as { meta: unknown; data: ArrayBuffer }
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': data.byteLength,
          [META_HEADER]: encodeURIComponent(JSON.stringify(meta)),
          ...API_HEADERS,
        })
        res.end(Buffer.from(data))
        return
      }
      sendJson(res, envelope.ok ? 200 : httpStatusOf(envelope.error.code), envelope)
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end()
      return
    }
    await serveStatic(pathname, res)
  }

  /** @param pathname already percent-decoded */
  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    const rel = normalize(pathname).replace(/^([/\\])+/, '')
    let file = join(staticRoot, rel || 'index.html')
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) {
      res.writeHead(403).end()
      return
    }
    const st = await stat(file).catch(() => null)
    if (!st || st.isDirectory()) file = join(staticRoot, 'index.html') // single-page app
    const data = await readFile(file).catch(() => null)
    if (!data) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Renderer not built: run `npm run build`.')
      return
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    })
    res.end(data)
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname !== '/api/events' || !trusted(req) || !isLoopbackAddress(req.socket.remoteAddress)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => subscribe(ws))
  })
  // Without these, one malformed or oversized frame (ws reports it as an 'error' event) would
  // be an uncaught exception and take the server, and any processing it runs, down with it.
  wss.on('error', () => undefined)

  function subscribe(ws: WebSocket): void {
    // ws has already answered the bad frame with a close code; the connection just ends.
    ws.on('error', () => ws.terminate())
    const unsubs = API_EVENTS.map((event) =>
      opts.api[event]((payload) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }))
      }),
    )
    ws.on('close', () => unsubs.forEach((u) => u()))
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port ?? 0, host, () => ok())
  })
  port = (server.address() as AddressInfo).port
  const shown = host === '::1' ? '[::1]' : host === 'localhost' ? '127.0.0.1' : host
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () =>
      new Promise<void>((ok) => {
        for (const c of wss.clients) c.terminate()
        wss.close()
        server.closeAllConnections()
        server.close(() => ok())
      }),
  }
}

function isLoopbackAddress(addr: string | undefined): boolean {
  return !!addr && (addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.'))
}

/** HTTP status for an API error; the JSON body is the same envelope whatever the status. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'BAD_ARGUMENT':
      return 400
    case 'NOT_FOUND':
      return 404
    case 'NOT_IMPLEMENTED':
      return 501
    default:
      return 500
  }
}

/** `application/json`, any case, with parameters (`; charset=utf-8`) only: not `application/jsonx`. */
export function isJsonMediaType(header: string | undefined): boolean {
  if (!header) return false
  return header.split(';', 1)[0]!.trim().toLowerCase() === 'application/json'
}

class BodyTooLarge extends Error {}

/**
 * A body over MAX_BODY is read to its end and thrown away, then answered 413: a client still
 * sending when the server hangs up would see a reset, not the answer. Past this, it is cut off.
 */
const MAX_DRAIN = 16 * MAX_BODY

function readBody(req: IncomingMessage): Promise<string> {
  const tooLarge = (): BodyTooLarge => new BodyTooLarge(`Request body over ${MAX_BODY} bytes (1 MiB).`)
  if (Number(req.headers['content-length'] ?? 0) > MAX_DRAIN) {
    req.resume()
    return Promise.reject(tooLarge())
  }
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size <= MAX_BODY) chunks.push(c)
      else if (size > MAX_DRAIN) fail(tooLarge())
    })
    req.on('end', () => (size > MAX_BODY ? fail(tooLarge()) : ok(Buffer.concat(chunks).toString('utf8'))))
    req.on('error', fail)
  })
}

/** Every API answer: never sniffed into something else, never leaks its URL as a referrer. */
export const API_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  // A 413 may go out before the body was read: close, so its rest is never parsed as a request.
  const close = status === 413 ? { connection: 'close' } : {}
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...API_HEADERS, ...close })
  res.end(JSON.stringify(body))
}
