/**
 * `exportDataset`: the curated scans as a training-ready, de-identified dataset.
 *
 * Layout (plain): `cases/<id>/{ct.npy, lung.npy, ct_norm.npy, ct.nii.gz, lung.nii.gz}`,
 * `manifest.csv`, `manifest.json`, `dataset.json`, `load_example.py`; nnU-Net puts the NIfTI
 * files in `imagesTr/` and `labelsTr/` instead, MONAI adds `datalist.json`.
 *
 * Atomic and repeatable: everything is written into `.<name>.partial` beside the target and
 * renamed into place at the end. A case is finished when its marker (its manifest row and HU
 * counts) is in `.partial/.state/`; an interrupted export of the same selection and options
 * keeps finished cases and redoes the rest. No timestamps and no paths of this machine are
 * written, and gzip runs with MTIME 0, so two exports of one database are byte-identical.
 * With `fsync`, each case's files are flushed while the next case is written, and everything
 * before the rename, so even a power cut cannot publish a dataset with empty files.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import type { ExportArgs, ExportResult, ExportSkipped, ProgressEvent, Vec3 } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import { type PackedMask, unpackBits } from '../cache/packedMask'
import { type CachedVolume, plainResampledFile, readHuCounts, readMask, readPackedMask, readResampled, writeHuCounts } from '../cache/volumes'
import { npyHeader } from '../io/npy'
import { dilateBall } from '../pipeline/morphology'
import type { Db } from '../store/db'
import { listRoots } from '../store/scans'
import { resampledAffine, type Affine } from './affine'
import { casePaths, datasetJson, LOAD_EXAMPLE_PY, manifestCsv, manifestJson, monaiDatalist, type ExportOptions, type ManifestRow } from './documents'
import { copyFileAtomic, exists, fsyncDir, listTree, removeTree, syncFiles, syncTree, writeChunks, writeUnpacked } from './files'
import { gzipParallel } from './gzip'
import { niftiHeader } from './nifti'
import { HuCounts, normalizeVolume } from './normalize'
import { exportSecret, hashedUid } from './pseudonym'
import { selectCases, type ExportCase } from './select'

export interface ExportDeps {
  db: Db
  /** The exporting software's version, written to the documents. */
  version: string
  onProgress?: (e: ProgressEvent) => void
}

const STATE_DIR = '.state'
const STATE_FILE = '.state/export.json'

export function exportOptions(a: Omit<ExportArgs, 'outDir'>): ExportOptions {
  const formats = (['npy', 'nifti'] as const).filter((f) => (a.formats ?? ['npy', 'nifti']).includes(f))
  return { include: a.include ?? 'accepted', formats, layout: a.layout ?? 'plain', dilateMm: a.dilateMm ?? 0, normalized: a.normalized ?? false }
}

/** A case's marker: what the documents need of it, so a resumed export need not reread it. */
interface CaseMarker {
  row: ManifestRow
  /** [hu, count] for every HU value present. */
  counts: Array<[number, number]>
}

export async function exportDataset(args: ExportArgs, deps: ExportDeps): Promise<ExportResult> {
  const started = Date.now()
  const { db } = deps
  const o = exportOptions(args)
  const outDir = resolve(args.outDir)
  if (o.formats.length === 0) throw new CuratorError('BAD_ARGUMENT', 'Choose at least one format: npy, nifti.')
  if (o.layout === 'nnunet' && !o.formats.includes('nifti'))
    throw new CuratorError('BAD_ARGUMENT', 'The nnunet layout is made of NIfTI files: add nifti to the formats.')
  for (const root of listRoots(db)) {
    const rel = relative(resolve(root), outDir)
    if (rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel)))
      throw new CuratorError('BAD_ARGUMENT', `${outDir} is inside the scanned folder ${root}; source folders are never written to. Choose a folder outside it.`)
  }
  const release = await lockTarget(outDir)
  try {
    return await exportLocked(args, deps, o, outDir, started)
  } finally {
    await release()
  }
}

/**
 * One export per target at a time: a second one would share the partial folder. The lock file
 * holds the exporting process's id, so one left by a killed export is taken over.
 */
async function lockTarget(outDir: string): Promise<() => Promise<void>> {
  const path = join(dirname(outDir), `.${basename(outDir)}.lock`)
  await mkdir(dirname(outDir), { recursive: true })
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' })
      return () => unlink(path).catch(() => undefined)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err
    }
    const pid = Number(await readFile(path, 'utf8').catch(() => ''))
    if (Number.isInteger(pid) && pid > 0 && alive(pid))
      throw new CuratorError('BUSY', `Another export to ${outDir} is running (process ${pid}). Wait for it to finish, or export to another folder.`)
    await unlink(path).catch(() => undefined)
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function exportLocked(args: ExportArgs, deps: ExportDeps, o: ExportOptions, outDir: string, started: number): Promise<ExportResult> {
  const { db } = deps
  const previous = await targetState(outDir)

  const secret = exportSecret(db)
  const { cases, skipped } = selectCases(db, secret, o.include)
  if (cases.length === 0) {
    const why = summarise(skipped)
    throw new CuratorError('NOT_FOUND', `Nothing to export with include=${o.include}${why ? `: ${why}` : ''}. Review or process scans first, or widen --include.`)
  }

  // The partial folder belongs to one selection and one set of options; anything else is stale.
  const key = createHash('sha256')
    .update(JSON.stringify({ o, version: deps.version, cases: cases.map((c) => [c.name, c.runId, c.cacheDir]) }))
    .digest('hex')
  const tmp = join(dirname(outDir), `.${basename(outDir)}.partial`)
  const state = await readState(tmp)
  if (state !== key) {
    await removeTree(tmp)
    await mkdir(join(tmp, STATE_DIR), { recursive: true })
    await writeChunks(join(tmp, STATE_FILE), [Buffer.from(JSON.stringify({ key }))])
  }

  const exportId = Number(
    db
      .prepare("INSERT INTO exports (created_at, out_dir, params_json, status) VALUES (?, ?, ?, 'running')")
      .run(new Date().toISOString(), outDir, JSON.stringify(o)).lastInsertRowid,
  )
  try {
    const passes = o.normalized ? 2 : 1
    const total = cases.length * passes
    let done = 0
    let timedDone = 0
    const t0 = Date.now()
    const progress = (current: string | null): void => {
      const rate = timedDone > 0 ? (Date.now() - t0) / 1000 / timedDone : null
      deps.onProgress?.({ phase: 'export', done, total, etaSeconds: rate === null ? null : rate * (total - done), current })
    }
    progress(null)

    const counts = new HuCounts()
    const rows: ManifestRow[] = []
    const written: ExportCase[] = []
    let resumed = 0
    // With fsync: each case is flushed while the next ones are written (the kernel writes back in parallel).
    const flushing: Array<Promise<void>> = []
    const exportOne = async (c: ExportCase): Promise<Outcome> => {
      const marker = await readMarker(tmp, c.name)
      if (marker) return { kind: 'resumed', marker }
      const loaded = await loadCase(c, o)
      if ('code' in loaded) return { kind: 'skipped', skip: loaded }
      const row = await writeCase(tmp, c, loaded, o, secret)
      if (args.fsync) {
        const f = syncFiles(tmp, Object.values(row.files))
        f.catch(() => undefined) // awaited below; not an unhandled rejection meanwhile
        flushing.push(f)
      }
      return { kind: 'written', row, counts: loaded.counts }
    }
    // A few cases in flight, taken in order: one is read while others are copied, compressed and
    // written (a NIfTI case holds its volumes in memory, so fewer of those).
    const window = o.formats.includes('nifti') ? 2 : 3
    const inFlight: Array<Promise<Outcome>> = []
    let launched = 0
    try {
      for (const c of cases) {
        while (launched < cases.length && inFlight.length < window) {
          const p = exportOne(cases[launched++]!)
          p.catch(() => undefined) // handled in order below
          inFlight.push(p)
        }
        const out = await inFlight.shift()!
        if (out.kind === 'resumed') {
          resumed++
          rows.push(out.marker.row)
          addCounts(counts, out.marker.counts)
          written.push(c)
        } else if (out.kind === 'skipped') {
          skipped.push(out.skip)
        } else {
          rows.push(out.row)
          addCounts(counts, out.counts)
          written.push(c)
          timedDone++
        }
        done++
        progress(c.name)
      }
    } catch (err) {
      // Nothing keeps writing into the partial folder once the export has failed.
      await Promise.allSettled([...inFlight, ...flushing])
      throw err
    }
    if (rows.length === 0) throw new CuratorError('NOT_FOUND', `Nothing could be exported: ${summarise(skipped)}.`)

    const pixelMean = counts.normalizedMean()
    if (o.normalized) {
      for (const c of written) {
        const path = join(tmp, casePaths(c.name, o).ctNorm!)
        if (!(await exists(path))) {
          const ct = await readResampled(c.cacheDir)
          const norm = normalizeVolume(ct.data, pixelMean)
          await writeChunks(path, [npyHeader('float32', ct.shape), bytesOf(norm)])
          timedDone++
        }
        done++
        progress(c.name)
      }
    }

    const docs: Array<[string, string]> = [
      ['manifest.csv', manifestCsv(rows)],
      ['manifest.json', manifestJson(rows, o, deps.version)],
      ['dataset.json', datasetJson({ rows, counts, pixelMean }, o, deps.version)],
      ['load_example.py', LOAD_EXAMPLE_PY],
    ]
    if (o.layout === 'monai') docs.push(['datalist.json', monaiDatalist(rows)])
    for (const [name, text] of docs) await writeChunks(join(tmp, name), [Buffer.from(text)])

    await removeTree(join(tmp, STATE_DIR))
    const files = await listTree(tmp)
    // A .tmp left by a killed run whose file was later written whole: not part of the dataset.
    for (const f of files.filter((f) => f.endsWith('.tmp'))) await unlink(join(tmp, f))
    const final = files.filter((f) => !f.endsWith('.tmp'))
    if (args.fsync) {
      await Promise.all(flushing)
      await syncTree(tmp, final)
    }
    const bytes = await treeBytes(tmp, final)
    await publish(tmp, outDir, previous, args.fsync ?? false)

    db.transaction(() => {
      const ins = db.prepare('INSERT INTO export_items (export_id, scan_id, run_id, name) VALUES (?, ?, ?, ?)')
      for (const c of written) ins.run(exportId, c.scanId, c.runId, c.name)
      db.prepare("UPDATE exports SET status = 'done' WHERE id = ?").run(exportId)
    })()
    return { outDir, exported: rows.length, skipped, bytes, durationMs: Date.now() - started, pixelMean, resumed }
  } catch (err) {
    db.prepare("UPDATE exports SET status = 'failed', error_message = ? WHERE id = ?").run((err as Error).message, exportId)
    throw err
  }
}

type Outcome =
  | { kind: 'resumed'; marker: CaseMarker }
  | { kind: 'skipped'; skip: ExportSkipped }
  | { kind: 'written'; row: ManifestRow; counts: Array<[number, number]> }

interface Loaded {
  /** The CT's voxels, read only when a format needs them (NIfTI) or the cached file cannot simply be copied. */
  ct: Int16Array | null
  /** The cache's `resampled.npy` when `ct.npy` can be a copy of it. */
  ctFile: string | null
  /** [hu, count] for every HU value present: the dataset mean and histogram. */
  counts: Array<[number, number]>
  /** The fill mask: unpacked when a format needs every voxel in memory (NIfTI, dilation), else still packed and unpacked as it is written. */
  mask: Uint8Array | PackedMask
  maskVoxels: number
  shape: Vec3
}

async function loadCase(c: ExportCase, o: ExportOptions): Promise<Loaded | ExportSkipped> {
  const shape = c.resampledShape
  const n = shape[0] * shape[1] * shape[2]
  try {
    // What processing counted and wrote beside the volume saves reading it again: an npy-only
    // export of a fresh cache is file copies plus the masks.
    const needVoxels = o.formats.includes('nifti')
    const streamMask = !needVoxels && o.dilateMm === 0
    const [mask, stored, ctFile] = await Promise.all([
      readFillMask(c.cacheDir, streamMask),
      readHuCounts(c.cacheDir),
      needVoxels ? null : plainResampledFile(c.cacheDir, shape),
    ])
    if (mask.shape.join() !== shape.join())
      throw new CuratorError('INTERNAL', `cached volumes disagree on shape (${shape.join('×')} vs ${mask.shape.join('×')})`)
    let counts = stored && stored.reduce((a, [, k]) => a + k, 0) === n ? stored : null
    let ct: Int16Array | null = null
    if (needVoxels || !ctFile || !counts) {
      const vol = await readResampled(c.cacheDir)
      if (vol.shape.join() !== shape.join())
        throw new CuratorError('INTERNAL', `cached volumes disagree on shape (${vol.shape.join('×')} vs ${shape.join('×')})`)
      ct = vol.data
      if (!counts) {
        const h = new HuCounts()
        await h.addYielding(ct)
        counts = []
        for (let i = 0; i < 65536; i++) if (h.counts[i]) counts.push([i - 32768, h.counts[i]!])
        // A run folder from before processing wrote them: the next export reads them instead.
        await writeHuCounts(c.cacheDir, h.counts).catch(() => undefined)
      }
    }
    if ('bits' in mask) return { ct, ctFile: ct ? null : ctFile, counts, mask, maskVoxels: mask.voxelsSet, shape }
    let maskVoxels = mask.voxelsSet
    if (maskVoxels === undefined) {
      maskVoxels = 0
      for (let i = 0; i < mask.data.length; i++) maskVoxels += mask.data[i]!
    }
    return { ct, ctFile: ct ? null : ctFile, counts, mask: mask.data, maskVoxels, shape }
  } catch (err) {
    const e = err as CuratorError
    return {
      scanId: c.scanId,
      folder: c.folder,
      code: 'cache_missing',
      message: e.code === 'NOT_FOUND' ? 'its cached volumes are gone: process it again' : `its cached volumes cannot be read (${e.message})`,
    }
  }
}

function addCounts(into: HuCounts, counts: ReadonlyArray<readonly [number, number]>): void {
  for (const [hu, k] of counts) {
    into.counts[hu + 32768]! += k
    into.total += k
  }
}

const bytesOf = (a: Int16Array | Uint8Array | Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

async function writeCase(tmp: string, c: ExportCase, v: Loaded, o: ExportOptions, secret: Buffer): Promise<ManifestRow> {
  const affine: Affine = resampledAffine(c.geometry, v.shape)
  const spacing: Vec3 = [affine.pixdim[2], affine.pixdim[1], affine.pixdim[0]]
  const n = v.shape[0] * v.shape[1] * v.shape[2]
  let lung = v.mask
  let inMask = v.maskVoxels
  if (o.dilateMm > 0) {
    lung = dilateBall(unpacked(v.mask, n), v.shape, spacing, o.dilateMm)
    inMask = 0
    for (let i = 0; i < lung.length; i++) inMask += lung[i]!
  }
  const paths = casePaths(c.name, o)
  for (const p of Object.values(paths)) await mkdir(dirname(join(tmp, p)), { recursive: true })

  const writes: Array<Promise<unknown>> = []
  if (paths.ct) {
    const dest = join(tmp, paths.ct)
    writes.push(v.ctFile ? copyFileAtomic(v.ctFile, dest) : writeChunks(dest, [npyHeader('int16', v.shape), bytesOf(v.ct!)]))
  }
  if (paths.lung) {
    const dest = join(tmp, paths.lung)
    writes.push(lung instanceof Uint8Array ? writeChunks(dest, [npyHeader('uint8', v.shape), bytesOf(lung)]) : writeUnpacked(dest, npyHeader('uint8', v.shape), lung.bits, n))
  }
  if (paths.ctNifti) {
    const descrip = 'ct-curator export'
    const ctHead = niftiHeader({ dtype: 'int16', shape: v.shape, affine, descrip })
    const lungHead = niftiHeader({ dtype: 'uint8', shape: v.shape, affine, descrip, intentCode: 1002 })
    writes.push(gzipParallel([ctHead, bytesOf(v.ct!)]).then((gz) => writeChunks(join(tmp, paths.ctNifti!), gz)))
    writes.push(gzipParallel([lungHead, bytesOf(unpacked(lung, n))]).then((gz) => writeChunks(join(tmp, paths.lungNifti!), gz)))
  }
  await Promise.all(writes)

  const row: ManifestRow = {
    id: c.name,
    shape: v.shape,
    spacing,
    maskFraction: inMask / n,
    lungVolumeMl: c.maskVolumeMl,
    flags: c.flagCodes,
    review: c.review,
    reviewNote: c.reviewNote,
    mode: c.mode,
    closingMm: c.closingMm,
    seriesHash: hashedUid(secret, c.seriesUid),
    runVersion: c.runSoftwareVersion,
    affineAssumed: affine.assumed,
    files: paths,
  }
  await writeChunks(join(tmp, STATE_DIR, `${c.name}.json`), [Buffer.from(JSON.stringify({ row, counts: v.counts } satisfies CaseMarker))])
  return row
}

/** Packed when asked and the cache holds it packed; unpacked otherwise. */
async function readFillMask(runDir: string, packed: boolean): Promise<PackedMask | CachedVolume<Uint8Array>> {
  return (packed && (await readPackedMask(runDir, 'fill'))) || readMask(runDir, 'fill')
}

const unpacked = (m: Uint8Array | PackedMask, n: number): Uint8Array => (m instanceof Uint8Array ? m : unpackBits(m.bits, n))

async function readMarker(tmp: string, name: string): Promise<CaseMarker | null> {
  try {
    return JSON.parse(await readFile(join(tmp, STATE_DIR, `${name}.json`), 'utf8')) as CaseMarker
  } catch {
    return null
  }
}

async function readState(tmp: string): Promise<string | null> {
  try {
    return (JSON.parse(await readFile(join(tmp, STATE_FILE), 'utf8')) as { key: string }).key
  } catch {
    return null
  }
}

type Previous = 'absent' | 'empty' | 'export'

/** What is at the target now: nothing, an empty folder, or an earlier export (replaced). */
async function targetState(outDir: string): Promise<Previous> {
  let entries: string[]
  try {
    entries = await readdir(outDir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return 'absent'
    if (code === 'ENOTDIR') throw new CuratorError('BAD_ARGUMENT', `${outDir} is a file; choose a folder for the dataset.`)
    throw err
  }
  if (entries.length === 0) return 'empty'
  try {
    const m = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as { software?: string }
    if (m.software === 'ct-curator') return 'export'
  } catch {
    /* not an export of ours */
  }
  throw new CuratorError('BAD_ARGUMENT', `${outDir} exists and is not an earlier CT Curator export; choose a new or empty folder.`)
}

/** The partial folder takes the target's name; an earlier export is moved aside, then removed. */
async function publish(tmp: string, outDir: string, previous: Previous, durable: boolean): Promise<void> {
  // Left by a run killed between the two renames below, once its successor is in place.
  const old = join(dirname(outDir), `.${basename(outDir)}.old`)
  await removeTree(old)
  if (previous === 'empty') await rmdir(outDir)
  else if (previous === 'export') await rename(outDir, old)
  await rename(tmp, outDir)
  // A directory fsync commits the file system's journal, which waits for every dirty page written above.
  if (durable) await fsyncDir(dirname(outDir))
  await removeTree(old)
}

async function treeBytes(dir: string, files: readonly string[]): Promise<number> {
  let n = 0
  for (const f of files) n += (await stat(join(dir, f))).size
  return n
}

function summarise(skipped: readonly ExportSkipped[]): string {
  const by = new Map<string, number>()
  for (const s of skipped) by.set(s.code, (by.get(s.code) ?? 0) + 1)
  return [...by].map(([code, n]) => `${n} ${code.replace('_', ' ')}`).join(', ')
}
