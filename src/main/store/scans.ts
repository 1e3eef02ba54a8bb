import type {
  Flag,
  HuHistogram,
  ListScansArgs,
  ReviewStatus,
  RunInfo,
  ScanDetail,
  ScanPreview,
  SeriesCandidate,
  ScanStatus,
  ScanSummary,
  Vec3,
} from '../../shared/api'
import { CuratorError, type ErrorInfo, type ErrorCode } from '../../shared/errors'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PREVIEW_FILE } from '../paths'
import type { Db } from './db'

interface ScanRow {
  id: number
  root_id: number
  patient_key: string
  root_path: string
  folder: string
  patient_id: string
  study_uid: string
  series_uid: string
  modality: string
  manufacturer: string | null
  kernel: string | null
  acquisition_date: string | null
  slice_thickness: number | null
  choice_reason: string
  slice_count: number
  spacing_json: string | null
  shape_json: string | null
  files_json: string
  geometry_flags_json: string
  status: ScanStatus
  review: ReviewStatus
  review_note: string | null
  reviewed_at: string | null
  current_run_id: number | null
  series_description: string | null
  /** The whole result (detail query); the list query has the r_* fields instead. */
  run_result_json?: string | null
  r_mask_fraction?: number | null
  r_mask_fraction_nofill?: number | null
  r_hu_min?: number | null
  r_hu_max?: number | null
  r_resampled_shape?: string | null
  r_resampled_spacing?: string | null
  r_timings?: string | null
  run_flags_json: string | null
  run_error_code: string | null
  run_error_message: string | null
}

interface RunResultJson {
  maskFraction?: number
  maskFractionNoFill?: number
  resampledShape?: Vec3
  resampledSpacing?: Vec3
  huMin?: number
  huMax?: number
  timingsMs?: Record<string, number>
  histogram?: HuHistogram
  maskVolumeMl?: number
  leftLungMl?: number
  rightLungMl?: number
}

/** What tells a patient's scans apart when IDs are hashes: the chosen series' description. */
const SERIES_DESCRIPTION = `(SELECT json_extract(se.info_json, '$.seriesDescription') FROM series se
          WHERE se.root_id = s.root_id AND se.series_uid = s.series_uid) AS series_description`

const SELECT_SCAN = `
  SELECT s.*, r.path AS root_path,
         ${SERIES_DESCRIPTION},
         run.result_json AS run_result_json, run.flags_json AS run_flags_json,
         run.error_code AS run_error_code, run.error_message AS run_error_message
  FROM scans s
  JOIN roots r ON r.id = s.root_id
  LEFT JOIN runs run ON run.id = s.current_run_id`

/**
 * The list's query: only what a summary shows. A run's result_json carries the slice order and
 * the histogram (tens of kB for a real series) and a scan's files_json every path: at thousands
 * of scans, parsing those for each list would cost seconds, so SQLite picks the few fields out.
 */
const SELECT_SUMMARY = `
  SELECT s.id, s.folder, s.patient_id, s.series_uid, s.status, s.review, s.slice_count,
         s.spacing_json, s.shape_json, s.geometry_flags_json, s.current_run_id,
         ${SERIES_DESCRIPTION},
         -- numbers as SQL values (exact doubles), arrays and objects as their JSON text
         json_extract(run.result_json, '$.maskFraction') AS r_mask_fraction,
         json_extract(run.result_json, '$.maskFractionNoFill') AS r_mask_fraction_nofill,
         json_extract(run.result_json, '$.huMin') AS r_hu_min,
         json_extract(run.result_json, '$.huMax') AS r_hu_max,
         json_extract(run.result_json, '$.resampledShape') AS r_resampled_shape,
         json_extract(run.result_json, '$.resampledSpacing') AS r_resampled_spacing,
         json_extract(run.result_json, '$.timingsMs') AS r_timings,
         run.flags_json AS run_flags_json, run.error_code AS run_error_code, run.error_message AS run_error_message
  FROM scans s
  LEFT JOIN runs run ON run.id = s.current_run_id`

const parse = <T>(json: string | null, fallback: T): T => (json ? (JSON.parse(json) as T) : fallback)

function toSummary(row: ScanRow): ScanSummary {
  const result: RunResultJson =
    row.run_result_json !== undefined
      ? parse<RunResultJson>(row.run_result_json, {})
      : {
          maskFraction: row.r_mask_fraction ?? undefined,
          maskFractionNoFill: row.r_mask_fraction_nofill ?? undefined,
          huMin: row.r_hu_min ?? undefined,
          huMax: row.r_hu_max ?? undefined,
          resampledShape: parse<Vec3 | undefined>(row.r_resampled_shape ?? null, undefined),
          resampledSpacing: parse<Vec3 | undefined>(row.r_resampled_spacing ?? null, undefined),
          timingsMs: parse<Record<string, number> | undefined>(row.r_timings ?? null, undefined),
        }
  // A run re-derives the geometry flags in its own mode; before any run, ingestion's stand.
  const ingest = parse<Flag[]>(row.geometry_flags_json, [])
  // Slices dropped at indexing never reach the worker, so only ingestion knows about them.
  const flags =
    row.run_flags_json !== null
      ? [...parse<Flag[]>(row.run_flags_json, []), ...ingest.filter((f) => f.code === 'dropped_slices')]
      : ingest
  const error: ErrorInfo | null = row.run_error_code
    ? { code: row.run_error_code as ErrorCode, message: row.run_error_message ?? '' }
    : null
  return {
    id: row.id,
    folder: row.folder,
    patientId: row.patient_id,
    seriesUid: row.series_uid,
    seriesDescription: row.series_description || null,
    status: row.status,
    review: row.review,
    flags,
    maskFraction: result.maskFraction ?? null,
    maskFractionNoFill: result.maskFractionNoFill ?? null,
    sliceCount: row.slice_count,
    spacing: parse<Vec3 | null>(row.spacing_json, null),
    shape: parse<Vec3 | null>(row.shape_json, null),
    resampledShape: result.resampledShape ?? null,
    resampledSpacing: result.resampledSpacing ?? null,
    huMin: result.huMin ?? null,
    huMax: result.huMax ?? null,
    error,
    timingsMs: result.timingsMs ?? null,
  }
}

export function listScans(db: Db, args: ListScansArgs = {}): ScanSummary[] {
  const where: string[] = []
  const params: Record<string, string> = {}
  if (args.status) {
    where.push('s.status = @status')
    params.status = args.status
  }
  if (args.review) {
    where.push('s.review = @review')
    params.review = args.review
  }
  const rows = db
    .prepare(`${SELECT_SUMMARY} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY s.folder, s.id`)
    .all(params) as ScanRow[]
  const scans = rows.map(toSummary)
  return args.flag ? scans.filter((s) => s.flags.some((f) => f.code === args.flag)) : scans
}

function getRow(db: Db, id: number): ScanRow {
  const row = db.prepare(`${SELECT_SCAN} WHERE s.id = ?`).get(id) as ScanRow | undefined
  if (!row) throw new CuratorError('NOT_FOUND', `No scan with id ${id}. Run a scan of its root first.`)
  return row
}

export function getScanSummary(db: Db, id: number): ScanSummary {
  return toSummary(getRow(db, id))
}

/** The current result's picture, or null (no finished result, or one from before pictures). */
export function getScanPreview(db: Db, id: number): ScanPreview | null {
  getRow(db, id) // NOT_FOUND for an unknown scan
  const run = db
    .prepare("SELECT r.id, r.cache_dir FROM scans s JOIN runs r ON r.id = s.current_run_id WHERE s.id = ? AND r.status = 'done'")
    .get(id) as { id: number; cache_dir: string | null } | undefined
  if (!run?.cache_dir) return null
  try {
    return { runId: run.id, pngBase64: readFileSync(join(run.cache_dir, PREVIEW_FILE)).toString('base64') }
  } catch {
    return null // the cache was cleared or moved: the scan will be recomputed on the next run
  }
}

export function getScanDetail(db: Db, id: number): ScanDetail {
  const row = getRow(db, id)
  const runs = (
    db
      .prepare(
        `SELECT id, mode, closing_mm, status, started_at, finished_at, error_code, error_message, result_json, flags_json
         FROM runs WHERE scan_id = ? ORDER BY id`,
      )
      .all(id) as Array<{
      id: number
      mode: RunInfo['mode']
      closing_mm: number
      status: ScanStatus
      started_at: string | null
      finished_at: string | null
      error_code: string | null
      error_message: string | null
      result_json: string | null
      flags_json: string | null
    }>
  ).map<RunInfo>((r) => ({
    id: r.id,
    mode: r.mode,
    closingMm: r.closing_mm,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error_code ? { code: r.error_code as ErrorCode, message: r.error_message ?? '' } : null,
    maskFraction: parse<RunResultJson>(r.result_json, {}).maskFraction ?? null,
    flags: parse<Flag[]>(r.flags_json, []),
    current: r.id === row.current_run_id,
  }))
  const result = parse<RunResultJson>(row.run_result_json ?? null, {})
  return {
    ...toSummary(row),
    rootPath: row.root_path,
    studyUid: row.study_uid,
    modality: row.modality,
    manufacturer: row.manufacturer,
    kernel: row.kernel,
    sliceThickness: row.slice_thickness,
    acquisitionDate: row.acquisition_date,
    choiceReason: row.choice_reason,
    reviewNote: row.review_note,
    reviewedAt: row.reviewed_at,
    files: parse<string[]>(row.files_json, []),
    runs,
    histogram: result.histogram ?? null,
    maskVolumeMl: result.maskVolumeMl ?? null,
    leftLungMl: result.leftLungMl ?? null,
    rightLungMl: result.rightLungMl ?? null,
    candidates: (
      db.prepare('SELECT info_json FROM series WHERE root_id = ? AND patient_key = ? ORDER BY folder').all(row.root_id, row.patient_key) as Array<{
        info_json: string
      }>
    ).map((r) => {
      const s = JSON.parse(r.info_json) as { seriesUid: string; folder: string; modality: string; files: string[]; chosen: boolean; choiceReason: string; seriesDescription: string }
      return {
        seriesUid: s.seriesUid,
        folder: s.folder,
        modality: s.modality,
        images: s.files.length,
        chosen: s.chosen,
        choiceReason: s.choiceReason,
        description: s.seriesDescription,
      } satisfies SeriesCandidate
    }),
  }
}

/** Records a person's series choice for the scan's patient; the caller rescans the root. */
export function setSeriesOverride(db: Db, id: number, seriesUid: string): { rootPath: string } {
  const row = getRow(db, id)
  const known = db.prepare('SELECT 1 FROM series WHERE root_id = ? AND patient_key = ? AND series_uid = ?').get(row.root_id, row.patient_key, seriesUid)
  if (!known) throw new CuratorError('NOT_FOUND', `Series ${seriesUid} is not one of this patient's series.`)
  db.prepare(
    `INSERT INTO series_overrides (root_id, patient_key, series_uid) VALUES (?, ?, ?)
     ON CONFLICT(root_id, patient_key) DO UPDATE SET series_uid = excluded.series_uid`,
  ).run(row.root_id, row.patient_key, seriesUid)
  // The stored grouping no longer holds: the next scan of this root regroups.
  db.prepare('UPDATE roots SET group_skipped_json = NULL WHERE id = ?').run(row.root_id)
  return { rootPath: row.root_path }
}

/** Records a review decision and keeps the history; one transaction. */
export function setReview(db: Db, id: number, review: ReviewStatus, note: string | null): ScanSummary {
  getRow(db, id)
  const at = new Date().toISOString()
  db.transaction(() => {
    db.prepare('UPDATE scans SET review = ?, review_note = ?, reviewed_at = ? WHERE id = ?').run(review, note, at, id)
    db.prepare('INSERT INTO reviews (scan_id, review, note, at) VALUES (?, ?, ?, ?)').run(id, review, note, at)
  })()
  return getScanSummary(db, id)
}

/** Marks a scan for re-processing with closing; the job engine picks it up. Old runs are kept. */
export function queueRetry(db: Db, id: number, closingMm: number): ScanSummary {
  getRow(db, id)
  const at = new Date().toISOString()
  db.transaction(() => {
    db.prepare(
      "UPDATE scans SET review = 'retry', retry_closing_mm = ?, status = 'pending', reviewed_at = ? WHERE id = ?",
    ).run(closingMm, at, id)
    db.prepare('INSERT INTO reviews (scan_id, review, note, at) VALUES (?, ?, ?, ?)').run(
      id,
      'retry',
      `closing ${closingMm} mm`,
      at,
    )
  })()
  return getScanSummary(db, id)
}

export function listRoots(db: Db): string[] {
  return (db.prepare('SELECT path FROM roots ORDER BY id').all() as Array<{ path: string }>).map((r) => r.path)
}

/**
 * Resolves what a user typed on the command line: a patient folder (relative to its root) or a
 * PatientID. Ambiguity is an error that lists the candidates rather than a guess.
 */
export function findScanId(db: Db, key: string): number {
  const norm = key.replace(/\\/g, '/').replace(/^\.\/|\/+$/g, '')
  let rows = db.prepare('SELECT id, folder FROM scans WHERE folder = ?').all(norm) as Array<{ id: number; folder: string }>
  if (rows.length === 0) rows = db.prepare('SELECT id, folder FROM scans WHERE patient_id = ?').all(key) as typeof rows
  if (rows.length === 0) {
    throw new CuratorError('NOT_FOUND', `No scan has folder or PatientID "${key}". \`ct-curator status --db …\` lists them.`)
  }
  if (rows.length > 1) {
    throw new CuratorError(
      'BAD_ARGUMENT',
      `"${key}" matches ${rows.length} scans (${rows.map((r) => r.folder).join(', ')}); give the folder instead.`,
    )
  }
  return rows[0]!.id
}
