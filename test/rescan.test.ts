import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createCore } from '../src/main/core'
import { scanRoot } from '../src/main/dicom/scanRoot'
import { openDb } from '../src/main/store/db'
import { writePhantomSeries } from '../src/main/phantom'
import { tempDir } from './helpers/tmp'

describe('incremental rescans with a real SQLite index', () => {
  const dir = tempDir()
  const root = join(dir, 'root')
  const dbFile = join(dir, 'index.sqlite')
  beforeAll(async () => {
    for (const [i, name] of ['p1', 'p2', 'p3'].entries()) {
      await writePhantomSeries(join(root, name), { rows: 48, cols: 48, slices: 20, sliceSpacing: 5, seed: 20 + i, patientId: name.toUpperCase() })
    }
  })

  it('re-reads only new or changed files and keeps results of unchanged scans', async () => {
    const db = openDb(dbFile)
    const first = await scanRoot(root, { db })
    expect(first.stats).toMatchObject({ files: 60, indexed: 60, reused: 0 })
    expect(db.prepare('SELECT count(*) FROM scans').pluck().get()).toBe(3)
    // Pretend p1 was processed and reviewed.
    db.prepare("UPDATE scans SET status = 'done', review = 'accepted' WHERE patient_id IN ('P1', 'P2')").run()

    const again = await scanRoot(root, { db })
    expect(again.stats).toMatchObject({ files: 60, indexed: 0, reused: 60 })
    expect(again.series).toEqual(first.series)

    // Touch one file of p2 and add a slice-less junk file: only those two are read again.
    const p2 = readdirSync(join(root, 'p2'))
    utimesSync(join(root, 'p2', p2[0]!), new Date(), new Date(Date.now() + 5000))
    mkdirSync(join(root, 'p4'))
    copyFileSync(join(root, 'p3', readdirSync(join(root, 'p3'))[0]!), join(root, 'p4', 'copy.dcm'))
    const third = await scanRoot(root, { db })
    expect(third.stats).toMatchObject({ files: 61, indexed: 2, reused: 59 })
    // The copy has the same SOP instance as a p3 file: reported, not double counted.
    expect(third.skipped.find((k) => k.path === 'p4/copy.dcm')?.code).toBe('DUPLICATE_SOP_INSTANCE')
    const status = Object.fromEntries(
      (db.prepare('SELECT patient_id, status, review FROM scans').all() as Array<{ patient_id: string; status: string; review: string }>).map((r) => [
        r.patient_id,
        `${r.status}/${r.review}`,
      ]),
    )
    // p1 unchanged keeps its result; p2 changed goes back to pending but keeps the review.
    expect(status).toEqual({ P1: 'done/accepted', P2: 'pending/accepted', P3: 'pending/unreviewed' })

    // Removing files drops them from the index.
    rmSync(join(root, 'p4'), { recursive: true })
    renameSync(join(root, 'p3'), join(dir, 'p3-moved'))
    const fourth = await scanRoot(root, { db })
    expect(fourth.stats.files).toBe(40)
    expect(db.prepare('SELECT count(*) FROM files').pluck().get()).toBe(40)
    // p3's scan goes with its folder; the others keep their state.
    expect(db.prepare('SELECT patient_id, status FROM scans ORDER BY 1').all()).toEqual([
      { patient_id: 'P1', status: 'done' },
      { patient_id: 'P2', status: 'pending' },
    ])
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    db.close()
  })

  it('a scan that dies after its file rows and before its grouping is never answered from the stale grouping', async () => {
    const root2 = join(dir, 'root2')
    for (const [i, name] of ['a', 'b'].entries()) {
      await writePhantomSeries(join(root2, name), { rows: 32, cols: 32, slices: 8, sliceSpacing: 5, seed: 60 + i, patientId: name.toUpperCase() })
    }
    const db = openDb(join(dir, 'half.sqlite'))
    expect((await scanRoot(root2, { db })).series.map((x) => x.patientId)).toEqual(['A', 'B'])
    // b goes away; the grouping's transaction fails as a kill would stop it: after the file
    // rows are written (b's removed), before the series and scans are.
    rmSync(join(root2, 'b'), { recursive: true })
    db.exec("CREATE TEMP TRIGGER die BEFORE DELETE ON series BEGIN SELECT RAISE(ABORT, 'killed'); END")
    await expect(scanRoot(root2, { db })).rejects.toThrow(/killed/)
    expect(db.prepare('SELECT count(*) FROM files').pluck().get()).toBe(8)
    db.exec('DROP TRIGGER die')
    // Every file now matches the index; the old grouping (with b) must not come back.
    const after = await scanRoot(root2, { db })
    expect(after.series.map((x) => x.patientId)).toEqual(['A'])
    expect(db.prepare('SELECT patient_id FROM scans').pluck().all()).toEqual(['A'])
    db.close()
  })

  it('the API scans a root through the router and lists the scans', async () => {
    const core = createCore(join(dir, 'api.sqlite'))
    const progress: number[] = []
    core.api.onProgress((e) => progress.push(e.done))
    const res = await core.api.scanRoot({ root })
    expect(res).toMatchObject({ series: 2, chosen: 2, skipped: 0 })
    expect(progress.at(-1)).toBe(40)
    const scans = await core.api.listScans()
    expect(scans.map((s) => s.patientId).sort()).toEqual(['P1', 'P2'])
    const d = await core.api.getScan({ id: scans[0]!.id })
    expect(d.files).toHaveLength(20)
    expect(d.choiceReason).toMatch(/only series/)
    core.close()
  })

  it('a person can override the series choice; rescans keep it', async () => {
    const r2 = join(dir, 'two-series')
    await writePhantomSeries(join(r2, 'pat', 'thick'), { rows: 48, cols: 48, slices: 20, sliceSpacing: 5, seed: 70, patientId: 'TWO' })
    await writePhantomSeries(join(r2, 'pat', 'thin'), { rows: 48, cols: 48, slices: 40, sliceSpacing: 2.5, seed: 71, patientId: 'TWO' })
    const core = createCore(join(dir, 'choose.sqlite'))
    await core.api.scanRoot({ root: r2 })
    const [scan] = await core.api.listScans()
    const before = await core.api.getScan({ id: scan!.id })
    expect(before.candidates).toHaveLength(2)
    expect(before.sliceCount).toBe(40)
    const other = before.candidates.find((c) => !c.chosen)!
    const after = await core.api.chooseSeries({ id: scan!.id, seriesUid: other.seriesUid })
    expect(after).toMatchObject({ seriesUid: other.seriesUid, sliceCount: 20, status: 'pending' })
    await core.api.scanRoot({ root: r2 })
    const d = await core.api.getScan({ id: scan!.id })
    expect(d.seriesUid).toBe(other.seriesUid)
    expect(d.choiceReason).toMatch(/override/)
    await expect(core.api.chooseSeries({ id: scan!.id, seriesUid: '1.2.3' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    core.close()
  })
})
