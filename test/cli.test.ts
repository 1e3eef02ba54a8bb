import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createCore } from '../src/main/core'
import { writePhantomSeries } from '../src/main/phantom'
import { ct as ctArgs } from './helpers/cli'
import { insertScans } from './helpers/seedDb'
import { tempDir } from './helpers/tmp'
import { transcode } from './fixtures/transcode'

const ct = (...args: string[]) => ctArgs(args)

describe('ct-curator CLI (real process, real SQLite file)', () => {
  const dir = tempDir()
  const db = join(dir, 'cli.sqlite')
  beforeAll(() => {
    const core = createCore(db)
    insertScans(core.db, '/data/cohort', [
      { folder: 'LIDC-0001', patientId: 'P1' },
      { folder: 'LIDC-0002', patientId: 'P2' },
    ])
    core.close()
  })

  it('--help lists the commands', async () => {
    const r = await ct('--help')
    expect(r.code).toBe(0)
    for (const c of ['demo', 'serve', 'status', 'review', 'retry']) expect(r.stdout).toContain(c)
  })

  it('status --json prints the contract fields', async () => {
    const r = await ct('status', '--db', db, '--json')
    expect(r.code).toBe(0)
    const scans = JSON.parse(r.stdout) as Array<Record<string, unknown>>
    expect(scans).toHaveLength(2)
    for (const key of [
      'folder', 'patientId', 'seriesUid', 'status', 'review', 'flags', 'maskFraction', 'maskFractionNoFill',
      'sliceCount', 'spacing', 'shape', 'resampledShape', 'resampledSpacing', 'huMin', 'huMax', 'error', 'timingsMs',
    ]) {
      expect(scans[0]).toHaveProperty(key)
    }
    expect(scans[0]).toMatchObject({ folder: 'LIDC-0001', status: 'pending', review: 'unreviewed', flags: [], error: null })
  })

  it('review by folder and retry by PatientID change what status reports', async () => {
    expect((await ct('review', 'LIDC-0001', '--db', db, '--reject', '--note', 'motion')).code).toBe(0)
    expect((await ct('retry', 'P2', '--db', db, '--closing-mm', '3')).code).toBe(0)
    const scans = JSON.parse((await ct('status', '--db', db, '--json')).stdout) as Array<{ folder: string; review: string }>
    expect(scans.map((s) => [s.folder, s.review])).toEqual([
      ['LIDC-0001', 'rejected'],
      ['LIDC-0002', 'retry'],
    ])
  })

  it('gives specific errors and non-zero exits', async () => {
    const missing = await ct('review', 'nobody', '--db', db, '--accept')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('NOT_FOUND')
    const both = await ct('review', 'P1', '--db', db, '--accept', '--reject')
    expect(both.code).toBe(2)
    const wide = await ct('serve', '--db', db, '--host', '0.0.0.0')
    expect(wide.code).toBe(2)
    expect(wide.stderr).toMatch(/loopback only/)
    const badR = await ct('retry', 'P1', '--db', db, '--closing-mm', 'lots')
    expect(badR.code).not.toBe(0)
  })
})

describe('ct-curator preprocess (the pipeline in a worker process)', () => {
  it('reports an error inside the pipeline with its code and the file, and exits non-zero', async () => {
    const dir = tempDir()
    const plain = join(dir, 'plain')
    await writePhantomSeries(plain, { rows: 32, cols: 32, slices: 6, sliceSpacing: 5, seed: 5 })
    const series = join(dir, 'jpegls')
    await transcode(plain, series, 'jpegls')
    // Scramble the middle of one slice's JPEG-LS stream: its header still indexes, the decoder
    // (which runs in the worker) refuses it.
    const victim = readdirSync(series).sort()[2]!
    const bytes = readFileSync(join(series, victim))
    const marker = bytes.lastIndexOf(Buffer.from([0xff, 0xda])) // start of scan
    expect(marker).toBeGreaterThan(0)
    for (let i = marker + 2; i < marker + 40 && i < bytes.length - 4; i++) bytes[i] = 0xff
    writeFileSync(join(series, victim), bytes)
    const r = await ct('preprocess', series, '--out', join(dir, 'out'))
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain('DICOM_UNREADABLE') // a corrupt codestream
    expect(r.stderr).toContain(victim)
  })
})

describe('ct-curator as a newcomer meets it', () => {
  const dir = tempDir()
  const db = join(dir, 'real.sqlite')
  beforeAll(() => {
    const core = createCore(db)
    insertScans(core.db, '/data/cohort', [
      { folder: 'LIDC-IDRI-0001-a-very-long-folder-name/with/depth', patientId: 'LIDC-IDRI-0001-PATIENT-ID-LONG' },
    ])
    core.close()
  })

  it('usage errors exit 2 with one line naming the problem and the --help hint', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command 'frobnicate'.*`ct-curator --help`/],
      [['process', dir, '--db', db, '--workers', '0'], /--workers.*'0'.*integer ≥ 1.*`ct-curator process --help`/],
      [['process', dir, '--db', db, '--workers', 'abc'], /--workers.*'abc'/],
      [['process', dir, '--db', db, '--mode', 'fast'], /--mode.*'fast'.*seed, robust/],
      [['demo', join(dir, 'demo'), '--patients', '3'], /--patients.*'3'.*≥ 8.*`ct-curator demo --help`/],
      [['retry', 'P1', '--db', db, '--closing-mm', '-2'], /--closing-mm.*'-2'/],
      [['preprocess', dir, '--closing-mm', '-2', '--out', join(dir, 'o')], /--closing-mm/],
      [['status'], /required option '--db <file>'.*`ct-curator status --help`/],
      [['process', dir], /required option '--db <file>'/],
    ]
    for (const [args, msg] of cases) {
      const r = await ct(...args)
      expect(r.code, args.join(' ')).toBe(2)
      const lines = r.stderr.trim().split('\n')
      expect(lines, args.join(' ')).toHaveLength(1)
      expect(lines[0], args.join(' ')).toMatch(msg)
      expect(r.stderr).not.toContain('Usage:')
    }
    expect(existsSync(join(dir, 'demo'))).toBe(false)
    expect((await ct('--help')).code).toBe(0)
    expect((await ct('status', '--help')).code).toBe(0)
  })

  it('read-only commands never create a database', async () => {
    const typo = join(dir, 'typo', 'reall.sqlite')
    for (const args of [
      ['status', '--db', typo],
      ['status', '--db', typo, '--json'],
      ['review', 'x', '--db', typo, '--accept'],
      ['retry', 'x', '--db', typo, '--closing-mm', '3'],
      ['serve', '--db', typo, '--port', '0'],
    ]) {
      const r = await ct(...args)
      expect(r.code, args.join(' ')).not.toBe(0)
      expect(r.stderr, args.join(' ')).toContain(`No database at ${typo}`)
    }
    expect(existsSync(join(dir, 'typo'))).toBe(false)
  })

  it('process and scan of a folder with no DICOM image say so and exit non-zero; nothing is processed', async () => {
    const empty = join(dir, 'notes')
    mkdirSync(empty)
    writeFileSync(join(empty, 'readme.txt'), 'not an image')
    const p = await ct('process', empty, '--db', join(dir, 'empty.sqlite'))
    expect(p.code).toBe(1)
    expect(p.stderr).toMatch(/NO_SERIES: No DICOM image in .*notes \(1 file looked at; skipped: DICOM_NOT_DICOM ×1\)/)
    const s = await ct('scan', empty)
    expect(s.code).toBe(1)
    expect(s.stdout).toMatch(/1 file, 0 series, 1 skipped/)
    expect(s.stderr).toContain('No DICOM image')
  })

  it('preprocess of a file says it wants the series folder', async () => {
    const series = join(dir, 'series')
    await writePhantomSeries(series, { rows: 32, cols: 32, slices: 3, sliceSpacing: 5, seed: 1 })
    const file = join(series, readdirSync(series)[0]!)
    const r = await ct('preprocess', file, '--out', join(dir, 'pp'))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('preprocess wants a series folder')
    expect(r.stderr).toContain(`ct-curator preprocess ${series} --out`)
  })

  it('status prints folder and patient ids whole, so they can be pasted into review', async () => {
    const r = await ct('status', '--db', db)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('LIDC-IDRI-0001-a-very-long-folder-name/with/depth')
    expect(r.stdout).toContain('LIDC-IDRI-0001-PATIENT-ID-LONG')
    expect(r.stdout).not.toContain('…')
    expect((await ct('review', 'LIDC-IDRI-0001-PATIENT-ID-LONG', '--db', db, '--accept')).code).toBe(0)
  })
})
