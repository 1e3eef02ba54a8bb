import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createCore, type Core } from '../src/main/core'
import { httpStatusOf, isJsonMediaType, startWebHost, type WebHost } from '../src/main/host/webHost'
import { insertScans } from './helpers/seedDb'
import { tempDir } from './helpers/tmp'
import { BAD_FRAMES, PROBES, call, runHostProbes, sendRawFrame } from './hardening/hostProbes'
import { spawnProbeHost } from './hardening/spawnHost'

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

  it('answers API errors with a 4xx/5xx status and the same JSON envelope', async () => {
    const missing = await post(host.port, 'getScan', { id: 999_999 })
    expect(missing.status).toBe(404)
    expect(JSON.parse(missing.body)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    const bad = await post(host.port, 'getScan', { id: 'x' })
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } })
    const unknown = await post(host.port, 'dropDatabase', undefined)
    expect(unknown.status).toBe(404)
    expect(httpStatusOf('INTERNAL')).toBe(500)
    expect(httpStatusOf('WORKER_CRASHED')).toBe(500)
  })

  it('compares the Content-Type media type exactly; parameters are allowed', async () => {
    for (const ct of ['application/jsonx', 'application/json-patch+json', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await call(host.port, '/api/getInfo', { method: 'POST', headers: { 'content-type': ct }, body: '{}' })
      expect(r.status, ct).toBe(415)
    }
    for (const ct of ['application/json; charset=utf-8', 'Application/JSON', 'application/json ;charset=UTF-8']) {
      const r = await call(host.port, '/api/getInfo', { method: 'POST', headers: { 'content-type': ct }, body: '{}' })
      expect(r.status, ct).toBe(200)
    }
    expect(isJsonMediaType(undefined)).toBe(false)
  })

  it('sends nosniff and a Referrer-Policy on API answers, errors included', async () => {
    for (const r of [await post(host.port, 'getInfo', undefined), await post(host.port, 'getScan', { id: 'x' })]) {
      expect(r.headers['x-content-type-options']).toBe('nosniff')
      expect(r.headers['referrer-policy']).toBe('no-referrer')
    }
  })

  it('answers a malformed URL escape with 400, not a crash', async () => {
    for (const path of ['/%', '/%E0%A4%A', '/api/%']) {
      const r = await call(host.port, path, { method: path.startsWith('/api') ? 'POST' : 'GET', headers: { 'content-type': 'application/json' } })
      expect(r.status, path).toBe(400)
    }
    expect((await call(host.port, '/')).status).toBe(200)
  })

  it('answers a body over 1 MiB with 413 (not a reset), and goes on serving', async () => {
    const big = JSON.stringify({ arg: 'x'.repeat(2 * 1024 * 1024) })
    const r = await call(host.port, '/api/getInfo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })
    expect(r.status).toBe(413)
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } })
    // Just under the limit is read and parsed.
    const ok = await call(host.port, '/api/getInfo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ arg: 'y'.repeat(1024 * 1024 - 100) }),
    })
    expect(ok.status).not.toBe(413)
  })

  it('survives malformed and oversized WebSocket frames; other clients keep their events', async () => {
    const listener = new WebSocket(`ws://127.0.0.1:${host.port}/api/events`)
    await new Promise((ok, fail) => {
      listener.once('open', ok)
      listener.once('error', fail)
    })
    for (const [name, frame] of Object.entries(BAD_FRAMES)) {
      expect(await sendRawFrame(host.port, frame), name).toMatch(/closed|reset/)
      expect((await post(host.port, 'getInfo', undefined)).status, name).toBe(200)
    }
    const got = new Promise<unknown>((ok) => listener.once('message', (m) => ok(JSON.parse(String(m)))))
    core.events.emit('onProgress', { phase: 'process', done: 2, total: 4, etaSeconds: 1, current: 'p1' })
    expect(await got).toMatchObject({ event: 'onProgress', payload: { done: 2 } })
    listener.close()
  })
})

describe('web host in its own process, under every hostile probe', () => {
  const dir = tempDir()
  it('answers each probe as specified and is still alive after each', async () => {
    const { child, port, exited } = await spawnProbeHost(dir)
    try {
      const { results, alive } = await runHostProbes(port)
      expect(results.filter((r) => !r.pass)).toEqual([])
      expect(results.length).toBe(PROBES.length)
      expect(alive).toBe(true)
      expect(exited()).toBe(false)
    } finally {
      child.kill('SIGTERM')
    }
  })
})
