/**
 * The cohort level of the API on a real database and real worker processes: opening a dataset
 * from the app (default database beside the root, recent list), skipped files per patient,
 * decisions on many scans, the processing panel's per-worker state, thumbnails.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../src/main/core'
import { writePhantomSeries } from '../src/main/phantom'
import type { ProcessingState, WorkerState } from '../src/shared/api'
import { tempDir } from './helpers/tmp'

describe('cohort API', () => {
  const dir = tempDir()
  const root = join(dir, 'data', 'lungs-2026')
  let core: Core
  beforeAll(async () => {
    // Recent datasets go to the user-data folder: a temporary one for this test.
    process.env.XDG_CONFIG_HOME = join(dir, 'config')
    for (let i = 0; i < 3; i++) {
      await writePhantomSeries(join(root, `p${i}`), { rows: 64, cols: 64, slices: 30, sliceSpacing: 5, seed: 70 + i, patientId: `P${i}` })
    }
    writeFileSync(join(root, 'p1', 'notes.txt'), 'not an image\n')
    mkdirSync(join(dir, 'app'), { recursive: true })
    core = createCore(join(dir, 'app', 'start.sqlite'))
  })
  afterAll(() => core?.close())

  it('checks a typed folder and refuses what cannot be opened', async () => {
    const missing = await core.api.inspectFolder({ path: join(dir, 'nope') })
    expect(missing.exists).toBe(false)
    expect(missing.problem).toMatch(/no folder/)
    const file = await core.api.inspectFolder({ path: join(root, 'p1', 'notes.txt') })
    expect(file.problem).toMatch(/is a file/)
    const ok = await core.api.inspectFolder({ path: root })
    expect(ok).toMatchObject({ exists: true, isDirectory: true, readable: true, entries: 3, problem: null })
    expect(ok.suggestedDb).toBe(join(dirname(root), 'lungs-2026.ctc.sqlite'))
    await expect(core.api.openDataset({ root: join(dir, 'nope') })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(core.api.openDataset({ root, db: join(root, 'inside.sqlite') })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' })
    expect(existsSync(join(root, 'inside.sqlite'))).toBe(false)
  })

  it('opens a dataset: default database beside the root, scanned, remembered, skipped files listed', async () => {
    const r = await core.api.openDataset({ root, process: false })
    expect(r.info.dbPath).toBe(join(dirname(root), 'lungs-2026.ctc.sqlite'))
    expect(core.dbPath).toBe(r.info.dbPath)
    expect(r.scan).toMatchObject({ chosen: 3, skipped: 1 })
    expect(r.processing).toBe(false)
    expect((await core.api.listScans()).length).toBe(3)
    const recent = await core.api.listRecentDatasets()
    expect(recent[0]).toMatchObject({ root, db: r.info.dbPath, available: true })
    const skipped = await core.api.listSkipped()
    expect(skipped).toEqual([expect.objectContaining({ path: 'p1/notes.txt', folder: 'p1', code: expect.stringMatching(/^DICOM_/) })])
    // Before processing a case has no volume to show: a clear NOT_FOUND, not a crash.
    const first = (await core.api.listScans())[0]!
    await expect(core.api.getVolume({ id: first.id, kind: 'ct' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no result yet/) })
    await expect(core.api.getVolume({ id: first.id, kind: 'ct', runId: 9999 })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(core.api.getVolume({ id: first.id, kind: 'volume' as 'ct' })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' })
    expect(await core.api.compareRuns({ id: first.id })).toBeNull()
    // One patient's skipped files only (the case view asks for these).
    expect(await core.api.listSkipped({ folder: 'p1' })).toEqual(skipped)
    expect(await core.api.listSkipped({ folder: 'p0' })).toEqual([])
  })

  it('processes with one line per worker, then serves thumbnails; bulk decisions in one go', async () => {
    const seen: WorkerState[] = []
    const off = core.api.onProgress(() => undefined)
    await core.api.startProcessing({ workers: 1 })
    let s: ProcessingState
    do {
      await new Promise((ok) => setTimeout(ok, 100))
      s = await core.api.getProcessingState()
      if (s.workers[0]?.scanId) seen.push(s.workers[0])
    } while (s.running)
    off()
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.some((w) => w.stage && w.folder?.startsWith('p'))).toBe(true)
    expect(new Set(seen.map((w) => w.stage)).size).toBeGreaterThan(1) // the stage moves on
    const scans = await core.api.listScans()
    expect(scans.every((x) => x.status === 'done')).toBe(true)
    const thumb = await core.api.getThumbnail({ id: scans[0]!.id })
    expect(thumb).not.toBeNull()
    expect(thumb!.meta.width).toBeLessThanOrEqual(320)
    expect(Buffer.from(thumb!.data).subarray(1, 4).toString()).toBe('PNG')
    // Made once, then served from the cache folder.
    const again = await core.api.getThumbnail({ id: scans[0]!.id })
    expect(Buffer.from(again!.data).equals(Buffer.from(thumb!.data))).toBe(true)

    // The viewer's quick level is the full volume halved (written by the worker, same values).
    const { downsampleHu, downsampleMask } = await import('../src/main/pipeline/downsample')
    for (const kind of ['ct', 'mask'] as const) {
      const full = await core.api.getVolume({ id: scans[0]!.id, kind })
      const half = await core.api.getVolume({ id: scans[0]!.id, kind, level: 2 })
      const expected = kind === 'ct' ? downsampleHu(new Int16Array(full.data), full.meta.shape) : downsampleMask(new Uint8Array(full.data), full.meta.shape)
      expect(half.meta.shape).toEqual(full.meta.shape.map((n) => Math.ceil(n / 2)))
      expect(Buffer.from(half.data).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(true)
      expect(half.meta.spacing[0]).toBeCloseTo(full.meta.spacing[0] * 2, 6)
    }

    const ids = scans.map((x) => x.id)
    const acc = await core.api.bulkReview({ ids: ids.slice(0, 2), review: 'accepted', note: 'bulk' })
    expect(acc.changed).toBe(2)
    const after = await core.api.listScans()
    expect(after.filter((x) => x.review === 'accepted').map((x) => x.id)).toEqual(ids.slice(0, 2))
    await expect(core.api.bulkReview({ ids: [ids[0]!, 99999], review: 'rejected' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    // Nothing changed by the refused call.
    expect((await core.api.getScan({ id: ids[0]! })).review).toBe('accepted')
    const re = await core.api.bulkRetry({ ids: [ids[2]!], closingMm: 2 })
    expect(re.changed).toBe(1)
    // The retry runs by itself in this core's engine.
    await expect.poll(async () => (await core.api.getScan({ id: ids[2]! })).runs.length, { timeout: 120_000, interval: 250 }).toBe(2)
    const d = await core.api.getScan({ id: ids[2]! })
    expect(d.runs[1]).toMatchObject({ closingMm: 2, mode: 'robust', status: 'done', current: true })
  })
})
