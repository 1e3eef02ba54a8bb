import { mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createCore, type Core } from '../src/main/core'
import { startWebHost, type WebHost } from '../src/main/host/webHost'
import { insertScans } from './helpers/seedDb'
import { tempDir } from './helpers/tmp'

/** Raw HTTP so the test controls Host and Origin exactly as an attacker's browser would. */
function call(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
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

const post = (port: number, method: string, arg: unknown, headers: Record<string, string> = {}) =>
  call(port, `/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ arg }),
  })

describe('web host', () => {
  const dir = tempDir()
  let core: Core
  let host: WebHost
  let scanIds: number[]
  beforeAll(async () => {
    const staticDir = join(dir, 'static')
    mkdirSync(staticDir)
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>')
    writeFileSync(join(dir, 'secret.txt'), 'do not serve')
    core = createCore(join(dir, 'w.sqlite'))
    scanIds = insertScans(core.db, '/data/x', [{ folder: 'p1', patientId: 'A' }])
    host = await startWebHost({ api: core.api, staticDir, port: 0 })
  })
  afterAll(async () => {
    await host.close()
    core.close()
  })

  it('listens on 127.0.0.1 only', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
  })

  it('refuses to bind beyond loopback', async () => {
    for (const h of ['0.0.0.0', '::', '192.168.1.10']) {
      await expect(startWebHost({ api: core.api, staticDir: dir, host: h })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' })
    }
  })

  it('answers API calls through the same router as IPC', async () => {
    const r = await post(host.port, 'getScan', { id: scanIds[0] })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, result: { folder: 'p1', patientId: 'A' } })
    const bad = JSON.parse((await post(host.port, 'getScan', { id: 'x' })).body)
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } })
  })

  it('rejects a foreign Host (DNS rebinding) and a foreign Origin (CSRF)', async () => {
    expect((await post(host.port, 'getInfo', undefined, { host: `evil.example:${host.port}` })).status).toBe(403)
    expect((await post(host.port, 'getInfo', undefined, { origin: 'http://evil.example' })).status).toBe(403)
    expect((await post(host.port, 'getInfo', undefined, { origin: `http://127.0.0.1:${host.port}` })).status).toBe(200)
    // A form post cannot set JSON content type: refused, so no simple cross-site request works.
    const form = await call(host.port, '/api/setReview', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    })
    expect(form.status).toBe(415)
  })

  it('serves the renderer with a CSP and never a file outside its folder', async () => {
    const index = await call(host.port, '/')
    expect(index.status).toBe(200)
    expect(String(index.headers['content-security-policy'])).toContain("default-src 'self'")
    const trav = await call(host.port, '/../secret.txt')
    expect(trav.body).not.toContain('do not serve')
    const enc = await call(host.port, '/%2e%2e/secret.txt')
    expect(enc.body).not.toContain('do not serve')
  })

  it('streams progress events over WebSocket, and refuses a foreign origin', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events`)
    await new Promise((ok, fail) => {
      ws.once('open', ok)
      ws.once('error', fail)
    })
    const got = new Promise<unknown>((ok) => ws.once('message', (m) => ok(JSON.parse(String(m)))))
    core.events.emit('onProgress', { phase: 'process', done: 1, total: 4, etaSeconds: 9, current: 'p1' })
    expect(await got).toEqual({
      event: 'onProgress',
      payload: { phase: 'process', done: 1, total: 4, etaSeconds: 9, current: 'p1' },
    })
    ws.close()

    const evil = new WebSocket(`ws://127.0.0.1:${host.port}/api/events`, { headers: { origin: 'http://evil.example' } })
    const outcome = await new Promise<string>((ok) => {
      evil.once('open', () => ok('open'))
      evil.once('error', () => ok('refused'))
    })
    expect(outcome).toBe('refused')
  })
})
