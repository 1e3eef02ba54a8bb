/**
 * Hostile requests against a running web host, each with the answer it must get; after every
 * probe the host must still answer a plain API call. Shared by test/webHost.test.ts (a host in
 * a child process, so a crash shows as an exit, not as a test-runner warning) and
 * `npm run hardening`, which prints the tally.
 */
import { request } from 'node:http'
import { connect } from 'node:net'

export interface HttpAnswer {
  status: number
  body: string
  headers: Record<string, unknown>
}

/** Raw HTTP so the caller controls Host and Origin exactly as an attacker's browser would. */
export function call(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((ok, fail) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...opts.headers } },
      (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }))
      },
    )
    req.on('error', fail)
    req.end(opts.body)
  })
}

export const postJson = (port: number, method: string, arg: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
  call(port, `/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ arg }) })

const len64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(n)
  return b
}
const MASK = Buffer.from([1, 2, 3, 4])

/** Client frames the WebSocket spec forbids; each makes ws raise an error on the server. */
export const BAD_FRAMES: Record<string, Buffer> = {
  'reserved opcode': Buffer.concat([Buffer.from([0x83, 0x80]), MASK]),
  'unmasked client frame': Buffer.from([0x81, 0x02, 0x68, 0x69]),
  'RSV bits set': Buffer.concat([Buffer.from([0xf1, 0x80]), MASK]),
  'length 2^32 (over maxPayload)': Buffer.concat([Buffer.from([0x82, 0xff]), len64(1n << 32n), MASK]),
  'length 2^63 - 1': Buffer.concat([Buffer.from([0x82, 0xff]), len64((1n << 63n) - 1n), MASK]),
  'invalid UTF-8 text': Buffer.concat([Buffer.from([0x81, 0x82]), MASK, Buffer.from([0xc3 ^ 1, 0x28 ^ 2])]),
  'fragmented control frame': Buffer.concat([Buffer.from([0x09, 0x80]), MASK]),
  'control frame over 125 bytes': Buffer.concat([Buffer.from([0x89, 0xfe, 0x00, 0x80]), MASK, Buffer.alloc(128)]),
}

/** Upgrades a raw socket to /api/events, sends `frame`, resolves when the server hangs up. */
export function sendRawFrame(port: number, frame: Buffer, origin?: string): Promise<'closed' | 'reset'> {
  return new Promise((ok, fail) => {
    const s = connect(port, '127.0.0.1')
    let head = ''
    let upgraded = false
    s.on('data', (d) => {
      if (upgraded) return
      head += d.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      if (!head.startsWith('HTTP/1.1 101')) return fail(new Error(`upgrade refused: ${head.split('\r\n')[0]}`))
      upgraded = true
      s.write(frame)
    })
    s.on('error', () => ok('reset'))
    s.on('close', () => ok('closed'))
    s.setTimeout(10_000, () => {
      s.destroy()
      fail(new Error('the server neither closed the connection nor answered'))
    })
    s.write(
      `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        (origin ? `Origin: ${origin}\r\n` : '') +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
  })
}

export interface ProbeResult {
  name: string
  expected: string
  got: string
  pass: boolean
}

interface Probe {
  name: string
  expected: string
  run(port: number): Promise<string>
}

const status = (r: Promise<HttpAnswer>): Promise<string> => r.then((a) => String(a.status))

/** Every probe of the host's hardening; `expected` is compared with `got` as text. */
export const PROBES: Probe[] = [
  ...Object.entries(BAD_FRAMES).map(([name, frame]) => ({
    name: `WebSocket: ${name}`,
    expected: 'connection closed',
    run: (port: number) => sendRawFrame(port, frame).then(() => 'connection closed'),
  })),
  { name: 'GET /%', expected: '400', run: (p) => status(call(p, '/%')) },
  { name: 'POST /api/% (bad escape in a method name)', expected: '400', run: (p) => status(call(p, '/api/%', { method: 'POST', headers: { 'content-type': 'application/json' } })) },
  {
    name: 'body of 2 MiB',
    expected: '413',
    run: (p) => status(call(p, '/api/getInfo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ arg: 'x'.repeat(2 << 20) }) })),
  },
  { name: 'unknown scan id', expected: '404', run: (p) => status(postJson(p, 'getScan', { id: 987_654 })) },
  { name: 'unknown API method', expected: '404', run: (p) => status(postJson(p, 'dropEverything', undefined)) },
  { name: 'argument of the wrong type', expected: '400', run: (p) => status(postJson(p, 'getScan', { id: 'x' })) },
  { name: 'body not JSON', expected: '400', run: (p) => status(call(p, '/api/getInfo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })) },
  { name: 'Content-Type application/jsonx', expected: '415', run: (p) => status(call(p, '/api/getInfo', { method: 'POST', headers: { 'content-type': 'application/jsonx' }, body: '{}' })) },
  { name: 'Content-Type text/plain (a form post)', expected: '415', run: (p) => status(call(p, '/api/getInfo', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' })) },
  { name: 'GET on the API', expected: '405', run: (p) => status(call(p, '/api/getInfo')) },
  { name: 'foreign Host (DNS rebinding)', expected: '403', run: (p) => status(postJson(p, 'getInfo', undefined, { host: `evil.example:${p}` })) },
  { name: 'foreign Origin (CSRF)', expected: '403', run: (p) => status(postJson(p, 'getInfo', undefined, { origin: 'http://evil.example' })) },
  {
    name: 'WebSocket from a foreign Origin',
    expected: 'refused',
    run: (p) => sendRawFrame(p, Buffer.alloc(0), 'http://evil.example').then(() => 'accepted', (e: Error) => (/403/.test(e.message) ? 'refused' : e.message)),
  },
  {
    name: 'API answer headers',
    expected: 'nosniff no-referrer',
    run: async (p) => {
      const r = await postJson(p, 'getScan', { id: 'x' })
      return `${String(r.headers['x-content-type-options'])} ${String(r.headers['referrer-policy'])}`
    },
  },
  {
    name: 'path traversal (/%2e%2e/…)',
    expected: 'not served',
    run: async (p) => ((await call(p, '/%2e%2e/%2e%2e/etc/passwd')).body.includes('root:') ? 'served' : 'not served'),
  },
]

/** Runs every probe; after each, checks the host still answers a plain call. */
export async function runHostProbes(port: number): Promise<{ results: ProbeResult[]; alive: boolean }> {
  const results: ProbeResult[] = []
  let alive = true
  for (const p of PROBES) {
    let got: string
    try {
      got = await p.run(port)
    } catch (e) {
      got = `error: ${(e as Error).message}`
    }
    results.push({ name: p.name, expected: p.expected, got, pass: got === p.expected })
    const after = await postJson(port, 'getInfo', undefined).then((r) => r.status, () => 0)
    if (after !== 200) {
      alive = false
      break
    }
  }
  return { results, alive }
}
