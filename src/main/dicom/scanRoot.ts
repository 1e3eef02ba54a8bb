/**
 * Scans a root folder: walk, index headers (reusing the database's index for files whose size
 * and mtime did not change), group, choose, and — with a database — persist series and scans.
 * Yields to the event loop between batches so the app stays responsive during big scans.
 */
import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { PipelineMode, ProgressEvent } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import type { Db } from '../store/db'
import { decodeHeader, encodeHeader } from './headerCodec'
import type { HeaderRecord, ScanResult, SeriesInfo, SkippedFile } from './types'
import { type FileEntry, walk } from './walk'

export interface ScanOptions {
  db?: Db
  /**
   * Fill `headers` for every image even when nothing changed (callers that go on to load
   * pixels). Without it an unchanged root is answered from the database alone. @default false
   */
  needHeaders?: boolean
  mode?: PipelineMode
  onProgress?: (e: ProgressEvent) => void
}

const BATCH = 256
/** Longest the header loop holds the event loop before yielding, ms. */
const SLICE_MS = 8
const tick = (): Promise<void> => new Promise((ok) => setImmediate(ok))

interface CachedFile {
  path: string
  size: number
  mtime_ms: number
  header_json: string | null
  skip_code: string | null
  skip_message: string | null
}

/** The scan result plus the header of every indexed image, for callers that go on to load pixels. */
export type IndexedScan = ScanResult & { headers: Map<string, HeaderRecord> }

export async function scanRoot(rootArg: string, opts: ScanOptions = {}): Promise<IndexedScan> {
  const started = Date.now()
  const root = resolve(rootArg)
  let st
  try {
    st = statSync(root)
  } catch {
    throw new CuratorError('NOT_FOUND', `Folder not found: ${root}`)
  }
  if (!st.isDirectory()) throw new CuratorError('BAD_ARGUMENT', `Not a folder: ${root}. Give the folder that holds the patient folders.`)

  const { files, problems, unlistedFolders } = await walk(root, { yieldEvery: BATCH, tick })
  const db = opts.db
  const mode = opts.mode ?? 'robust'
  const rootId = db ? ensureRoot(db, root) : 0
  // The walk's sizes and mtimes against the signature of the last complete scan: one row read,
  // not one per file. Same signature, nothing to re-read or regroup.
  const sig = db ? treeSignature(files, mode) : ''
  if (db && !opts.needHeaders) {
    const stored = fromDatabase(db, rootId, root, sig, problems, files.length, started)
    if (stored) {
      opts.onProgress?.({ phase: 'scan', done: files.length, total: files.length, etaSeconds: 0, current: null })
      return stored
    }
  }
  // Loaded only when a file is read or the root regrouped: an unchanged rescan needs neither.
  const [{ isSkipped, readHeader }, { groupAndChoose }] = await Promise.all([import('./header'), import('./series')])
  const cache = new Map<string, CachedFile>()
  if (db) {
    for (const row of db.prepare('SELECT * FROM files WHERE root_id = ?').iterate(rootId) as Iterable<CachedFile>) {
      cache.set(row.path, row)
    }
  }

  const headers: HeaderRecord[] = []
  const skipped: SkippedFile[] = [...problems]
  const changed: Array<HeaderRecord | SkippedFile & { size: number; mtimeMs: number }> = []
  let reused = 0
  let sliceStart = performance.now()
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!
    const c = cache.get(f.rel)
    if (c && c.size === f.size && c.mtime_ms === f.mtimeMs) {
      reused++
      if (c.header_json) headers.push(decodeHeader(c.header_json, c.path, c.size, c.mtime_ms))
      else skipped.push({ path: f.rel, code: c.skip_code as SkippedFile['code'], message: c.skip_message ?? '' })
    } else {
      const r = readHeader(f.abs, f.rel, f.size, f.mtimeMs)
      if (isSkipped(r)) {
        skipped.push(r)
        changed.push({ ...r, size: f.size, mtimeMs: f.mtimeMs })
      } else {
        headers.push(r)
        changed.push(r)
      }
    }
    if ((i + 1) % BATCH === 0) {
      opts.onProgress?.({
        phase: 'scan',
        done: i + 1,
        total: files.length,
        etaSeconds: ((Date.now() - started) / 1000 / (i + 1)) * (files.length - i - 1),
        current: f.rel,
      })
    }
    if (performance.now() - sliceStart >= SLICE_MS) {
      await tick()
      sliceStart = performance.now()
    }
  }

  const overrides = new Map<string, string>()
  if (db) {
    for (const r of db.prepare('SELECT patient_key, series_uid FROM series_overrides WHERE root_id = ?').all(rootId) as Array<{
      patient_key: string
      series_uid: string
    }>) {
      overrides.set(r.patient_key, r.series_uid)
    }
  }
  const grouped = groupAndChoose(headers, mode, overrides)
  skipped.push(...grouped.skipped)
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))

  if (db) {
    const present = new Set(files.map((f) => f.rel))
    // Scans of patients gone from the root go too, unless part of the tree could not be listed.
    const dropGone = unlistedFolders === 0
    await persist(db, rootId, changed, [...cache.keys()].filter((p) => !present.has(p)), grouped.series, headers, grouped.skipped, dropGone, sig)
  }
  opts.onProgress?.({ phase: 'scan', done: files.length, total: files.length, etaSeconds: 0, current: null })
  return {
    root,
    series: grouped.series,
    skipped,
    stats: { files: files.length, indexed: files.length - reused, reused, durationMs: Date.now() - started },
    headers: new Map(headers.map((h) => [h.path, h])),
  }
}

/**
 * Path, size and mtime of every file found, and the grouping mode: equal signatures mean the
 * stored index and grouping are what a full rescan would produce. A file rewritten in place
 * changes its mtime even when its size stays; one added or removed changes the list.
 */
function treeSignature(files: FileEntry[], mode: string): string {
  // Names NUL-separated (no path holds a NUL) and the numbers as raw doubles: one hash update
  // each, no number printed (printing 40,000 doubles cost more than the hash).
  const names = new Array<string>(files.length)
  const nums = new Float64Array(files.length * 2)
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!
    names[i] = f.rel
    nums[2 * i] = f.size
    nums[2 * i + 1] = f.mtimeMs
  }
  return createHash('sha1')
    .update(`${mode}\n${files.length}\n`)
    .update(names.join('\0'))
    .update(new Uint8Array(nums.buffer))
    .digest('hex')
}

/**
 * An unchanged root answered from the database: the stored series and skips, exactly what a
 * full regroup would produce (same files, same overrides). Null when the signature differs or
 * nothing complete is stored yet (a first scan, a scan killed halfway, an override since).
 */
function fromDatabase(
  db: Db,
  rootId: number,
  root: string,
  sig: string,
  problems: SkippedFile[],
  nFiles: number,
  started: number,
): IndexedScan | null {
  const stored = db.prepare('SELECT group_skipped_json, files_sig FROM roots WHERE id = ?').get(rootId) as {
    group_skipped_json: string | null
    files_sig: string | null
  }
  const groupSkipped = stored.group_skipped_json
  if (groupSkipped === null || stored.files_sig !== sig) return null
  const series = (db.prepare('SELECT info_json FROM series WHERE root_id = ?').pluck().all(rootId) as string[])
    .map((j) => JSON.parse(j) as SeriesInfo)
    .sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : a.seriesUid < b.seriesUid ? -1 : 1))
  const skipped: SkippedFile[] = [
    ...problems,
    ...(db
      // Named: without statistics the planner walks the whole primary key instead (0.1–0.2 s at 20,000 files).
      .prepare('SELECT path, skip_code AS code, skip_message AS message FROM files INDEXED BY files_skipped WHERE root_id = ? AND skip_code IS NOT NULL')
      .all(rootId) as SkippedFile[]),
    ...(JSON.parse(groupSkipped) as SkippedFile[]),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return {
    root,
    series,
    skipped,
    stats: { files: nFiles, indexed: 0, reused: nFiles, durationMs: Date.now() - started },
    headers: new Map(),
  }
}

function ensureRoot(db: Db, root: string): number {
  db.prepare('INSERT INTO roots (path) VALUES (?) ON CONFLICT(path) DO NOTHING').run(root)
  return (db.prepare('SELECT id FROM roots WHERE path = ?').get(root) as { id: number }).id
}

/** Size and mtime of every file of a series: any change invalidates earlier results. */
function filesSignature(s: SeriesInfo, byPath: Map<string, HeaderRecord>): string {
  const h = createHash('sha1')
  for (const p of s.files) {
    const r = byPath.get(p)!
    h.update(`${p}\0${r.size}\0${r.mtimeMs}\n`)
  }
  return h.digest('hex')
}

/**
 * File rows go in batches (one transaction each, the event loop served between them); series,
 * scans and the root's stored grouping in one last transaction. Until that one commits the
 * stored grouping is cleared, so a scan killed halfway is never answered from the shortcut.
 */
async function persist(
  db: Db,
  rootId: number,
  changed: Array<HeaderRecord | (SkippedFile & { size: number; mtimeMs: number })>,
  removed: string[],
  series: SeriesInfo[],
  headers: HeaderRecord[],
  groupSkipped: SkippedFile[],
  dropGone: boolean,
  sig: string,
): Promise<void> {
  const upFile = db.prepare(
    `INSERT INTO files (root_id, path, size, mtime_ms, header_json, skip_code, skip_message) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(root_id, path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms,
       header_json = excluded.header_json, skip_code = excluded.skip_code, skip_message = excluded.skip_message`,
  )
  const delFile = db.prepare('DELETE FROM files WHERE root_id = ? AND path = ?')
  const insSeries = db.prepare(
    'INSERT INTO series (root_id, series_uid, patient_key, folder, chosen, info_json) VALUES (?, ?, ?, ?, ?, ?)',
  )
  // A patient whose chosen series or files changed starts over (pending, no current run);
  // otherwise status, results and reviews are kept.
  const upScan = db.prepare(
    `INSERT INTO scans (root_id, patient_key, folder, patient_id, study_uid, series_uid, modality, manufacturer, kernel,
       acquisition_date, slice_thickness, choice_reason, slice_count, spacing_json, shape_json, files_json, files_sig,
       geometry_flags_json)
     VALUES (@rootId, @patientKey, @folder, @patientId, @studyUid, @seriesUid, @modality, @manufacturer, @kernel,
       @acquisitionDate, @sliceThickness, @choiceReason, @sliceCount, @spacing, @shape, @files, @sig, @flags)
     ON CONFLICT(root_id, patient_key) DO UPDATE SET
       status = CASE WHEN scans.series_uid = excluded.series_uid AND scans.files_sig = excluded.files_sig
                     THEN scans.status ELSE 'pending' END,
       current_run_id = CASE WHEN scans.series_uid = excluded.series_uid AND scans.files_sig = excluded.files_sig
                     THEN scans.current_run_id ELSE NULL END,
       folder = excluded.folder, patient_id = excluded.patient_id, study_uid = excluded.study_uid,
       series_uid = excluded.series_uid, modality = excluded.modality, manufacturer = excluded.manufacturer,
       kernel = excluded.kernel, acquisition_date = excluded.acquisition_date,
       slice_thickness = excluded.slice_thickness, choice_reason = excluded.choice_reason,
       slice_count = excluded.slice_count, spacing_json = excluded.spacing_json, shape_json = excluded.shape_json,
       files_json = excluded.files_json, files_sig = excluded.files_sig, geometry_flags_json = excluded.geometry_flags_json`,
  )
  const byPath = new Map(headers.map((h) => [h.path, h]))
  db.prepare('UPDATE roots SET group_skipped_json = NULL, files_sig = NULL WHERE id = ?').run(rootId)
  // Each transaction is a synchronous commit on the event loop: as many rows as fit in one
  // slice, so the app stays responsive and the first scan does not pay a commit per 64 rows.
  const inBatches = async <T>(items: T[], each: (item: T) => void): Promise<void> => {
    let i = 0
    const slice = db.transaction(() => {
      const t0 = performance.now()
      do {
        for (const end = Math.min(items.length, i + 64); i < end; i++) each(items[i]!)
      } while (i < items.length && performance.now() - t0 < SLICE_MS)
    })
    while (i < items.length) {
      slice()
      await tick()
    }
  }
  await inBatches(changed, (c) => {
    if ('code' in c) upFile.run(rootId, c.path, c.size, c.mtimeMs, null, c.code, c.message)
    else upFile.run(rootId, c.path, c.size, c.mtimeMs, encodeHeader(c), null, null)
  })
  await inBatches(removed, (p) => delFile.run(rootId, p))
  db.transaction(() => {
    db.prepare('DELETE FROM series WHERE root_id = ?').run(rootId)
    for (const s of series) {
      insSeries.run(rootId, s.seriesUid, s.patientKey, s.folder, s.chosen ? 1 : 0, JSON.stringify(s))
      if (!s.chosen) continue
      upScan.run({
        rootId,
        patientKey: s.patientKey,
        folder: s.folder,
        patientId: s.patientId,
        studyUid: s.studyUid,
        seriesUid: s.seriesUid,
        modality: s.modality,
        manufacturer: s.manufacturer || null,
        kernel: s.kernel || null,
        acquisitionDate: s.acquisitionDate || null,
        sliceThickness: s.sliceThickness,
        choiceReason: s.choiceReason,
        sliceCount: s.files.length,
        spacing: JSON.stringify(s.spacing),
        shape: JSON.stringify(s.shape),
        files: JSON.stringify(s.files),
        sig: filesSignature(s, byPath),
        flags: JSON.stringify(s.flags),
      })
    }
    if (dropGone) {
      const keep = new Set(series.filter((x) => x.chosen).map((x) => x.patientKey))
      const del = db.prepare('DELETE FROM scans WHERE id = ?')
      for (const r of db.prepare('SELECT id, patient_key FROM scans WHERE root_id = ?').all(rootId) as Array<{ id: number; patient_key: string }>)
        if (!keep.has(r.patient_key)) del.run(r.id)
    }
    db.prepare('UPDATE roots SET scanned_at = ?, group_skipped_json = ?, files_sig = ? WHERE id = ?').run(
      new Date().toISOString(),
      JSON.stringify(groupSkipped),
      sig,
      rootId,
    )
  })()
}
