/**
 * The export end to end: a processed demo cohort plus two real series, exported by the real CLI
 * in every format and layout; read back with numpy / nibabel (Debian's), placed against
 * dcm2niix's conversion of the same series, grepped for every identifying value of the source
 * headers, killed midway and resumed, and repeated byte for byte.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ExportResult } from '../src/shared/api'
import { readMask, readResampled } from '../src/main/cache/volumes'
import { openDb } from '../src/main/store/db'
import { CLI, ct, python, tool } from './helpers/cli'
import { tempDir } from './helpers/tmp'

const DATA = join(import.meta.dirname, '..', '..', 'shared', 'data')
const ORACLE = join(import.meta.dirname, 'oracle', 'export_check.py')

function files(dir: string, prefix = ''): string[] {
  const out: string[] = []
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...files(dir, rel))
    else out.push(rel)
  }
  return out.sort()
}

const digest = (dir: string): Record<string, string> =>
  Object.fromEntries(files(dir).map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]))

interface Manifest {
  software: string
  cases: Array<{ id: string; shape: number[]; review: string; reviewNote: string | null; flags: string[]; files: Record<string, string>; seriesHash: string }>
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest

describe('export', () => {
  const dir = tempDir('ctc-export-')
  const cohort = join(dir, 'cohort')
  const db = join(dir, 'db.sqlite')
  const out = (name: string): string => join(dir, 'out', name)
  // Folder names of the source tree are often patient names: these must not leak either.
  const REAL = { 'DOE^JANE_19530425': 'lung_pet_ct_dx_A0002_B70f', 'SMITH-JOHN-LIDC/series_2000': 'lidc_idri_0001_subset16' }
  let status: Array<{ folder: string; status: string; flags: Array<{ code: string }>; seriesUid: string }>
  let plain: ExportResult

  beforeAll(async () => {
    const demo = await ct(['demo', cohort, '--patients', '8'])
    expect(demo.code, demo.stderr).toBe(0)
    for (const [to, from] of Object.entries(REAL)) cpSync(join(DATA, from), join(cohort, to), { recursive: true })
    const p = await ct(['process', cohort, '--db', db, '--workers', '2'])
    expect(p.code, p.stderr).toBe(0)
    status = JSON.parse((await ct(['status', '--db', db, '--json'])).stdout) as typeof status
    const normal = status.filter((s) => s.status === 'done' && s.flags.length === 0 && !s.folder.includes('/') && !/DOE|SMITH/.test(s.folder))
    const metal = status.find((s) => s.flags.some((f) => f.code === 'metal'))!
    const review = async (folder: string, ...args: string[]): Promise<void> => {
      const r = await ct(['review', folder, '--db', db, ...args])
      expect(r.code, r.stderr).toBe(0)
    }
    await review(normal[0]!.folder, '--accept', '--note', 'clean; both lungs')
    await review(normal[1]!.folder, '--accept')
    await review('DOE^JANE_19530425', '--accept')
    await review('SMITH-JOHN-LIDC/series_2000', '--accept')
    await review(metal.folder, '--reject', '--note', 'pacemaker streaks')
  }, 600_000)

  const exportCli = async (outDir: string, ...args: string[]): Promise<ExportResult> => {
    const r = await ct(['export', outDir, '--db', db, '--json', ...args])
    expect(r.code, r.stderr).toBe(0)
    return JSON.parse(r.stdout) as ExportResult
  }

  it('exports accepted scans by default: npy + NIfTI, plain layout; ct.npy and lung.npy are the cached volumes', async () => {
    plain = await exportCli(out('plain'))
    expect(plain.exported).toBe(4)
    // Every other scan is listed with its reason.
    expect(plain.skipped).toHaveLength(status.length - 4)
    expect(plain.skipped.filter((s) => s.code === 'rejected')).toHaveLength(1)
    expect(plain.skipped.every((s) => ['not_accepted', 'rejected', 'failed', 'not_processed'].includes(s.code))).toBe(true)
    expect(plain.bytes).toBe(files(out('plain')).reduce((a, f) => a + readFileSync(join(out('plain'), f)).length, 0))
    const m = manifest(out('plain'))
    expect(m.cases.map((c) => c.id)).toEqual([...m.cases.map((c) => c.id)].sort())
    expect(files(out('plain'))).toEqual(
      ['dataset.json', 'load_example.py', 'manifest.csv', 'manifest.json', ...m.cases.flatMap((c) => ['ct.nii.gz', 'ct.npy', 'lung.nii.gz', 'lung.npy'].map((f) => `cases/${c.id}/${f}`))].sort(),
    )
    expect(m.cases.find((c) => c.reviewNote === 'clean; both lungs')?.review).toBe('accepted')

    // The mapping stays in the database: scan → run → case name.
    const d = openDb(db)
    const items = d
      .prepare(
        `SELECT i.name, r.cache_dir, s.series_uid FROM export_items i JOIN runs r ON r.id = i.run_id JOIN scans s ON s.id = i.scan_id
         WHERE i.export_id = (SELECT max(id) FROM exports WHERE status = 'done')`,
      )
      .all() as Array<{ name: string; cache_dir: string; series_uid: string }>
    d.close()
    expect(items.map((i) => i.name).sort()).toEqual(m.cases.map((c) => c.id))
    for (const it of items) {
      const [cached, mask] = await Promise.all([readResampled(it.cache_dir), readMask(it.cache_dir, 'fill')])
      const npy = await python([
        '-c',
        'import sys, numpy as np\nfor f in sys.argv[1:]:\n  a = np.load(f); print(a.dtype, list(a.shape), int(a.astype(np.int64).sum()), int(a.min()), int(a.max()))',
        join(out('plain'), 'cases', it.name, 'ct.npy'),
        join(out('plain'), 'cases', it.name, 'lung.npy'),
      ])
      // numpy reads the same array the cache holds: dtype, shape and content (sum, extremes), and the bytes are the cache's.
      const sum = (a: ArrayLike<number>): number => {
        let s = 0
        for (let i = 0; i < a.length; i++) s += a[i]!
        return s
      }
      let lo = Infinity
      let hi = -Infinity
      for (const v of cached.data) {
        lo = Math.min(lo, v)
        hi = Math.max(hi, v)
      }
      expect(npy.trim().split('\n')).toEqual([
        `int16 [${cached.shape.join(', ')}] ${sum(cached.data)} ${lo} ${hi}`,
        `uint8 [${mask.shape.join(', ')}] ${sum(mask.data)} 0 1`,
      ])
      const bytes = readFileSync(join(out('plain'), 'cases', it.name, 'ct.npy'))
      expect(Buffer.compare(bytes.subarray(bytes.length - cached.data.byteLength), Buffer.from(cached.data.buffer, cached.data.byteOffset, cached.data.byteLength))).toBe(0)
    }
    // load_example.py runs as it is, on the first case, with the dataset's mean.
    const ex = await python([join(out('plain'), 'load_example.py')])
    expect(ex).toMatch(new RegExp(`^${m.cases[0]!.id}: ct \\(\\d+, \\d+, \\d+\\) int16`))
    expect(ex).toContain(`dataset pixel mean ${plain.pixelMean.toFixed(4)}`)
  }, 300_000)

  it('NIfTI: nibabel reads the same voxels with qform = sform, and dcm2niix places the same series at the same world coordinates', async () => {
    const m = manifest(out('plain'))
    const d = openDb(db)
    const items = d
      .prepare(
        `SELECT i.name, s.series_uid, s.folder, r.path AS root FROM export_items i JOIN scans s ON s.id = i.scan_id JOIN roots r ON r.id = s.root_id
         WHERE i.export_id = (SELECT min(id) FROM exports WHERE status = 'done')`,
      )
      .all() as Array<{ name: string; series_uid: string; folder: string; root: string }>
    d.close()
    const ref = join(dir, 'dcm2niix')
    mkdirSync(ref, { recursive: true })
    for (const it of items) {
      const r = await tool('dcm2niix', ['-z', 'y', '-b', 'n', '-f', '%j', '-o', ref, join(it.root, it.folder)])
      expect(r.code, r.stdout + r.stderr).toBe(0)
    }
    const lines = (await python([ORACLE, out('plain'), ref, ...items.map((i) => `${i.name}=${i.series_uid}`)])).trim().split('\n')
    expect(lines).toHaveLength(m.cases.length)
    for (const line of lines) {
      const r = JSON.parse(line) as Record<string, unknown> & { shape: number[]; cornerMaxMm: number; meanAbsHu: number; shuffledMeanAbsHu: number; qformVsSform: number; id: string }
      const c = m.cases.find((x) => x.id === r.id)!
      expect(r.shape, r.id).toEqual([...c.shape].reverse())
      expect(r).toMatchObject({ dtype: 'int16', lungDtype: 'uint8', codes: [1, 1], lungAffineSame: true, ctEqualsNpy: true, lungEqualsNpy: true })
      expect(r.text).toEqual(['ct-curator export', '', ''])
      expect(r.qformVsSform).toBeLessThan(1e-3)
      // The corner voxels land within float32 precision of dcm2niix's corners.
      expect(r.cornerMaxMm, r.id).toBeLessThan(0.01)
      // Sampled through both affines, the volumes agree as a resampling of one scan does
      // (cubic vs dcm2niix's voxels read linearly); a flipped or shifted volume scores near the shuffle.
      expect(r.meanAbsHu, JSON.stringify(r)).toBeLessThan(0.15 * r.shuffledMeanAbsHu)
    }
  }, 300_000)

  it('nnU-Net layout (done scans, dilated labels): imagesTr/labelsTr and a dataset.json with nnU-Net v2 required fields', async () => {
    const r = await exportCli(out('nnunet'), '--layout', 'nnunet', '--include', 'done', '--format', 'nifti', '--dilate-mm', '3')
    const done = status.filter((s) => s.status === 'done').length
    expect(r.exported).toBe(done - 1) // all processed but the rejected one
    const ds = JSON.parse(readFileSync(join(out('nnunet'), 'dataset.json'), 'utf8')) as Record<string, unknown>
    expect(ds).toMatchObject({ channel_names: { '0': 'CT' }, labels: { background: 0, lung: 1 }, numTraining: r.exported, file_ending: '.nii.gz' })
    const m = manifest(out('nnunet'))
    expect(files(out('nnunet'))).toEqual(
      ['dataset.json', 'load_example.py', 'manifest.csv', 'manifest.json', ...m.cases.flatMap((c) => [`imagesTr/${c.id}_0000.nii.gz`, `labelsTr/${c.id}.nii.gz`])].sort(),
    )
    // The same case id as in the plain export: pseudonyms are stable within the database.
    const plainIds = manifest(out('plain')).cases.map((c) => c.id)
    expect(plainIds.every((id) => m.cases.some((c) => c.id === id))).toBe(true)
    // Dilated labels contain the segmented mask and grow it.
    const id = plainIds[0]!
    const check = await python([
      '-c',
      `import sys, numpy as np, nibabel as nib
lab = np.asanyarray(nib.load(sys.argv[1]).dataobj).T
seg = np.load(sys.argv[2])
img = nib.load(sys.argv[3])
print(int(((seg == 1) & (lab == 0)).sum()), int(lab.sum()) > int(seg.sum()) * 1.1, str(lab.dtype), np.array_equal(np.asanyarray(img.dataobj).T, np.load(sys.argv[4])))`,
      join(out('nnunet'), 'labelsTr', `${id}.nii.gz`),
      join(out('plain'), 'cases', id, 'lung.npy'),
      join(out('nnunet'), 'imagesTr', `${id}_0000.nii.gz`),
      join(out('plain'), 'cases', id, 'ct.npy'),
    ])
    expect(check.trim()).toBe('0 True uint8 True')
  }, 300_000)

  it('MONAI layout with --normalized over all processed scans: datalist, and ct_norm.npy centred on the mean numpy computes', async () => {
    const r = await exportCli(out('monai'), '--layout', 'monai', '--include', 'all', '--format', 'nifti', '--normalized')
    expect(r.exported).toBe(status.filter((s) => s.status === 'done').length)
    const dl = JSON.parse(readFileSync(join(out('monai'), 'datalist.json'), 'utf8')) as { training: Array<{ image: string; label: string }> }
    expect(dl.training).toHaveLength(r.exported)
    for (const t of dl.training) expect(existsSync(join(out('monai'), t.image)) && existsSync(join(out('monai'), t.label))).toBe(true)
    expect(manifest(out('monai')).cases.some((c) => c.review === 'rejected')).toBe(true)
    const res = await python([
      '-c',
      `import sys, json, os, numpy as np, nibabel as nib
root = sys.argv[1]
def ct(c):
    return np.asanyarray(nib.load(os.path.join(root, c["files"]["ctNifti"])).dataobj).T
m = json.load(open(os.path.join(root, "manifest.json")))
ds = json.load(open(os.path.join(root, "dataset.json")))
s = 0.0; n = 0; worst = 0.0
for c in m["cases"]:
    x = np.clip((ct(c).astype(np.float64) + 1000) / 1400, 0, 1)
    s += x.sum(); n += x.size
mean = s / n
for c in m["cases"]:
    x = np.clip((ct(c).astype(np.float64) + 1000) / 1400, 0, 1) - mean
    y = np.load(os.path.join(root, c["files"]["ctNorm"]))
    assert y.dtype == np.float32 and y.shape == x.shape
    worst = max(worst, float(np.abs(y - x).max()))
print(json.dumps({"mean": mean, "written": ds["normalization"]["pixelMean"], "worst": worst, "hist": sum(ds["huHistogram"]["counts"]) + ds["huHistogram"]["below"] + ds["huHistogram"]["above"], "n": n}))`,
      out('monai'),
    ])
    const v = JSON.parse(res) as { mean: number; written: number; worst: number; hist: number; n: number }
    expect(v.written).toBeCloseTo(v.mean, 8)
    expect(r.pixelMean).toBeCloseTo(v.mean, 12)
    expect(v.mean).not.toBeCloseTo(0.25, 3) // computed, not the tutorial's LUNA16 guess
    expect(v.worst).toBeLessThan(1e-6)
    expect(v.hist).toBe(v.n)
  }, 300_000)

  it('nothing identifying from the source headers or folder names reaches any exported byte', async () => {
    // Every identifying element (Annex E basic profile's kinds: names, IDs, dates, times, UIDs,
    // descriptions, institution, device) of every source file, read by pydicom.
    const values = JSON.parse(
      await python([
        '-c',
        `import sys, os, json, pydicom
vrs = {"PN", "LO", "SH", "DA", "DT", "TM", "UI", "LT", "ST", "UT", "AE", "AS"}
found = set()
for base, _, names in os.walk(sys.argv[1]):
    for name in names:
        try:
            ds = pydicom.dcmread(os.path.join(base, name), stop_before_pixels=True)
        except Exception:
            continue
        for el in list(ds.iterall()) + list(ds.file_meta.iterall() if hasattr(ds, "file_meta") else []):
            if el.VR in vrs and el.value not in (None, ""):
                vals = el.value if isinstance(el.value, pydicom.multival.MultiValue) else [el.value]
                for v in vals:
                    found.add(str(v).strip())
print(json.dumps(sorted(found)))`,
        cohort,
      ]),
    ) as string[]
    const folders = new Set<string>()
    for (const f of files(cohort)) for (const part of f.split('/').slice(0, -1)) folders.add(part)
    // Short values ("CT", "F") are everywhere by chance; names, IDs, dates and UIDs are longer.
    // Bare 6-digit times (HHMMSS) could match a count in dataset.json by chance: numbers need 8+.
    const needles = [...new Set([...values, ...folders])].filter((v) => v.length >= 6 && !(/^[\d.]+$/.test(v) && v.length < 8))
    expect(needles).toEqual(expect.arrayContaining(['Lung_Dx-A0002', 'LIDC-IDRI-0001', '20070425', 'DOE^JANE_19530425', 'PHANTOM^DEMO01']))
    // GNU grep with a fixed-string pattern list searches for all values in one pass.
    const patterns = join(dir, 'needles.txt')
    writeFileSync(patterns, needles.join('\n') + '\n')
    const grep = (args: string[], input?: Buffer): string => {
      const r = spawnSync('grep', ['-a', '-i', '-o', '-F', '-f', patterns, ...args], { input, maxBuffer: 64 << 20 })
      expect(r.status === 0 || r.status === 1, r.stderr?.toString()).toBe(true) // 1: no match
      return r.stdout.toString()
    }
    const leaks: string[] = []
    for (const name of ['plain', 'nnunet', 'monai']) {
      const all = files(out(name))
      const names = grep([], Buffer.from(all.join('\n')))
      if (names) leaks.push(`file names of ${name}: ${names}`)
      const raw = grep(['-r', out(name)])
      if (raw) leaks.push(raw)
      // Inside the compressed NIfTI files too (header text fields and voxels), gunzipped by gzip.
      const gz = spawnSync(
        'sh',
        ['-c', 'for f in "$@"; do gzip -dc "$f" | grep -a -i -o -F -f "$0" | sed "s|^|$f (decompressed): |"; done', patterns, ...all.filter((f) => f.endsWith('.gz')).map((f) => join(out(name), f))],
        { maxBuffer: 64 << 20 },
      )
      expect(gz.status, gz.stderr.toString()).toBe(0)
      if (gz.stdout.length) leaks.push(gz.stdout.toString())
    }
    expect(leaks).toEqual([])
  }, 300_000)

  it('a second export is byte-identical; an export killed with SIGKILL leaves nothing at the target and a re-run completes it identically', async () => {
    const want = digest(out('plain'))
    const target = out('killed')
    const partial = join(dir, 'out', '.killed.partial')
    const child = spawn(process.execPath, [CLI, 'export', target, '--db', db], { stdio: 'ignore' })
    // Kill it once at least one case is finished but not all.
    await new Promise<void>((ok, fail) => {
      const t = setInterval(() => {
        const marks = existsSync(join(partial, '.state')) ? readdirSync(join(partial, '.state')).filter((f) => f.startsWith('case_') && f.endsWith('.json')) : []
        if (marks.length >= 1) {
          clearInterval(t)
          child.kill('SIGKILL')
          ok()
        }
      }, 10)
      child.once('exit', () => {
        clearInterval(t)
        fail(new Error('export finished before it could be killed'))
      })
    })
    await new Promise((ok) => child.once('exit', ok))
    expect(existsSync(target)).toBe(false)
    // Resumed with every file flushed to disk before publishing: the same bytes either way.
    const again = await exportCli(target, '--fsync')
    expect(again.resumed).toBeGreaterThanOrEqual(1)
    expect(existsSync(partial)).toBe(false)
    expect(digest(target)).toEqual(want)
    // Over an earlier export: replaced, same bytes again.
    const over = await exportCli(out('plain'))
    expect(over.resumed).toBe(0)
    expect(digest(out('plain'))).toEqual(want)
  }, 300_000)

  it('npy only: ct.npy is the cached file; the HU counts processing wrote are numpy\'s, and a cache without them exports the same bytes and gets them back', async () => {
    const d = openDb(db)
    const runDirs = d.prepare("SELECT r.cache_dir FROM scans s JOIN runs r ON r.id = s.current_run_id WHERE s.review = 'accepted'").pluck().all() as string[]
    d.close()
    expect(runDirs.length).toBe(4)
    // Processing counted every HU value of the volume it wrote.
    const oracle = `import sys, numpy as np
raw = open(sys.argv[1], 'rb').read()
assert raw[:8] == b'CTCHUCT1'
n = int.from_bytes(raw[8:12], 'little')
pairs = np.frombuffer(raw, '<i4', 2 * n, 12).reshape(n, 2)
v, k = np.unique(np.load(sys.argv[2]), return_counts=True)
print(np.array_equal(pairs[:, 0], v), np.array_equal(pairs[:, 1].view('<u4'), k))`
    for (const r of runDirs) expect((await python(['-c', oracle, join(r, 'hu_counts.bin'), join(r, 'resampled.npy')])).trim()).toBe('True True')

    const a = await exportCli(out('npy-a'), '--format', 'npy')
    const m = manifest(out('npy-a'))
    expect(files(out('npy-a'))).toEqual(['dataset.json', 'load_example.py', 'manifest.csv', 'manifest.json', ...m.cases.flatMap((c) => [`cases/${c.id}/ct.npy`, `cases/${c.id}/lung.npy`])].sort())
    const cachedCt = new Set(runDirs.map((r) => createHash('sha256').update(readFileSync(join(r, 'resampled.npy'))).digest('hex')))
    for (const c of m.cases) expect(cachedCt.has(digest(out('npy-a'))[`cases/${c.id}/ct.npy`]!)).toBe(true)
    // Masks and the dataset's mean agree with the export that read every voxel.
    const full = digest(out('plain'))
    const npyOnly = digest(out('npy-a'))
    for (const c of m.cases) expect(npyOnly[`cases/${c.id}/lung.npy`]).toBe(full[`cases/${c.id}/lung.npy`])
    expect(a.pixelMean).toBe(plain.pixelMean)

    // A cache written before processing counted: the same dataset, and the counts are kept for next time.
    for (const r of runDirs) rmSync(join(r, 'hu_counts.bin'))
    const b = await exportCli(out('npy-b'), '--format', 'npy')
    expect(b.pixelMean).toBe(a.pixelMean)
    expect(digest(out('npy-b'))).toEqual(digest(out('npy-a')))
    for (const r of runDirs) expect(existsSync(join(r, 'hu_counts.bin'))).toBe(true)
  }, 300_000)

  it('refuses a target that is not an earlier export, or inside a source folder', async () => {
    const busy = join(dir, 'busy')
    mkdirSync(busy)
    writeFileSync(join(busy, 'thesis.docx'), 'x')
    const a = await ct(['export', busy, '--db', db])
    expect(a.code).toBe(2)
    expect(a.stderr).toMatch(/BAD_ARGUMENT.*not an earlier CT Curator export/)
    const b = await ct(['export', join(cohort, 'export'), '--db', db])
    expect(b.code).toBe(2)
    expect(b.stderr).toMatch(/inside the scanned folder/)
    expect(existsSync(join(cohort, 'export'))).toBe(false)
    const c = await ct(['export', join(dir, 'x'), '--db', db, '--layout', 'nnunet', '--format', 'npy'])
    expect(c.code).toBe(2)
    expect(existsSync(join(dir, 'x'))).toBe(false)
    // A mistyped database path is an error, not a new empty database.
    const d = await ct(['export', join(dir, 'x'), '--db', join(dir, 'typo.sqlite')])
    expect(d.code).toBe(1)
    expect(d.stderr).toMatch(/NOT_FOUND: No database/)
    expect(existsSync(join(dir, 'typo.sqlite'))).toBe(false)
    // One export per target: a running exporter's lock refuses a second one; a dead one's is taken over.
    mkdirSync(join(dir, 'locks'), { recursive: true })
    const target = join(dir, 'locks', 'locked')
    const lock = join(dir, 'locks', '.locked.lock')
    writeFileSync(lock, String(process.pid))
    const e = await ct(['export', target, '--db', db, '--format', 'npy'])
    expect(e.code).not.toBe(0)
    expect(e.stderr).toMatch(/BUSY: Another export to \S*locked is running \(process \d+\)/)
    expect(existsSync(target)).toBe(false)
    writeFileSync(lock, String(spawnSync(process.execPath, ['-e', '0']).pid))
    const f = await ct(['export', target, '--db', db, '--format', 'npy'])
    expect(f.code, f.stderr).toBe(0)
    expect(existsSync(join(target, 'manifest.json'))).toBe(true)
    expect(existsSync(lock)).toBe(false)
  })
})
