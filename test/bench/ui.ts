/**
 * The renderer's numbers in headless Chromium, as a user meets them (web host, real page):
 *
 * caseview — navigation → `ctc:volume-first-frame` and → `ctc:volume-full-frame` for a scan
 *   whose resampled volume is 350×350×350, beside a bare page (vtk.js alone, the same volume,
 *   transfer function and sample distance, from the same server) in the same browser; best of
 *   3, runs alternated. Also the lung surface's triangles and bytes and the worker's time to
 *   make it against the scan's whole pipeline time.
 * cohort — with 5,000 scans in the database: navigation → `ctc:table-ready`, the time to apply
 *   a filter, and the longest frame while scrolling the table and the contact sheet to the end.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { writePhantomSeries } from '../../src/main/phantom'
import { openDb } from '../../src/main/store/db'
import { launchChromium, startServe } from '../helpers/browser'
import { insertScans } from '../helpers/seedDb'
import { type BenchContext, CACHE_ROOT, REPO_ROOT, cachedInput } from './common'

// Used only inside page.evaluate (the browser's), typed here for the node type-check.
declare const requestAnimationFrame: (cb: () => void) => number

const CLI = join(REPO_ROOT, 'bin', 'ct-curator.mjs')
const best = (xs: number[]): number => Math.min(...xs)
const f1 = (x: number): string => x.toFixed(0).padStart(6)

async function markTime(page: Page, name: string, timeoutMs = 180_000): Promise<number> {
  await page.waitForFunction((n) => performance.getEntriesByName(n).length > 0, name, { timeout: timeoutMs })
  return page.evaluate((n) => performance.getEntriesByName(n)[0]!.startTime, name)
}

export async function runCaseViewBench(_ctx: BenchContext): Promise<void> {
  console.log('\n## Case view: progressive loading vs a bare vtk.js page (350×350×350 int16)')
  const input = await cachedInput('caseview-350', { n: 350, v: 1 }, async (dir) => {
    await writePhantomSeries(join(dir, 'patient'), { rows: 350, cols: 350, slices: 350, pixelSpacing: 1, sliceSpacing: 1, seed: 3, patientId: 'BENCH350' })
  })
  const work = join(CACHE_ROOT, 'caseview-run')
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  const db = join(work, 'bench.sqlite')
  const p = spawnSync(process.execPath, [CLI, 'process', input.dir, '--db', db, '--workers', '1'], { encoding: 'utf8' })
  if (p.status !== 0) throw new Error(`process failed: ${p.stderr}`)
  const handle = openDb(db)
  const run = handle.prepare("SELECT result_json, cache_dir FROM runs WHERE status = 'done' ORDER BY id LIMIT 1").get() as { result_json: string; cache_dir: string }
  handle.close()
  const result = JSON.parse(run.result_json) as { resampledShape: number[]; timingsMs: Record<string, number>; surfaceTriangles?: number }
  const total = Object.values(result.timingsMs).reduce((a, b) => a + b, 0)
  const surfaceMs = result.timingsMs.surface ?? NaN
  const surfBytes = readFileSync(join(run.cache_dir, 'surface_lung.bin')).byteLength
  console.log(`resampled shape ${result.resampledShape.join('×')}; pipeline ${(total / 1000).toFixed(2)} s in the worker`)
  console.log(
    `lung surface: ${result.surfaceTriangles ?? '?'} triangles, ${(surfBytes / 2 ** 20).toFixed(2)} MB, made in ${surfaceMs.toFixed(0)} ms = ${((100 * surfaceMs) / total).toFixed(1)} % of the pipeline (goal < 10 %)`,
  )
  const server = await startServe(db)
  const browser: Browser = await launchChromium()
  try {
    const first: number[] = []
    const full: number[] = []
    const bare: number[] = []
    let size = { width: 0, height: 0 }
    for (let i = 0; i < 3; i++) {
      for (const which of i % 2 === 0 ? ['app', 'bare'] : ['bare', 'app']) {
        const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
        const page = await context.newPage()
        if (which === 'app') {
          await page.goto(`${server.url}?scan=1`)
          first.push(await markTime(page, 'ctc:volume-first-frame'))
          full.push(await markTime(page, 'ctc:volume-full-frame'))
          const box = (await page.getByTestId('volume-view').boundingBox())!
          size = { width: Math.round(box.width), height: Math.round(box.height) }
        } else {
          await page.goto(`${server.url}bare.html?scan=1${size.width ? `&w=${size.width}&h=${size.height}` : '&w=488&h=344'}`)
          bare.push(await markTime(page, 'bare:full-frame'))
        }
        await context.close()
      }
    }
    console.log('                         best ms   runs')
    console.log(`bare page, full volume  ${f1(best(bare))}   ${bare.map((x) => x.toFixed(0)).join(', ')}`)
    console.log(`app, first frame        ${f1(best(first))}   ${first.map((x) => x.toFixed(0)).join(', ')}`)
    console.log(`app, full frame         ${f1(best(full))}   ${full.map((x) => x.toFixed(0)).join(', ')}`)
    console.log(`first frame / bare = ${(best(first) / best(bare)).toFixed(2)} (goal ≤ 0.5); full frame / bare = ${(best(full) / best(bare)).toFixed(2)} (goal ≤ 1.3)`)
  } finally {
    await browser.close()
    await server.stop()
  }
}

/** Longest gap between animation frames while `step` runs, ms. */
async function longestFrame(page: Page, step: () => Promise<void>): Promise<number> {
  // No named functions inside evaluate: the TypeScript loader would wrap them in a helper the
  // page does not have.
  await page.evaluate(() => {
    const w = globalThis as unknown as { __frames: number[]; __stop: boolean }
    w.__frames = []
    w.__stop = false
    void (async () => {
      let last = performance.now()
      while (!w.__stop) {
        await new Promise((ok) => requestAnimationFrame(() => ok(null)))
        const now = performance.now()
        w.__frames.push(now - last)
        last = now
      }
    })()
  })
  await step()
  return page.evaluate(() => {
    const w = globalThis as unknown as { __frames: number[]; __stop: boolean }
    w.__stop = true
    return Math.max(...w.__frames.slice(1))
  })
}

async function scrollToEnd(page: Page, testid: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const done = await page.getByTestId(testid).evaluate((el) => {
      const e = el as unknown as { scrollTop: number; scrollHeight: number; clientHeight: number }
      e.scrollTop += e.clientHeight * 0.9
      return e.scrollTop + e.clientHeight >= e.scrollHeight - 1
    })
    await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => ok(null))))
    if (done) break
  }
}

export async function runCohortBench(_ctx: BenchContext): Promise<void> {
  console.log('\n## Cohort view with 5,000 scans (headless Chromium, 1440×900)')
  const work = join(CACHE_ROOT, 'cohort-5000')
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  const db = join(work, 'big.sqlite')
  const h = openDb(db)
  const ids = insertScans(h, '/data/nlst', Array.from({ length: 5000 }, (_, i) => ({ folder: `nlst-${String(i).padStart(5, '0')}`, patientId: `P${i}` })))
  const flag = h.prepare('UPDATE scans SET geometry_flags_json = ? WHERE id = ?')
  h.transaction(() => {
    for (const [i, id] of ids.entries()) if (i % 7 === 0) flag.run(JSON.stringify([{ code: 'tiny_mask', value: 0.01, threshold: 0.02, message: 'small' }]), id)
  })()
  h.close()
  const server = await startServe(db)
  const browser = await launchChromium()
  try {
    const ready: number[] = []
    const filter: number[] = []
    const tableFrame: number[] = []
    const sheetFrame: number[] = []
    for (let i = 0; i < 3; i++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
      const page = await context.newPage()
      await page.goto(server.url)
      ready.push(await markTime(page, 'ctc:table-ready', 60_000))
      // Filter: from the click on a counter to the frame that shows the filtered rows.
      filter.push(
        await page.evaluate(async () => {
          const d = (globalThis as unknown as { document: { querySelector(q: string): { click(): void; textContent: string } | null } }).document
          const t0 = performance.now()
          d.querySelector('.flag-chips button')!.click()
          while (!/^715 of 5000/.test(d.querySelector('.filter-bar [aria-live]')?.textContent ?? '')) {
            await new Promise((ok) => requestAnimationFrame(() => ok(null)))
          }
          return performance.now() - t0
        }),
      )
      await page.goto(server.url)
      await markTime(page, 'ctc:table-ready', 60_000)
      tableFrame.push(await longestFrame(page, () => scrollToEnd(page, 'cohort-table')))
      await page.goto(`${server.url}?view=sheet`)
      await page.getByTestId('contact-sheet').waitFor()
      sheetFrame.push(await longestFrame(page, () => scrollToEnd(page, 'contact-sheet')))
      await context.close()
    }
    console.log('                                   best ms   runs             goal')
    console.log(`navigation → ctc:table-ready        ${f1(best(ready))}   ${ready.map((x) => x.toFixed(0)).join(', ').padEnd(16)} < 1000`)
    console.log(`apply a filter (counter click)      ${f1(best(filter))}   ${filter.map((x) => x.toFixed(0)).join(', ').padEnd(16)} < 100`)
    console.log(`longest frame, table scroll         ${f1(best(tableFrame))}   ${tableFrame.map((x) => x.toFixed(0)).join(', ').padEnd(16)} < 50`)
    console.log(`longest frame, contact-sheet scroll ${f1(best(sheetFrame))}   ${sheetFrame.map((x) => x.toFixed(0)).join(', ').padEnd(16)} < 50`)
  } finally {
    await browser.close()
    await server.stop()
  }
}
