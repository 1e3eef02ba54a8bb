/**
 * Which scans an export takes, and what it needs to know about each: the current run's cache
 * folder and results, and the source geometry (from the indexed headers) for the NIfTI affine.
 * Nothing here reads a volume.
 */
import type { ExportInclude, ExportSkipped, PipelineMode, ReviewStatus, ScanStatus, Vec3 } from '../../shared/api'
import { decodeHeader } from '../dicom/headerCodec'
import type { HeaderRecord } from '../dicom/types'
import type { Db } from '../store/db'
import type { SourceGeometry } from './affine'
import { caseNames } from './pseudonym'

export interface ExportCase {
  scanId: number
  /** Patient folder: for the local summary only, never written to the export. */
  folder: string
  runId: number
  /** Pseudonymous case id: the folder and file name in the export. */
  name: string
  seriesUid: string
  review: ReviewStatus
  reviewNote: string | null
  cacheDir: string
  mode: PipelineMode
  closingMm: number
  runSoftwareVersion: string | null
  resampledShape: Vec3
  maskFraction: number | null
  maskVolumeMl: number | null
  flagCodes: string[]
  geometry: SourceGeometry
}

interface Row {
  id: number
  root_id: number
  folder: string
  patient_key: string
  series_uid: string
  status: ScanStatus
  review: ReviewStatus
  review_note: string | null
  run_id: number | null
  run_status: ScanStatus | null
  mode: PipelineMode | null
  closing_mm: number | null
  software_version: string | null
  result_json: string | null
  flags_json: string | null
  error_code: string | null
  cache_dir: string | null
}

interface RunResult {
  shape?: Vec3
  spacing?: Vec3
  resampledShape?: Vec3
  sliceOrder?: string[]
  maskFraction?: number
  maskVolumeMl?: number
}

export function selectCases(db: Db, secret: Buffer, include: ExportInclude): { cases: ExportCase[]; skipped: ExportSkipped[] } {
  const rows = db
    .prepare(
      `SELECT s.id, s.root_id, s.folder, s.patient_key, s.series_uid, s.status, s.review, s.review_note,
              r.id AS run_id, r.status AS run_status, r.mode, r.closing_mm, r.software_version,
              r.result_json, r.flags_json, r.error_code, r.cache_dir
       FROM scans s LEFT JOIN runs r ON r.id = s.current_run_id ORDER BY s.id`,
    )
    .all() as Row[]
  const names = caseNames(secret, rows.map((r) => ({ patientKey: r.patient_key, seriesUid: r.series_uid })))
  const header = db.prepare('SELECT header_json FROM files WHERE root_id = ? AND path = ?').pluck()
  const cases: ExportCase[] = []
  const skipped: ExportSkipped[] = []
  rows.forEach((r, i) => {
    const skip = (code: ExportSkipped['code'], message: string): void => void skipped.push({ scanId: r.id, folder: r.folder, code, message })
    if (include === 'accepted' && r.review !== 'accepted') {
      if (r.review === 'rejected') skip('rejected', 'rejected in review')
      else skip('not_accepted', `not accepted (review: ${r.review})`)
      return
    }
    if (include === 'done' && r.review === 'rejected') return skip('rejected', 'rejected in review')
    if (r.status === 'failed') return skip('failed', `processing failed${r.error_code ? ` (${r.error_code})` : ''}`)
    if (r.status !== 'done' || r.run_status !== 'done' || !r.cache_dir || !r.result_json || r.run_id === null)
      return skip('not_processed', r.review === 'retry' ? 'queued for retry: not processed again yet' : 'not processed yet')
    const res = JSON.parse(r.result_json) as RunResult
    if (!res.resampledShape || !res.shape || !res.spacing) return skip('not_processed', 'the run has no resampled volume')
    const order = res.sliceOrder ?? []
    const first = order.length ? readHeader(header.get(r.root_id, order[0]!)) : null
    const last = order.length ? readHeader(header.get(r.root_id, order[order.length - 1]!)) : null
    cases.push({
      scanId: r.id,
      folder: r.folder,
      runId: r.run_id,
      name: names[i]!,
      seriesUid: r.series_uid,
      review: r.review,
      reviewNote: r.review_note,
      cacheDir: r.cache_dir,
      mode: r.mode ?? 'robust',
      closingMm: r.closing_mm ?? 0,
      runSoftwareVersion: r.software_version,
      resampledShape: res.resampledShape,
      maskFraction: res.maskFraction ?? null,
      maskVolumeMl: res.maskVolumeMl ?? null,
      flagCodes: [...new Set((JSON.parse(r.flags_json ?? '[]') as Array<{ code: string }>).map((f) => f.code))].sort(),
      geometry: {
        iop: first?.iop ?? null,
        firstIpp: first?.ipp ?? null,
        lastIpp: last?.ipp ?? null,
        shape: res.shape,
        spacing: res.spacing,
      },
    })
  })
  // Case order in every document is by name: it does not leak the order patients were indexed in.
  cases.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return { cases, skipped }
}

function readHeader(json: unknown): Pick<HeaderRecord, 'ipp' | 'iop'> | null {
  if (typeof json !== 'string') return null
  const h = decodeHeader(json, '', 0, 0) as Partial<HeaderRecord>
  return { ipp: h.ipp ?? null, iop: h.iop ?? null }
}
