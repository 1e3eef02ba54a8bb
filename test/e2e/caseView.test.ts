/**
 * The 3D case view in real Chromium through the web host, on a processed demo cohort: opened by
 * URL, both performance marks, non-blank 3D and slice views that change with the mask and the
 * preset, a keyboard retry that runs in the app's own engine and shows before/after with a Dice,
 * an accept visible in `ct-curator status`, and no growth of WebGL objects or JS heap over 20
 * case switches.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { writeDemoCohort, writePhantomSeries } from '../../src/main/phantom'
import { ct } from '../helpers/cli'
import { launchChromium, pixelStats, startServe } from '../helpers/browser'
import { tempDir } from '../helpers/tmp'

const artifacts = join(import.meta.dirname, '..', '..', 'test-results')

interface StatusRow {
  id?: number
  folder: string
  review: string
  status: string
  flags: Array<{ code: string }>
}

/** Counts live WebGL textures and buffers per page: created minus deleted, all contexts. */
const GL_COUNTER = `(() => {
  const live = { textures: 0, buffers: 0, framebuffers: 0 }
  window.__gl = live
  for (const C of [WebGL2RenderingContext, WebGLRenderingContext]) {
    const p = C.prototype
    const wrap = (make, drop, key) => {
      const m = p[make], d = p[drop]
      p[make] = function (...a) { const o = m.apply(this, a); if (o) live[key]++; return o }
      p[drop] = function (o) { if (o) live[key]--; return d.call(this, o) }
    }
    wrap('createTexture', 'deleteTexture', 'textures')
    wrap('createBuffer', 'deleteBuffer', 'buffers')
    wrap('createFramebuffer', 'deleteFramebuffer', 'framebuffers')
  }
})()`

interface Dom {
  document: { querySelector(q: string): unknown }
}
interface GlCounts {
  textures: number
  buffers: number
  framebuffers: number
}

async function shot(page: Page, testid: string): Promise<Buffer> {
  return page.getByTestId(testid).screenshot()
}

/** Fraction of pixels that differ by more than a small tolerance between two screenshots. */
async function changed(a: Buffer, b: Buffer): Promise<number> {
  const { PNG } = await import('pngjs')
  const x = PNG.sync.read(a)
  const y = PNG.sync.read(b)
  if (x.width !== y.width || x.height !== y.height) return 1
  let n = 0
  for (let i = 0; i < x.data.length; i += 4) {
    if (Math.abs(x.data[i]! - y.data[i]!) + Math.abs(x.data[i + 1]! - y.data[i + 1]!) + Math.abs(x.data[i + 2]! - y.data[i + 2]!) > 24) n++
  }
  return n / (x.width * x.height)
}

describe('3D case view (web host, real Chromium)', () => {
  const dir = tempDir()
  const root = join(dir, 'cohort')
  const db = join(dir, 'case.sqlite')
  let browser: Browser
  let server: Awaited<ReturnType<typeof startServe>>
  let rows: StatusRow[]
  beforeAll(async () => {
    await writeDemoCohort(root, { patients: 8, seed: 11 })
    const p = await ct(['process', root, '--db', db, '--workers', '2'])
    expect(p.code, p.stderr).toBe(0)
    // One more patient whose run fails: a full-size series given one second.
    await writePhantomSeries(join(root, 'zz-too-slow'), { rows: 512, cols: 512, slices: 120, sliceSpacing: 2.5, seed: 9, patientId: 'SLOW' })
    const slow = await ct(['process', root, '--db', db, '--workers', '1', '--timeout', '1'])
    expect(slow.code, slow.stderr).toBe(0)
    rows = JSON.parse((await ct(['status', '--db', db, '--json'])).stdout) as StatusRow[]
    server = await startServe(db)
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  // First: the retry below starts the server's engine, which requeues a timed-out scan.
  it('shows a failed scan\'s error and the first slice of its series', async () => {
    const failed = rows.find((r) => r.status === 'failed')!
    expect(failed.folder).toBe('zz-too-slow')
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(`${server.url}?scan=${failed.id}`)
    await expect.poll(() => page.getByTestId('case-error').textContent()).toContain('WORKER_TIMEOUT')
    expect(await page.getByTestId('volume-view').count()).toBe(0)
    const slice = page.locator('.source-slice canvas')
    await slice.waitFor({ state: 'visible' })
    const s = pixelStats(await slice.screenshot())
    expect(s.lumaStd).toBeGreaterThan(20) // a chest in the lung window, not a blank
    await page.close()
  })

  it('renders a flagged case by URL, reacts to m and presets, retries by keyboard, shows before/after and records the accept', async () => {
    const flagged = rows.findIndex((r) => r.flags.some((f) => f.code === 'one_lung' || f.code === 'metal'))
    expect(flagged).toBeGreaterThanOrEqual(0)
    const id = flagged + 1 // scan ids follow folder order in a fresh database
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${server.url}?scan=${id}`)
    const mark = (name: string) => page.evaluate((n) => performance.getEntriesByName(n).length, name)
    await expect.poll(() => mark('ctc:volume-first-frame'), { timeout: 120_000, interval: 250 }).toBe(1)
    await expect.poll(() => mark('ctc:volume-full-frame'), { timeout: 120_000, interval: 250 }).toBe(1)
    const [first, full] = await page.evaluate(() => ['ctc:volume-first-frame', 'ctc:volume-full-frame'].map((n) => performance.getEntriesByName(n)[0]!.startTime))
    expect(first).toBeLessThanOrEqual(full!)
    // After the full volume its mask and the metal surface arrive; then the view is settled.
    await page.locator('[data-testid="volume-view"][data-stage="ready"]').waitFor()
    expect(await page.locator('.viewer .loading').count()).toBe(0)

    const views = ['volume-view', 'slice-axial', 'slice-coronal', 'slice-sagittal']
    // Move the crosshair into the right lung (image left), so every slice view cuts a lung.
    const ax = (await page.getByTestId('slice-axial').boundingBox())!
    await page.mouse.click(ax.x + ax.width * 0.36, ax.y + ax.height * 0.45)
    await page.waitForTimeout(600)
    const before = await Promise.all(views.map((v) => shot(page, v)))
    for (const png of before) {
      const s = pixelStats(png)
      expect(s.lumaStd).toBeGreaterThan(8) // not blank
      expect(s.colours).toBeGreaterThan(30)
    }
    // The 3D view shows the blue lung surface.
    const { PNG } = await import('pngjs')
    const vol = PNG.sync.read(before[0]!)
    let blue = 0
    for (let i = 0; i < vol.data.length; i += 4) if (vol.data[i + 2]! > vol.data[i]! + 50) blue++
    expect(blue).toBeGreaterThan(500)

    await page.keyboard.press('m')
    await page.waitForTimeout(600)
    const noMask = await Promise.all(views.map((v) => shot(page, v)))
    for (let i = 0; i < views.length; i++) expect(await changed(before[i]!, noMask[i]!), `${views[i]} after m`).toBeGreaterThan(0.005)
    await page.keyboard.press('m')
    await page.keyboard.press('2')
    await page.waitForTimeout(600)
    const bone = await Promise.all(views.map((v) => shot(page, v)))
    for (let i = 0; i < views.length; i++) expect(await changed(before[i]!, bone[i]!), `${views[i]} after preset 2`).toBeGreaterThan(0.005)
    await page.keyboard.press('1')

    // Histogram of 80 bins.
    await expect(page.getByTestId('hu-histogram').locator('rect.bar').count()).resolves.toBe(80)
    expect(await page.getByTestId('before-after').count()).toBe(0)
    expect(await page.getByTestId('case-error').count()).toBe(0)

    // Retry with 2 mm closing from the keyboard: it runs in the server's own engine.
    await page.getByLabel('Closing radius (mm)').fill('2')
    await page.locator('body').click({ position: { x: 5, y: 880 } })
    await page.keyboard.press('c')
    const ba = page.getByTestId('before-after')
    await ba.waitFor({ timeout: 180_000 })
    const text = (await ba.textContent()) ?? ''
    const dice = Number(/Dice ([0-9.]+)/.exec(text)?.[1])
    expect(dice).toBeGreaterThan(0)
    expect(dice).toBeLessThanOrEqual(1)
    expect(text).toContain('2 mm')
    // The retried run kept the mode of the run it retried.
    expect(text.match(/robust/g)?.length).toBe(2)
    await page.keyboard.press('b')
    await page.waitForTimeout(800)
    const withBefore = await shot(page, 'volume-view')
    let orange = 0
    const wb = PNG.sync.read(withBefore)
    for (let i = 0; i < wb.data.length; i += 4) if (wb.data[i]! > wb.data[i + 2]! + 60 && wb.data[i + 1]! > 80) orange++
    expect(orange).toBeGreaterThan(200)

    // Accept the new run (flagged masks need the confirmation: A accepts at once).
    await ba.getByRole('button', { name: 'Accept the new run' }).click()
    await expect
      .poll(async () => (JSON.parse((await ct(['status', '--db', db, '--json'])).stdout) as StatusRow[])[id - 1]!.review, { timeout: 20_000 })
      .toBe('accepted')
    mkdirSync(artifacts, { recursive: true })
    writeFileSync(join(artifacts, 'case-view.png'), await page.screenshot())
    expect(errors).toEqual([])
  })

  it('releases GPU objects and heap across 20 case switches', { timeout: 600_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.addInitScript(GL_COUNTER)
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${server.url}?scan=1`)
    // Functions, not strings: the page's CSP forbids eval.
    const present = (sel: string) => page.waitForFunction((q) => !!(globalThis as unknown as Dom).document.querySelector(q), sel, { timeout: 120_000 })
    const ready = (id: number) => present(`[data-testid="volume-view"][data-stage="ready"][data-scan-id="${id}"]`)
    await ready(1)
    let at = 1
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    const measure = async (): Promise<{ heap: number; gl: { textures: number; buffers: number; framebuffers: number } }> => {
      await cdp.send('HeapProfiler.collectGarbage')
      const m = (await cdp.send('Performance.getMetrics')).metrics.find((x) => x.name === 'JSHeapUsedSize')!.value
      return { heap: m, gl: await page.evaluate(() => ({ ...(globalThis as unknown as { __gl: GlCounts }).__gl })) }
    }
    // Two switches to reach a steady state (shader programs, caches), then 20 measured.
    for (const k of ['j', 'k']) {
      await page.keyboard.press(k)
      at += k === 'j' ? 1 : -1
      await ready(at)
    }
    const start = await measure()
    // Switch 20 times, each time as soon as the quick half-resolution picture is up: the full
    // volume's load is cancelled mid-flight half of the time.
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press(i % 2 === 0 ? 'j' : 'k')
      at += i % 2 === 0 ? 1 : -1
      await present(`[data-testid="volume-view"][data-scan-id="${at}"]:not([data-stage="half"])`)
    }
    await ready(at)
    const end = await measure()
    expect(end.gl.textures).toBeLessThanOrEqual(start.gl.textures)
    expect(end.gl.buffers).toBeLessThanOrEqual(start.gl.buffers)
    expect(end.gl.framebuffers).toBeLessThanOrEqual(start.gl.framebuffers)
    // A volume is tens of MB: any case kept alive would show. 8 MB of slack for caches.
    expect(end.heap - start.heap).toBeLessThan(8 * 2 ** 20)
    expect(errors).toEqual([])
  })
})
