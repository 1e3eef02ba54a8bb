import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { writeDemoCohort } from '../../src/main/phantom'
import { launchChromium, pixelStats, startServe } from '../helpers/browser'
import { tempDir } from '../helpers/tmp'

const artifacts = join(import.meta.dirname, '..', '..', 'test-results')

describe('scan a cohort from the UI and review a scan (web host, real Chromium)', () => {
  const dir = tempDir()
  const root = join(dir, 'cohort')
  let browser: Browser
  let server: Awaited<ReturnType<typeof startServe>>
  beforeAll(async () => {
    await writeDemoCohort(root, { patients: 8, seed: 5 })
    server = await startServe(join(dir, 'ui.sqlite'))
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('lists every patient after Scan, records reviews from the keyboard, processes from the UI', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 820 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(server.url)
    await page.getByLabel('Root folder').fill(root)
    await page.getByRole('button', { name: 'Scan' }).click()
    const rows = page.locator('table.scans tbody tr')
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(8)
    await rows.nth(0).click()
    await page.locator('aside.detail h2').waitFor()
    await page.keyboard.press('a')
    await expect.poll(() => rows.nth(0).locator('.pill.accepted').count()).toBe(1)
    await page.keyboard.press('j')
    await page.keyboard.press('r')
    await expect.poll(() => rows.nth(1).locator('.pill.rejected').count()).toBe(1)
    // Process everything from the UI: progress arrives over the WebSocket, rows turn done.
    await page.getByRole('button', { name: /^Process 8$/ }).click()
    await expect.poll(() => page.locator('table.scans .pill.done').count(), { timeout: 240_000, interval: 500 }).toBe(8)
    // The failure cases carry their mask flags in the table.
    await expect.poll(() => page.locator('table.scans .flag', { hasText: 'one_lung' }).count()).toBeGreaterThan(0)
    await rows.nth(2).click()
    await page.locator('table.runs').waitFor()
    // The result's picture (axial | coronal, mask tinted) loads in the detail panel.
    const picture = page.locator('aside.detail figure.preview img')
    await picture.waitFor()
    await expect.poll(() => picture.evaluate((img) => ((img as { complete: boolean }).complete ? (img as { naturalWidth: number }).naturalWidth : 0))).toBeGreaterThan(100)
    const shot = PNG.sync.read(await picture.screenshot())
    let tinted = 0
    for (let i = 0; i < shot.data.length; i += 4) if (shot.data[i + 2]! > shot.data[i]! + 40) tinted++
    expect(tinted).toBeGreaterThan(200) // the lung mask, in blue over the gray slices
    const png = await page.screenshot()
    mkdirSync(artifacts, { recursive: true })
    writeFileSync(join(artifacts, 'app-scans.png'), png)
    expect(pixelStats(png).colours).toBeGreaterThan(20)
    expect(errors).toEqual([])
  })
})
