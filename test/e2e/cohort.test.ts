/**
 * The cohort sweep in real Chromium through the web host: open a demo cohort from the first
 * screen by typing its path, watch processing in the panel, filter by a flag through the
 * counters, open a tile of the contact sheet, walk the flagged queue by keyboard to its end,
 * undo one decision, and find every decision in `ct-curator status --json`. Then a database of
 * 5,000 scans loads, scrolls and filters.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { writeDemoCohort } from '../../src/main/phantom'
import { openDb } from '../../src/main/store/db'
import { ct } from '../helpers/cli'
import { launchChromium, pixelStats, startServe } from '../helpers/browser'
import { insertScans } from '../helpers/seedDb'
import { tempDir } from '../helpers/tmp'

const artifacts = join(import.meta.dirname, '..', '..', 'test-results')

interface StatusRow {
  id: number
  folder: string
  review: string
  status: string
  flags: Array<{ code: string }>
}

describe('cohort review (web host, real Chromium)', () => {
  const dir = tempDir()
  const root = join(dir, 'cohort')
  const db = join(dir, 'cohort.ctc.sqlite')
  let browser: Browser
  let server: Awaited<ReturnType<typeof startServe>>
  beforeAll(async () => {
    process.env.XDG_CONFIG_HOME = join(dir, 'config') // recent datasets of this test only
    await writeDemoCohort(root, { patients: 8, seed: 5 })
    server = await startServe(join(dir, 'start.sqlite'))
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('opens, processes, filters, shows the sheet, and walks the flagged queue by keyboard', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(server.url)
    await page.getByRole('heading', { name: 'Open a dataset' }).waitFor()
    await page.getByLabel('Root folder').fill(join(dir, 'nowhere'))
    await page.getByText(/There is no folder/).waitFor()
    await page.getByLabel('Root folder').fill(root)
    await page.getByText(/entries in/).waitFor()
    expect(await page.getByLabel('Database file').inputValue()).toBe(db)
    await page.getByRole('button', { name: 'Open', exact: true }).click()

    // Processing starts by itself; the panel shows the engine's run and its workers.
    const panel = page.getByTestId('processing-panel')
    await panel.waitFor({ timeout: 60_000 })
    await expect.poll(() => panel.locator('.pp-workers li a').count(), { timeout: 60_000 }).toBeGreaterThan(0)
    expect(await panel.textContent()).toMatch(/\d+ \/ 8/)
    // It survives a reload: the state is the engine's.
    await page.reload()
    await page.getByTestId('processing-panel').waitFor({ timeout: 30_000 }).catch(() => undefined)
    const table = page.getByTestId('cohort-table')
    await expect.poll(() => table.locator('.pill.done').count(), { timeout: 300_000, interval: 1000 }).toBe(8)
    await expect.poll(() => page.getByTestId('processing-panel').count(), { timeout: 30_000 }).toBe(0)
    const status = async (): Promise<StatusRow[]> => JSON.parse((await ct(['status', '--db', db, '--json'])).stdout) as StatusRow[]
    const rows = await status()
    expect(rows.length).toBe(8)

    // Filter by a flag through its counter: the URL carries it, the table shows just those.
    const code = rows.flatMap((r) => r.flags.map((f) => f.code)).sort()[0]!
    const n = rows.filter((r) => r.flags.some((f) => f.code === code)).length
    await page.locator('.flag-chips button', { hasText: code }).click()
    expect(new URL(page.url()).searchParams.get('flag')).toBe(code)
    await expect.poll(() => table.locator('tbody tr[data-scan-id]').count()).toBe(n)
    // Headers sort: descending mask puts the largest fraction first.
    await page.locator('.flag-chips button', { hasText: code }).click()
    await page.getByRole('button', { name: /^Mask/ }).click()
    await page.getByRole('button', { name: /^Mask/ }).click()
    expect(new URL(page.url()).searchParams.get('sort')).toBe('-mask')
    const firstId = Number(await table.locator('tbody tr[data-scan-id]').first().getAttribute('data-scan-id'))
    const maxMask = Math.max(...(await status()).map((r) => (r as unknown as { maskFraction: number }).maskFraction))
    expect((rows.find((r) => r.id === firstId) as unknown as { maskFraction: number }).maskFraction).toBe(maxMask)

    // The contact sheet: a tile per scan with its picture; a click opens the case.
    await page.getByRole('button', { name: 'Sheet' }).click()
    const sheet = page.getByTestId('contact-sheet')
    await expect.poll(() => sheet.locator('[data-scan-id]').count()).toBe(8)
    await expect.poll(() => sheet.locator('img').evaluateAll((imgs) => imgs.filter((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0).length), { timeout: 30_000 }).toBe(8)
    const sheetPng = await sheet.screenshot()
    expect(pixelStats(sheetPng).colours).toBeGreaterThan(40)
    mkdirSync(artifacts, { recursive: true })
    writeFileSync(join(artifacts, 'contact-sheet.png'), sheetPng)
    const tile = sheet.locator('[data-scan-id]').nth(2)
    const tileId = await tile.getAttribute('data-scan-id')
    await tile.click()
    expect(new URL(page.url()).searchParams.get('scan')).toBe(tileId)
    await page.getByTestId('volume-view').waitFor()
    await page.keyboard.press('Escape')
    await page.getByTestId('contact-sheet').waitFor()

    // The flagged queue, by keyboard: accept the first (confirming if its mask is flagged), reject the rest.
    const flagged = rows.filter((r) => r.flags.length > 0)
    expect(flagged.length).toBeGreaterThan(1)
    await page.getByRole('button', { name: `Review flagged (${flagged.length})` }).click()
    const progress = page.getByTestId('queue-progress')
    await expect.poll(() => progress.textContent()).toContain(`0 / ${flagged.length} decided`)
    const decided = new Map<number, string>()
    const MASK_FLAGS = ['tiny_mask', 'border_touching', 'one_lung', 'abdominal_gas', 'airways_in_mask']
    let confirmed = 0
    for (let i = 0; i < flagged.length; i++) {
      const id = Number(new URL(page.url()).searchParams.get('scan'))
      // Decide once this case is on screen (keys act on the case shown).
      await page.locator(`[data-testid="volume-view"][data-scan-id="${id}"]`).waitFor()
      const maskFlagged = rows.find((r) => r.id === id)!.flags.some((f) => MASK_FLAGS.includes(f.code))
      if (maskFlagged) {
        // Accepting a flagged mask asks first and saves nothing until confirmed.
        await page.keyboard.press('a')
        await page.getByRole('alertdialog', { name: 'Confirm accept' }).waitFor()
        expect((await status()).find((r) => r.id === id)!.review).toBe('unreviewed')
        await page.keyboard.press('Enter')
        decided.set(id, 'accepted')
        confirmed++
      } else {
        await page.keyboard.press('r')
        decided.set(id, 'rejected')
      }
      if (i < flagged.length - 1) {
        await expect.poll(() => Number(new URL(page.url()).searchParams.get('scan'))).not.toBe(id)
        await expect.poll(() => progress.textContent()).toContain(`${i + 1} / ${flagged.length} decided`)
      }
    }
    expect(confirmed).toBeGreaterThan(0)
    await page.getByText(/Review queue finished/).waitFor()
    // Undo the last decision: that scan is open again and unreviewed.
    const last = [...decided.keys()].at(-1)!
    await page.keyboard.press('u')
    await expect.poll(() => Number(new URL(page.url()).searchParams.get('scan'))).toBe(last)
    decided.set(last, 'unreviewed')
    await expect
      .poll(async () => {
        const now = await status()
        return [...decided].every(([id, review]) => now.find((r) => r.id === id)?.review === review)
      }, { timeout: 20_000 })
      .toBe(true)
    expect(errors).toEqual([])
  })

  it('loads, scrolls and filters 5,000 scans', async () => {
    const big = join(dir, 'big.sqlite')
    const handle = openDb(big)
    const ids = insertScans(
      handle,
      '/data/nlst',
      Array.from({ length: 5000 }, (_, i) => ({ folder: `nlst-${String(i).padStart(5, '0')}`, patientId: `P${i}` })),
    )
    // Every 7th scan flagged tiny_mask, every 11th done with a mask fraction.
    const flag = handle.prepare('UPDATE scans SET geometry_flags_json = ? WHERE id = ?')
    handle.transaction(() => {
      for (const [i, id] of ids.entries()) if (i % 7 === 0) flag.run(JSON.stringify([{ code: 'tiny_mask', value: 0.01, threshold: 0.02, message: 'small' }]), id)
    })()
    handle.close()
    const srv = await startServe(big)
    try {
      const page = await browser.newPage({ viewport: { width: 1024, height: 768 } })
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(srv.url)
      await expect.poll(() => page.evaluate(() => performance.getEntriesByName('ctc:table-ready').length), { timeout: 60_000 }).toBe(1)
      const table = page.getByTestId('cohort-table')
      // Virtualised: a page of rows in the DOM, not 5,000.
      const inDom = await table.locator('tbody tr[data-scan-id]').count()
      expect(inDom).toBeGreaterThan(10)
      expect(inDom).toBeLessThan(200)
      // At 1024 px every column is on screen.
      for (const h of ['Folder', 'Flags', 'Mask', 'Slices']) {
        const box = (await table.getByRole('button', { name: new RegExp(`^${h}`) }).boundingBox())!
        expect(box.x + box.width).toBeLessThanOrEqual(1024)
      }
      await table.evaluate((el) => ((el as unknown as { scrollTop: number; scrollHeight: number }).scrollTop = (el as unknown as { scrollHeight: number }).scrollHeight))
      await expect.poll(() => table.locator('tr[data-scan-id]').last().textContent()).toContain('nlst-04999')
      await page.goto(`${srv.url}?flag=tiny_mask&review=unreviewed`)
      await expect.poll(() => page.getByText(/of 5000 scans/).textContent()).toContain(`${Math.ceil(5000 / 7)} of 5000`)
      await page.getByLabel('Search folder, patient or series').fill('nlst-0490')
      await expect.poll(() => table.locator('tbody tr[data-scan-id]').count()).toBe(2) // 04900 and 04907
      expect(errors).toEqual([])
    } finally {
      await srv.stop()
    }
  })
})
