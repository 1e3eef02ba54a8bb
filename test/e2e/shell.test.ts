import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium, pixelStats, startServe } from '../helpers/browser'
import { tempDir } from '../helpers/tmp'

const artifacts = join(import.meta.dirname, '..', '..', 'test-results')

describe('app shell through the web host in real Chromium', () => {
  const dir = tempDir()
  let browser: Browser
  let server: Awaited<ReturnType<typeof startServe>>
  beforeAll(async () => {
    server = await startServe(join(dir, 'demo.sqlite'))
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('renders the empty app, talks to the API over HTTP, and is not blank', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await page.goto(server.url)
    await page.getByRole('heading', { name: 'Open a dataset' }).waitFor()
    // The version comes from getInfo over HTTP: proves the transport, not just static HTML.
    await page.getByText(/^v\d+\.\d+\.\d+$/).waitFor()
    expect(await page.evaluate(() => 'api' in globalThis)).toBe(false)
    const png = await page.screenshot()
    mkdirSync(artifacts, { recursive: true })
    writeFileSync(join(artifacts, 'app-shell.png'), png)
    const stats = pixelStats(png)
    expect(stats.width).toBe(1280)
    expect(stats.lumaStd).toBeGreaterThan(8)
    expect(stats.colours).toBeGreaterThan(20)
    expect(errors).toEqual([])
  })
})
