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
import { API_EVENTS, type CuratorApi } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
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
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: String(err) } })
      else res.destroy()
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The socket's local address is checked too, in case the OS handed us something odd.
    if (!trusted(req) || !isLoopbackAddress(req.socket.remoteAddress)) {
      sendJson(res, 403, { ok: false, error: { code: 'BAD_ARGUMENT', message: 'Forbidden: untrusted Host or Origin.' } })
      return
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') {
        sendJson(res, 405, { ok: false, error: { code: 'BAD_ARGUMENT', message: 'API calls are POST.' } })
        return
      }
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
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
      const method = decodeURIComponent(url.pathname.slice('/api/'.length))
      sendJson(res, 200, await dispatch(opts.api, method, arg))
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end()
      return
    }
    await serveStatic(url.pathname, res)
  }

  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '')
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

  function subscribe(ws: WebSocket): void {
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        fail(new CuratorError('BAD_ARGUMENT', 'Request body too large.'))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')))
    req.on('error', fail)
  })
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}
