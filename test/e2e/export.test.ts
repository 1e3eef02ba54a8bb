/**
 * The Export dialog in real Chromium through the web host: fields, the summary with
 * what was skipped and why, Escape to close; the dataset on disk has the options chosen.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { writePhantomSeries } from '../../src/main/phantom'
import { ct } from '../helpers/cli'
import { launchChromium, startServe } from '../helpers/browser'
import { tempDir } from '../helpers/tmp'

describe('Export dialog (web host, real Chromium)', () => {
  const dir = tempDir()
  const root = join(dir, 'cohort')
  const db = join(dir, 'db.sqlite')
  let browser: Browser
  let server: Awaited<ReturnType<typeof startServe>>
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) await writePhantomSeries(join(root, `p${i}`), { rows: 64, cols: 64, slices: 30, sliceSpacing: 5, seed: 70 + i, patientId: `EXP${i}` })
    const p = await ct(['process', root, '--db', db, '--workers', '2'])
    expect(p.code, p.stderr).toBe(0)
    expect((await ct(['review', 'p0', '--db', db, '--accept'])).code).toBe(0)
    expect((await ct(['review', 'p1', '--db', db, '--reject'])).code).toBe(0)
    server = await startServe(db)
    browser = await launchChromium()
  }, 300_000)
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('exports with the chosen options, shows the summary with what was skipped and why, and closes on Escape', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(server.url)
    await page.getByRole('button', { name: 'Export…' }).click()
    const dialog = page.getByTestId('export-dialog')
    await dialog.waitFor()
    // nnU-Net without NIfTI is refused before anything runs.
    await dialog.getByTestId('export-layout').selectOption('nnunet')
    await dialog.getByTestId('export-format-nifti').uncheck()
    await dialog.getByTestId('export-outdir').fill(join(dir, 'Dataset001_Lungs'))
    expect(await dialog.getByTestId('export-start').isDisabled()).toBe(true)
    await dialog.getByTestId('export-format-nifti').check()
    await dialog.getByTestId('export-include').selectOption('done')
    await dialog.getByTestId('export-dilate').fill('2')
    await dialog.getByTestId('export-start').click()
    const summary = dialog.getByTestId('export-summary')
    await summary.waitFor({ timeout: 120_000 })
    // Two cases: p0 (accepted) and p2 (unreviewed); p1 was rejected.
    expect(await summary.textContent()).toMatch(/2 cases exported, 1 skipped/)
    await summary.locator('summary').click()
    expect(await dialog.getByTestId('export-skipped').textContent()).toMatch(/p1: rejected in review/)
    const ds = JSON.parse(readFileSync(join(dir, 'Dataset001_Lungs', 'dataset.json'), 'utf8')) as { numTraining: number; options: { dilateMm: number } }
    expect(ds.numTraining).toBe(2)
    expect(ds.options.dilateMm).toBe(2)
    expect(existsSync(join(dir, 'Dataset001_Lungs', 'imagesTr'))).toBe(true)
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('export-dialog').count()).toBe(0)
    // A target that is not an export is refused with its reason shown.
    await page.getByRole('button', { name: 'Export…' }).click()
    await dialog.getByTestId('export-outdir').fill(root)
    await dialog.getByTestId('export-start').click()
    expect(await dialog.getByTestId('export-error').textContent({ timeout: 30_000 })).toMatch(/BAD_ARGUMENT/)
    expect(errors).toEqual([])
  }, 300_000)
})
