import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { writePhantomSeries } from '../phantom'
import { openDb, type Db } from '../store/db'
import { decodeHeader, encodeHeader } from './headerCodec'
import { scanRoot } from './scanRoot'
import type { HeaderRecord } from './types'
import { walk } from './walk'

/**
 * Changes the last digit of SeriesInstanceUID (0020,000E, explicit VR LE) in place: same length,
 * same file size. Returns the new UID.
 */
function rewriteSeriesUid(file: string): string {
  const b = readFileSync(file)
  const at = b.indexOf(Buffer.from([0x20, 0x00, 0x0e, 0x00, 0x55, 0x49]))
  expect(at).toBeGreaterThan(0)
  const len = b.readUInt16LE(at + 6)
  let uid = b.toString('latin1', at + 8, at + 8 + len).replace(/\0$/, '')
  uid = uid.slice(0, -1) + (uid.endsWith('7') ? '8' : '7')
  b.write(uid, at + 8, 'latin1')
  writeFileSync(file, b)
  return uid
}

/** Moves a file's mtime by `s` seconds, so the test does not depend on the clock's resolution. */
function shiftMtime(file: string, s: number): void {
  const st = statSync(file)
  utimesSync(file, st.atime, new Date(st.mtimeMs + s * 1000))
}

describe('rescans recognise an unchanged tree from one signature, and every change in it', () => {
  const dir = tempDir()
  let n = 0
  let root: string
  let db: Db
  beforeEach(async () => {
    root = join(dir, `root${++n}`)
    for (const [i, name] of ['p1', 'p2', 'p3'].entries()) {
      await writePhantomSeries(join(root, name), { rows: 32, cols: 32, slices: 10, sliceSpacing: 5, seed: 40 + i, patientId: `PAT${i + 1}` })
    }
    db = openDb(join(dir, `index${n}.sqlite`))
    return () => db.close()
  })
  const files = (folder: string): string[] => readdirSync(join(root, folder)).sort().map((f) => join(root, folder, f))

  it('an unchanged rescan answers from the database what a full scan finds', async () => {
    const first = await scanRoot(root, { db })
    expect(first.stats).toMatchObject({ files: 30, indexed: 30 })
    const again = await scanRoot(root, { db })
    // Answered from the stored grouping: no header was loaded, none read.
    expect(again.headers.size).toBe(0)
    expect(again.stats).toMatchObject({ files: 30, indexed: 0, reused: 30 })
    const full = await scanRoot(root)
    expect(again.series).toEqual(full.series)
    expect(again.skipped).toEqual(full.skipped)
    expect(first.series).toEqual(full.series)
  })

  it('a file rewritten in place with the same size is read again and its new header counts', async () => {
    await scanRoot(root, { db })
    const f = files('p2')[3]!
    const size = statSync(f).size
    const uid = rewriteSeriesUid(f)
    shiftMtime(f, 7)
    expect(statSync(f).size).toBe(size)
    const r = await scanRoot(root, { db })
    expect(r.stats).toMatchObject({ files: 30, indexed: 1, reused: 29 })
    expect(r.headers.get(`p2/${f.split('/').pop()}`)?.seriesUid).toBe(uid)
    // The slice left PAT2's series for a series of its own.
    expect(r.series.map((s) => `${s.patientId}:${s.files.length}`).sort()).toEqual(['PAT1:10', 'PAT2:1', 'PAT2:9', 'PAT3:10'])
    expect(r.series.find((s) => s.files.length === 1)?.seriesUid).toBe(uid)
    expect(r.series).toEqual((await scanRoot(root)).series)
    // And the next unchanged rescan answers that from the database.
    const again = await scanRoot(root, { db })
    expect(again.headers.size).toBe(0)
    expect(again.series).toEqual(r.series)
  })

  it('a file added to a folder already indexed is read, and only it', async () => {
    await scanRoot(root, { db })
    copyFileSync(files('p1')[0]!, join(root, 'p1', 'zz-copy.dcm'))
    const r = await scanRoot(root, { db })
    expect(r.stats).toMatchObject({ files: 31, indexed: 1, reused: 30 })
    expect(r.skipped).toEqual([expect.objectContaining({ path: 'p1/zz-copy.dcm', code: 'DUPLICATE_SOP_INSTANCE' })])
    const again = await scanRoot(root, { db })
    expect(again.headers.size).toBe(0)
    expect(again.skipped).toEqual(r.skipped)
  })

  it('a folder removed takes its series, scan and file rows with it', async () => {
    await scanRoot(root, { db })
    rmSync(join(root, 'p3'), { recursive: true })
    const r = await scanRoot(root, { db })
    expect(r.stats).toMatchObject({ files: 20, indexed: 0, reused: 20 })
    expect(r.series.map((s) => s.patientId)).toEqual(['PAT1', 'PAT2'])
    expect(db.prepare('SELECT patient_id FROM scans ORDER BY 1').pluck().all()).toEqual(['PAT1', 'PAT2'])
    expect(db.prepare('SELECT count(*) FROM files').pluck().get()).toBe(20)
  })

  it('a changed mtime alone (touch) makes the rescan compare file by file', async () => {
    await scanRoot(root, { db })
    shiftMtime(files('p1')[0]!, 3)
    const r = await scanRoot(root, { db })
    expect(r.headers.size).toBe(30)
    expect(r.stats).toMatchObject({ indexed: 1, reused: 29 })
  })

  it('another grouping mode regroups instead of answering with the stored grouping', async () => {
    await scanRoot(root, { db })
    const seed = await scanRoot(root, { db, mode: 'seed' })
    expect(seed.headers.size).toBe(30)
    expect(seed.stats.indexed).toBe(0)
    expect((await scanRoot(root, { db, mode: 'seed' })).headers.size).toBe(0)
  })

  it('file rows written before the compact format (a JSON object per header) still decode', async () => {
    const first = await scanRoot(root, { db, needHeaders: true })
    const rows = db.prepare('SELECT path, size, mtime_ms, header_json FROM files').all() as Array<{ path: string; size: number; mtime_ms: number; header_json: string }>
    const legacy = db.prepare('UPDATE files SET header_json = ? WHERE path = ?')
    for (const r of rows) legacy.run(JSON.stringify(decodeHeader(r.header_json, r.path, r.size, r.mtime_ms)), r.path)
    db.prepare('UPDATE roots SET files_sig = NULL').run()
    const again = await scanRoot(root, { db })
    expect(again.stats).toMatchObject({ indexed: 0, reused: 30 })
    expect(again.series).toEqual(first.series)
    expect([...again.headers.values()]).toEqual([...first.headers.values()])
  })
})

describe('encodeHeader / decodeHeader', () => {
  const base: HeaderRecord = {
    path: 'a/b.dcm',
    size: 1234,
    mtimeMs: 1700000000123.457,
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUid: '1.2.3.4',
    studyUid: '1.2.3',
    seriesUid: '1.2.3.5',
    patientId: 'X',
    patientName: 'Doe^J "quoted" \\ back',
    modality: 'CT',
    imageType: ['ORIGINAL', 'PRIMARY'],
    seriesDescription: 'Thorax',
    seriesNumber: null,
    manufacturer: '',
    kernel: 'B30f',
    acquisitionDate: '20200101',
    rows: 512,
    columns: 512,
    frames: 1,
    bitsAllocated: 16,
    bitsStored: 12,
    pixelRepresentation: 0,
    samplesPerPixel: 1,
    photometric: 'MONOCHROME2',
    ipp: [-1.5, 2, 3e-7],
    iop: [1, 0, 0, 0, 1, 0],
    pixelSpacing: null,
    sliceThickness: 1.25,
    spacingBetweenSlices: null,
    sliceLocation: -0.5,
    instanceNumber: 7,
    rescaleSlope: 1,
    rescaleIntercept: -1024,
    pixelPaddingValue: -2000,
    pixelPaddingRangeLimit: null,
    gantryTilt: null,
  }
  const roundTrip = (h: HeaderRecord): HeaderRecord => decodeHeader(encodeHeader(h), h.path, h.size, h.mtimeMs)

  it('gives back what the JSON of the record would, optional keys only when set', () => {
    expect(roundTrip(base)).toEqual(JSON.parse(JSON.stringify(base)))
    expect(Object.keys(roundTrip(base))).toEqual(Object.keys(base))
    const flagged: HeaderRecord = { ...base, lossyImageCompression: true, defect: { code: 'DICOM_BAD_HEADER', message: 'RescaleSlope 0' } }
    expect(roundTrip(flagged)).toEqual(flagged)
    expect(Object.keys(roundTrip(flagged))).toEqual(Object.keys(flagged))
  })

  it('stores neither key names nor the path, size and mtime the row holds already', () => {
    const s = encodeHeader(base)
    expect(s).not.toContain('sopInstanceUid')
    expect(s).not.toContain('a/b.dcm')
    expect(s.length).toBeLessThan(JSON.stringify(base).length / 2)
  })

  it('refuses a stored layout it does not know instead of misreading it', () => {
    expect(() => decodeHeader('[2,"x"]', 'p', 1, 1)).toThrow(/format 2/)
  })
})

describe('walk', () => {
  const dir = tempDir()
  it('lists files sorted with size and mtime, follows symlinked files, not symlinked folders, reports dangling links', async () => {
    const root = join(dir, 'tree')
    mkdirSync(join(root, 'b', 'deeper'), { recursive: true })
    mkdirSync(join(root, 'a'))
    writeFileSync(join(root, 'b', 'deeper', 'x.dcm'), 'xx')
    writeFileSync(join(root, 'a', 'Z.dcm'), 'z')
    writeFileSync(join(root, 'a', 'y.dcm'), 'yyy')
    writeFileSync(join(dir, 'outside.dcm'), 'oooo')
    symlinkSync(join(dir, 'outside.dcm'), join(root, 'a', 'link.dcm'))
    symlinkSync(join(root, 'b'), join(root, 'loop'))
    symlinkSync(join(dir, 'missing.dcm'), join(root, 'a', 'dangling.dcm'))
    const r = await walk(root)
    expect(r.files.map((f) => [f.rel, f.size])).toEqual([
      ['a/Z.dcm', 1],
      ['a/link.dcm', 4],
      ['a/y.dcm', 3],
      ['b/deeper/x.dcm', 2],
    ])
    expect(r.files[3]!.abs).toBe(join(root, 'b', 'deeper', 'x.dcm'))
    expect(r.files[3]!.mtimeMs).toBe(statSync(join(root, 'b', 'deeper', 'x.dcm')).mtimeMs)
    expect(r.problems).toEqual([expect.objectContaining({ path: 'a/dangling.dcm', code: 'DICOM_UNREADABLE' })])
    expect(r.unlistedFolders).toBe(0)
  })
})
