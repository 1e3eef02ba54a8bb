/**
 * Ingestion end to end through the real CLI: every file under a root accounted for exactly once,
 * series chosen per patient, geometry flags on real scans, bad input reported per file, and
 * seed-mode HU identical to the tutorial's get_pixels_hu run with Debian's pydicom.
 */
import { chmodSync, copyFileSync, mkdirSync, readdirSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ScanResult, SeriesInfo } from '../src/main/dicom/types'
import { readNpy } from '../src/main/io/npy'
import { writeDemoCohort, writePhantomSeries } from '../src/main/phantom'
import { CLI, type CliResult, ct, python, tool } from './helpers/cli'
import { tempDir } from './helpers/tmp'

const DATA = join(import.meta.dirname, '..', '..', 'shared', 'data')
const ORACLE = join(import.meta.dirname, 'oracle', 'hu.py')

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = []
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...listFiles(root, p))
    else out.push(p)
  }
  return out
}

async function scanJson(root: string, extra: string[] = []): Promise<ScanResult> {
  const r = await ct(['scan', root, '--json', ...extra])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as ScanResult
}

/** The contract: every file appears exactly once, in some series' files or in skipped. */
function expectAllAccounted(root: string, r: ScanResult): void {
  const seen = [...r.series.flatMap((s) => s.files), ...r.skipped.map((k) => k.path)].sort()
  expect(seen).toEqual(listFiles(root).sort())
}

/** The real CLI as root with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped (util-linux setpriv). */
async function ctWithoutDacOverride(args: string[]): Promise<CliResult> {
  const drop = ['--bounding-set', '-dac_override,-dac_read_search', '--', process.execPath, CLI, ...args]
  const r = await tool('setpriv', drop)
  if (r.code !== 0 && /setpriv/.test(r.stderr)) throw new Error(`setpriv could not drop capabilities here: ${r.stderr}`)
  return r
}

const codes = (s: SeriesInfo): string[] => s.flags.map((f) => f.code).sort()

describe('scan: the demo cohort', () => {
  const dir = tempDir()
  const root = join(dir, 'cohort')
  let r: ScanResult
  beforeAll(async () => {
    await writeDemoCohort(root, { patients: 10 })
    r = await scanJson(root)
  })

  it('accounts for every file exactly once and chooses one series per patient', () => {
    expectAllAccounted(root, r)
    const folders = readdirSync(root)
    expect(r.series.filter((s) => s.chosen).map((s) => s.folder).sort()).toEqual(folders.sort())
    for (const s of r.series) {
      for (const key of ['folder', 'patientId', 'studyUid', 'seriesUid', 'modality', 'files', 'chosen', 'choiceReason', 'flags', 'spacing', 'shape', 'transferSyntaxes']) {
        expect(s).toHaveProperty(key)
      }
    }
  })

  it('skips junk, empty and truncated files with specific codes', () => {
    const byCode = (c: string) => r.skipped.filter((k) => k.code === c).map((k) => k.path)
    expect(byCode('DICOM_NOT_DICOM').length).toBeGreaterThanOrEqual(3)
    expect(byCode('DICOM_EMPTY_FILE').length).toBeGreaterThanOrEqual(1)
    expect(byCode('DICOM_TRUNCATED')).toHaveLength(1)
    for (const k of r.skipped) expect(k.message.length).toBeGreaterThan(10)
  })

  it('orders shuffled, randomly named files by position (positions read by pydicom)', async () => {
    const files = r.series.flatMap((s) => s.files.map((f) => join(root, f)))
    const script = 'import sys,pydicom\nfor p in sys.argv[1:]: print(float(pydicom.dcmread(p, stop_before_pixels=True).ImagePositionPatient[2]))'
    const zs = (await python(['-c', script, ...files])).trim().split('\n').map(Number)
    let k = 0
    for (const s of r.series) {
      const z = zs.slice(k, (k += s.files.length))
      expect(z).toEqual([...z].sort((a, b) => a - b))
    }
  })
})

describe('scan: real scans in ../shared/data', () => {
  it('lung_pet_ct_dx: 30 axial slices, 8 mm apart: thick_slices and nothing else', async () => {
    const r = await scanJson(join(DATA, 'lung_pet_ct_dx_A0002_B70f'))
    expect(r.series).toHaveLength(1)
    const s = r.series[0]!
    expect(s.chosen).toBe(true)
    expect(s.shape).toEqual([30, 512, 512])
    expect(s.spacing![0]).toBeCloseTo(8, 3)
    expect(s.spacing![1]).toBeCloseTo(0.6465, 3)
    expect(codes(s)).toEqual(['thick_slices'])
  })

  it('lidc subset: 37.5 mm of chest is flagged incomplete', async () => {
    const s = (await scanJson(join(DATA, 'lidc_idri_0001_subset16'))).series[0]!
    expect(codes(s)).toEqual(['few_slices', 'incomplete_coverage'])
    expect(s.flags.find((f) => f.code === 'incomplete_coverage')!.value).toBeCloseTo(40, 1)
  })

  it('dcm_qa_ct_GE: gantry tilt and variable spacing are reported', async () => {
    const s = (await scanJson(join(DATA, 'dcm_qa_ct_GE'))).series[0]!
    expect(codes(s)).toEqual(expect.arrayContaining(['tilt', 'variable_spacing', 'slice_gap']))
    expect(s.flags.find((f) => f.code === 'tilt')!.value).toBeCloseTo(18.5, 0)
  })

  it('pydicom test files: header-only files skipped, scouts not chosen, the gap found', async () => {
    const root = join(DATA, 'pydicom')
    const r = await scanJson(root)
    expectAllAccounted(root, r)
    expect(r.skipped.filter((k) => k.path.startsWith('dicomdirtests/TINY_ALPHA/') && k.code === 'DICOM_NO_PIXEL_DATA')).toHaveLength(50)
    expect(r.skipped.filter((k) => k.code === 'DICOM_NOT_DICOM').map((k) => k.path).sort()).toEqual([
      'debian_copyright.txt',
      'pydicom_test_files_README.txt',
    ])
    const dd = r.series.filter((s) => s.folder.startsWith('dicomdirtests'))
    expect(dd.some((s) => !s.chosen && /localizer|scout/.test(s.choiceReason))).toBe(true)
    expect(dd.some((s) => s.flags.some((f) => f.code === 'slice_gap' && Number(f.value) > 200))).toBe(true)
  })
})

describe('scan: bad input, each reported on its own file, the rest goes on', () => {
  const dir = tempDir()
  const root = join(dir, 'bad')
  let good: string[]
  let r: ScanResult
  beforeAll(async () => {
    const base = join(dir, 'base')
    const w = await writePhantomSeries(base, { rows: 64, cols: 64, slices: 30, sliceSpacing: 5, seed: 3, patientId: 'GOOD' })
    good = w.files.map((f) => relative(base, f))
    mkdirSync(join(root, 'good'), { recursive: true })
    for (const f of good) copyFileSync(join(base, f), join(root, 'good', f))
    const one = join(base, good[0]!)
    const bad = join(root, 'bad')
    mkdirSync(bad)
    writeFileSync(join(bad, 'notes.txt'), 'not a dicom file at all, just some words\n')
    writeFileSync(join(bad, 'zero.dcm'), '')
    copyFileSync(one, join(bad, 'truncated.dcm'))
    truncateSync(join(bad, 'truncated.dcm'), statSync(one).size - 3000)
    copyFileSync(one, join(bad, 'header-cut.dcm'))
    truncateSync(join(bad, 'header-cut.dcm'), 300)
    copyFileSync(one, join(bad, 'nopixels.dcm'))
    await tool('dcmodify', ['-nb', '-ea', '(7fe0,0010)', join(bad, 'nopixels.dcm')])
    copyFileSync(one, join(bad, 'absurd.dcm'))
    await tool('dcmodify', ['-nb', '-m', '(0028,0010)=60000', '-m', '(0028,0011)=60000', join(bad, 'absurd.dcm')])
    // A lone MR image of another patient: not CT, never chosen.
    mkdirSync(join(root, 'mr'))
    copyFileSync(one, join(root, 'mr', 'mr.dcm'))
    await tool('dcmodify', ['-nb', '-m', '(0008,0060)=MR', '-m', '(0010,0020)=MRPAT', '-gse', '-gin', join(root, 'mr', 'mr.dcm')])
    // A single CT slice of a third patient.
    mkdirSync(join(root, 'single'))
    copyFileSync(one, join(root, 'single', 'only.dcm'))
    await tool('dcmodify', ['-nb', '-m', '(0010,0020)=SINGLE', '-gst', '-gse', '-gin', join(root, 'single', 'only.dcm')])
    symlinkSync(join(dir, 'does-not-exist.dcm'), join(bad, 'dangling.dcm'))
    // Unreadable: chmod 000 (checked below through a CLI that cannot override file modes).
    copyFileSync(one, join(bad, 'locked.dcm'))
    await tool('dcmodify', ['-nb', '-m', '(0010,0020)=LOCKED', '-gst', '-gse', '-gin', join(bad, 'locked.dcm')])
    chmodSync(join(bad, 'locked.dcm'), 0)
    r = await scanJson(root)
  })

  const skipOf = (p: string) => r.skipped.find((k) => k.path === `bad/${p}`)

  it('gives each bad file its own specific code', () => {
    expect(skipOf('notes.txt')?.code).toBe('DICOM_NOT_DICOM')
    expect(skipOf('zero.dcm')?.code).toBe('DICOM_EMPTY_FILE')
    expect(skipOf('truncated.dcm')?.code).toBe('DICOM_TRUNCATED')
    expect(skipOf('truncated.dcm')?.message).toMatch(/truncated/i)
    expect(['DICOM_TRUNCATED', 'DICOM_BAD_HEADER']).toContain(skipOf('header-cut.dcm')?.code)
    expect(skipOf('nopixels.dcm')?.code).toBe('DICOM_NO_PIXEL_DATA')
    expect(skipOf('absurd.dcm')?.code).toBe('DICOM_BAD_HEADER')
    expect(skipOf('absurd.dcm')?.message).toMatch(/60000×60000/)
    expect(skipOf('dangling.dcm')?.code).toBe('DICOM_UNREADABLE')
  })

  it('still indexes the good series whole, the single slice and the MR', () => {
    const g = r.series.find((s) => s.patientId === 'GOOD')!
    expect(g.files).toHaveLength(30)
    expect(g.chosen).toBe(true)
    const single = r.series.find((s) => s.patientId === 'SINGLE')!
    expect(single.chosen).toBe(true)
    expect(codes(single)).toContain('few_slices')
    const mr = r.series.find((s) => s.patientId === 'MRPAT')!
    expect(mr.chosen).toBe(false)
    expect(mr.choiceReason).toMatch(/not CT \(modality MR\)/)
  })

  it('reports an unreadable file as DICOM_UNREADABLE (root without its file-permission override)', async () => {
    // Root reads a mode-000 file anyway (CAP_DAC_OVERRIDE). Rather than switching to another
    // user, who may not reach a checkout inside a private folder (/root, a mktemp -d), the CLI
    // runs as root without the capabilities that bypass file modes: the checkout is root's and
    // stays readable wherever it is, the mode-000 file is not.
    const res = process.getuid?.() === 0 ? await ctWithoutDacOverride(['scan', root, '--json']) : await ct(['scan', root, '--json'])
    expect(res.code, res.stderr).toBe(0)
    const k = (JSON.parse(res.stdout) as ScanResult).skipped.find((x) => x.path === 'bad/locked.dcm')
    expect(k?.code).toBe('DICOM_UNREADABLE')
    expect(k?.message).toMatch(/denied/i)
  })

  it('preprocess of a folder with only a single slice works and flags few_slices', async () => {
    const out = join(dir, 'out-single')
    const res = await ct(['preprocess', join(root, 'single'), '--out', out, '--stage', 'hu'])
    expect(res.code, res.stderr).toBe(0)
    const npy = await readNpy(join(out, 'hu.npy'))
    expect(npy.shape).toEqual([1, 64, 64])
  })

  it('preprocess of a non-CT folder fails with NOT_CT, not a crash', async () => {
    const res = await ct(['preprocess', join(root, 'mr'), '--out', join(dir, 'out-mr'), '--stage', 'hu'])
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/NOT_CT/)
  })
})

describe('preprocess --stage hu, seed mode = the tutorial voxel for voxel', () => {
  const dir = tempDir()
  const cases: Array<[string, () => Promise<string>]> = [
    ['phantom int16, padding -2000', async () => (await series('a', { seed: 11 }), join(dir, 'a'))],
    ['phantom slope 2, intercept -1024', async () => (await series('b', { seed: 12, rescaleSlope: 2 }), join(dir, 'b'))],
    ['phantom uint16, shuffled names, no SliceLocation', async () => (await series('c', { seed: 13, storage: 'uint16', fileNaming: 'random', shuffleWriteOrder: true, omitSliceLocation: true }), join(dir, 'c'))],
    ['real lung_pet_ct_dx', async () => join(DATA, 'lung_pet_ct_dx_A0002_B70f')],
    ['real LIDC subset (padding 63536)', async () => join(DATA, 'lidc_idri_0001_subset16')],
  ]
  async function series(name: string, o: Parameters<typeof writePhantomSeries>[1]): Promise<void> {
    await writePhantomSeries(join(dir, name), { rows: 96, cols: 96, slices: 24, sliceSpacing: 5, ...o })
  }
  for (const [label, make] of cases) {
    it(label, async () => {
      const src = await make()
      const out = join(dir, `out-${label.replace(/\W+/g, '-')}`)
      const res = await ct(['preprocess', src, '--out', out, '--mode', 'seed', '--stage', 'hu'])
      expect(res.code, res.stderr).toBe(0)
      const oracle = join(out, 'oracle.npy')
      await python([ORACLE, src, oracle])
      const ours = await readNpy(join(out, 'hu.npy'))
      const ref = await readNpy(oracle)
      expect(ours.shape).toEqual(ref.shape)
      expect(ours.dtype).toBe('int16')
      let diff = 0
      for (let i = 0; i < ref.data.length; i++) if (ours.data[i] !== ref.data[i]) diff++
      expect(diff).toBe(0)
      const result = JSON.parse(await import('node:fs/promises').then((f) => f.readFile(join(out, 'result.json'), 'utf8')))
      for (const key of ['spacing', 'shape', 'flags', 'sliceOrder']) expect(result).toHaveProperty(key)
    })
  }
})

describe('a nested PACS export: DICOMDIR, files without extension, JPEG Lossless', () => {
  const dir = tempDir()
  const root = join(dir, 'export')
  const plain = join(dir, 'plain')
  beforeAll(async () => {
    const w = await writePhantomSeries(plain, { rows: 64, cols: 64, slices: 12, sliceSpacing: 5, seed: 31, patientId: 'PACS1' })
    const ser = join(root, 'DICOM', 'PAT1', 'STU1', 'SER1')
    mkdirSync(ser, { recursive: true })
    for (const [i, f] of w.files.entries()) {
      // dcmcjpeg's default is JPEG Lossless, first-order prediction (1.2.840.10008.1.2.4.70).
      const res = await tool('dcmcjpeg', [f, join(ser, `IM${String(i + 1).padStart(6, '0')}`)])
      expect(res.code, res.stderr).toBe(0)
    }
    const mk = await tool('sh', ['-c', `cd '${root}' && dcmmkdir -Pdv --recurse DICOM`])
    expect(mk.code, mk.stderr).toBe(0)
  })

  it('finds the series through the folders, skips the DICOMDIR, reports the syntax', async () => {
    const r = await scanJson(root)
    expectAllAccounted(root, r)
    expect(r.skipped).toEqual([{ path: 'DICOMDIR', code: 'DICOMDIR', message: expect.any(String) }])
    expect(r.series).toHaveLength(1)
    expect(r.series[0]).toMatchObject({ folder: 'DICOM/PAT1/STU1/SER1', chosen: true, transferSyntaxes: ['1.2.840.10008.1.2.4.70'] })
  })

  it('decodes it bit-exact: HU equal to the uncompressed original', async () => {
    const a = await ct(['preprocess', join(root, 'DICOM/PAT1/STU1/SER1'), '--out', join(dir, 'o1'), '--stage', 'hu'])
    const b = await ct(['preprocess', plain, '--out', join(dir, 'o2'), '--stage', 'hu'])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    const x = await readNpy(join(dir, 'o1', 'hu.npy'))
    const y = await readNpy(join(dir, 'o2', 'hu.npy'))
    expect(x.shape).toEqual([12, 64, 64])
    expect(Buffer.from(x.data.buffer).equals(Buffer.from(y.data.buffer))).toBe(true)
  })
})
