/**
 * `ct-curator cache`: what the cache holds (bytes per kind of file and per state of the run
 * that owns it) and `--prune`, which removes what no view or export will read again:
 *
 * - folders of superseded runs (neither a scan's current run nor the run its retry is compared
 *   with), failed or never-recorded runs, and scans no longer in the database;
 * - of the run a retry is compared with, everything but what before/after shows (masks,
 *   surfaces, preview) — its resampled volume becomes a hard link to the current run's when the
 *   two are byte-identical (a retry changes the closing only), so "revert" still has a volume;
 * - from runs written before the cache was compacted: hu.npy (unless the run asked to keep
 *   it), and uint8 masks, rewritten packed first.
 *
 * Every file a run's `outputs` lists stays in step with the disk (invalidateBrokenCaches
 * recomputes a run whose listed files are missing), and each change is ordered so a crash
 * leaves a readable run: new file written atomically, then the row, then the old file deleted.
 */
import { link, lstat, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Vec3 } from '../../shared/api'
import type { Db } from '../store/db'
import { HALF_FILE } from './halfVolume'
import { type CacheFileKind, HU_FILE, MASK_FILE, type MaskKind, PACKED_MASK_FILE, RESAMPLED_FILE, cacheFileKind, keptForComparison, readMask, writePackedMask } from './volumes'

/** The state of the run (or folder) a file belongs to. */
export type CacheFileStatus = 'current' | 'previous' | 'superseded' | 'failed' | 'gone' | 'processing' | 'temp'

export interface CacheUsage {
  cacheDir: string
  totalBytes: number
  files: number
  byKind: Record<CacheFileKind, number>
  byStatus: Record<CacheFileStatus, number>
  /** Scans whose current run is done and has its folder. */
  processedScans: number
  /** Bytes of those scans' current run folders. */
  currentBytes: number
  /** Σ voxels × 2 of those runs' resampled volumes: the yardstick of the ratio. */
  resampledInt16Bytes: number
  /** currentBytes / resampledInt16Bytes (goal ≤ 1.2); null with nothing processed. */
  ratio: number | null
}

export interface PruneResult {
  files: number
  bytes: number
  /** Runs whose folder went (their rows stay, without a cache folder). */
  runs: number
  /** Masks rewritten packed, from runs written before packing. */
  packed: number
  /** Resampled volumes now shared with the current run by a hard link. */
  linked: number
}

interface RunRow {
  id: number
  scan_id: number
  status: string
  cache_dir: string
  result_json: string | null
  params_json: string
  current_run_id: number | null
  scan_status: string | null
}

interface Output {
  name: string
  fileBytes: number
}

const TMP = /\.tmp-\d+-[0-9a-f]+$/

const zeroKinds = (): Record<CacheFileKind, number> => ({ resampled: 0, half: 0, mask: 0, hu: 0, surface: 0, preview: 0, other: 0 })
const zeroStatus = (): Record<CacheFileStatus, number> => ({ current: 0, previous: 0, superseded: 0, failed: 0, gone: 0, processing: 0, temp: 0 })

async function listFiles(dir: string): Promise<Array<{ name: string; size: number; ino: number }>> {
  const out: Array<{ name: string; size: number; ino: number }> = []
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const st = await lstat(join(dir, name)).catch(() => null)
    if (st?.isFile()) out.push({ name, size: st.size, ino: st.ino })
  }
  return out
}

async function listDirs(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory()).map((e) => e.name)
}

/** Every run with a folder, classified: current, the one a retry is compared with, or superseded. */
function classifyRuns(db: Db): Array<RunRow & { cls: 'current' | 'previous' | 'superseded' }> {
  const rows = db
    .prepare(
      `SELECT r.id, r.scan_id, r.status, r.cache_dir, r.result_json, r.params_json, s.current_run_id, s.status AS scan_status
       FROM runs r LEFT JOIN scans s ON s.id = r.scan_id WHERE r.cache_dir IS NOT NULL ORDER BY r.id`,
    )
    .all() as RunRow[]
  // The pair runs.ts's runPair shows: the current run and the latest other done run with a folder.
  const previous = new Map<number, number>()
  for (const r of rows) if (r.status === 'done' && r.id !== r.current_run_id) previous.set(r.scan_id, r.id)
  return rows.map((r) => ({
    ...r,
    cls: r.id === r.current_run_id ? 'current' : previous.get(r.scan_id) === r.id && r.current_run_id !== null ? 'previous' : 'superseded',
  }))
}

const voxels = (json: string | null): number => {
  const shape = (JSON.parse(json ?? '{}') as { resampledShape?: Vec3 }).resampledShape
  return shape ? shape[0] * shape[1] * shape[2] : 0
}

/** Bytes per kind and per state, and the ratio of processed scans' folders to their int16 volumes. */
export async function cacheUsage(db: Db, cacheDir: string): Promise<CacheUsage> {
  const root = resolve(cacheDir)
  const u: CacheUsage = {
    cacheDir: root,
    totalBytes: 0,
    files: 0,
    byKind: zeroKinds(),
    byStatus: zeroStatus(),
    processedScans: 0,
    currentBytes: 0,
    resampledInt16Bytes: 0,
    ratio: null,
  }
  // Hard links (a previous run sharing the current run's volume) are counted once.
  const seen = new Set<number>()
  const add = (f: { name: string; size: number; ino: number }, status: CacheFileStatus): number => {
    if (seen.has(f.ino)) return 0
    seen.add(f.ino)
    const s: CacheFileStatus = TMP.test(f.name) ? 'temp' : status
    u.byStatus[s] += f.size
    u.byKind[cacheFileKind(f.name.replace(TMP, ''))] += f.size
    u.totalBytes += f.size
    u.files++
    return f.size
  }
  const referenced = new Set<string>()
  for (const r of classifyRuns(db)) {
    const dir = resolve(r.cache_dir)
    referenced.add(dir)
    let bytes = 0
    for (const f of await listFiles(dir)) bytes += add(f, r.scan_status === null ? 'gone' : r.cls)
    if (r.cls === 'current' && r.status === 'done' && bytes > 0) {
      u.processedScans++
      u.currentBytes += bytes
      u.resampledInt16Bytes += 2 * voxels(r.result_json)
    }
  }
  const scanStatus = new Map((db.prepare('SELECT id, status FROM scans').all() as Array<{ id: number; status: string }>).map((s) => [String(s.id), s.status]))
  for (const scan of await listDirs(root)) {
    if (!/^\d+$/.test(scan)) continue
    for (const job of await listDirs(join(root, scan))) {
      const dir = join(root, scan, job)
      if (referenced.has(dir)) continue
      const st = scanStatus.get(scan)
      const status: CacheFileStatus = st === undefined ? 'gone' : st === 'processing' ? 'processing' : 'failed'
      for (const f of await listFiles(dir)) add(f, status)
    }
  }
  u.ratio = u.resampledInt16Bytes > 0 ? u.currentBytes / u.resampledInt16Bytes : null
  return u
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a), stat(b)])
  if (sa.size !== sb.size) return false
  if (sa.ino === sb.ino && sa.dev === sb.dev) return true
  // One volume at a time in memory: a pruning pass is not a hot path.
  const [x, y] = await Promise.all([readFile(a), readFile(b)])
  return x.equals(y)
}

/** `dst` becomes a hard link to `src`, atomically (link beside it, then rename over it). */
async function relink(src: string, dst: string): Promise<void> {
  const tmp = `${dst}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  await link(src, tmp)
  await rename(tmp, dst)
}

/** Removes what nothing will read again; see the file comment. Scans being processed are left alone. */
export async function pruneCache(db: Db, cacheDir: string): Promise<PruneResult> {
  const root = resolve(cacheDir)
  const out: PruneResult = { files: 0, bytes: 0, runs: 0, packed: 0, linked: 0 }
  const setOutputs = db.prepare('UPDATE runs SET result_json = ? WHERE id = ?')
  const dropFolder = db.prepare('UPDATE runs SET cache_dir = NULL WHERE id = ?')
  const removeFile = async (path: string, size: number): Promise<void> => {
    await rm(path, { force: true })
    out.files++
    out.bytes += size
  }
  const runs = classifyRuns(db)
  const currentDir = new Map(runs.filter((r) => r.cls === 'current').map((r) => [r.scan_id, resolve(r.cache_dir)]))
  for (const r of runs) {
    if (r.scan_status === 'processing') continue
    const dir = resolve(r.cache_dir)
    const files = await listFiles(dir)
    if (r.cls === 'superseded' || r.scan_status === null) {
      // The row goes first: a crash mid-delete leaves a folder no run points to, swept next time.
      dropFolder.run(r.id)
      for (const f of files) out.bytes += f.size
      out.files += files.length
      await rm(dir, { recursive: true, force: true })
      out.runs++
      continue
    }
    const result = JSON.parse(r.result_json ?? '{}') as { outputs?: Output[] }
    let outputs = result.outputs ?? []
    const keepHu = (JSON.parse(r.params_json) as { keepHu?: boolean }).keepHu === true
    const names = new Set(files.map((f) => f.name))
    const doomed = new Set<string>()
    let repacked = false
    // Masks from before packing: packed copy first (readers prefer it), then the row, then the old file.
    for (const kind of ['fill', 'nofill'] as MaskKind[]) {
      if (!names.has(MASK_FILE[kind])) continue
      if (!names.has(PACKED_MASK_FILE[kind])) {
        const m = await readMask(dir, kind)
        const bytes = await writePackedMask(dir, kind, m.data, m.shape)
        outputs = outputs.filter((o) => o.name !== PACKED_MASK_FILE[kind])
        outputs.push({ name: PACKED_MASK_FILE[kind], fileBytes: bytes })
        out.packed++
        repacked = true
      }
      doomed.add(MASK_FILE[kind])
    }
    if (!keepHu) doomed.add(HU_FILE)
    const volumes = [RESAMPLED_FILE, HALF_FILE]
    if (r.cls === 'previous') for (const f of files) if (!keptForComparison(f.name) && !volumes.includes(f.name)) doomed.add(f.name)
    for (const f of files) if (TMP.test(f.name)) doomed.add(f.name)
    const linkTo = r.cls === 'previous' ? currentDir.get(r.scan_id) : undefined
    for (const name of linkTo ? volumes : []) {
      if (!names.has(name)) continue
      const mine = join(dir, name)
      const theirs = join(linkTo!, name)
      const cur = files.find((f) => f.name === name)!
      const other = await stat(theirs).catch(() => null)
      if (other && other.ino !== cur.ino && (await sameBytes(mine, theirs))) {
        await relink(theirs, mine)
        out.bytes += cur.size
        if (name === RESAMPLED_FILE) out.linked++
      } else if (!other) {
        // Nothing to share with: before/after needs only the masks.
        doomed.add(name)
      }
    }
    const kept = outputs.filter((o) => !doomed.has(o.name))
    if (kept.length !== (result.outputs ?? []).length || repacked) setOutputs.run(JSON.stringify({ ...result, outputs: kept }), r.id)
    for (const f of files) if (doomed.has(f.name)) await removeFile(join(dir, f.name), f.size)
  }
  // Folders no run points to: failed or killed jobs, scans gone from the database.
  const referenced = new Set(runs.filter((r) => r.cls !== 'superseded' && r.scan_status !== null).map((r) => resolve(r.cache_dir)))
  const busy = new Set((db.prepare("SELECT id FROM scans WHERE status = 'processing'").pluck().all() as number[]).map(String))
  for (const scan of await listDirs(root)) {
    if (!/^\d+$/.test(scan) || busy.has(scan)) continue
    const jobs = await listDirs(join(root, scan))
    let left = jobs.length
    for (const job of jobs) {
      const dir = join(root, scan, job)
      if (referenced.has(dir)) continue
      for (const f of await listFiles(dir)) {
        out.files++
        out.bytes += f.size
      }
      await rm(dir, { recursive: true, force: true })
      left--
    }
    if (left === 0) await rm(join(root, scan), { recursive: true, force: true })
  }
  return out
}
