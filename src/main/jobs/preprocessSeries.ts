/**
 * Preprocesses one series folder end to end and writes the results: what
 * `ct-curator preprocess` runs, and what a worker runs for one scan.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Flag, PipelineMode, Vec3 } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import { computeGeometry } from '../dicom/geometry'
import { loadHuVolume } from '../dicom/loadVolume'
import { scanRoot } from '../dicom/scanRoot'
import type { SkippedFile } from '../dicom/types'
import { writeNpy } from '../io/npy'

export type Stage = 'hu' | 'resampled' | 'mask'

export interface PreprocessOptions {
  /** @default 'robust' */
  mode?: PipelineMode
  /** Last stage to run. @default 'mask' */
  stage?: Stage
}

/** `result.json` (a CLI contract: keep these names, add freely). */
export interface PreprocessResult {
  mode: PipelineMode
  stage: Stage
  patientId: string
  studyUid: string
  seriesUid: string
  /** Source spacing [z, y, x] mm, as the mode defines it (seed: the tutorial's thickness). */
  spacing: Vec3
  /** Source shape [z, y, x]. */
  shape: Vec3
  flags: Flag[]
  /** Files relative to the series folder, in the volume's slice order. */
  sliceOrder: string[]
  /** Positions along the sort axis, mm, per slice. */
  slicePositions: number[]
  huMin: number
  huMax: number
  choiceReason: string
  transferSyntaxes: string[]
  skipped: SkippedFile[]
  timingsMs: Record<string, number>
}

export async function preprocessSeries(dir: string, outDir: string, opts: PreprocessOptions = {}): Promise<PreprocessResult> {
  const mode = opts.mode ?? 'robust'
  const stage = opts.stage ?? 'mask'
  const timingsMs: Record<string, number> = {}
  let t = performance.now()
  const lap = (name: string): void => {
    const now = performance.now()
    timingsMs[name] = Math.round((now - t) * 10) / 10
    t = now
  }

  const scan = await scanRoot(dir)
  lap('index')
  const chosen = scan.series.filter((s) => s.chosen).sort((a, b) => b.files.length - a.files.length)
  if (chosen.length === 0) {
    if (scan.series.length > 0) {
      const s = scan.series[0]!
      throw new CuratorError(s.modality !== 'CT' ? 'NOT_CT' : 'NO_SERIES', `No CT image series to process in ${dir}: ${s.choiceReason}.`)
    }
    const why = scan.skipped.slice(0, 3).map((k) => `${k.path}: ${k.code}`).join('; ')
    throw new CuratorError('NO_SERIES', `No readable DICOM image in ${dir}${why ? ` (${why}${scan.skipped.length > 3 ? '; …' : ''})` : ''}.`)
  }
  const series = chosen[0]!
  const headers = series.files.map((p) => scan.headers.get(p)!)
  const geom = computeGeometry(headers, mode)
  const flags = [...geom.flags]
  if (chosen.length > 1) {
    flags.push({
      code: 'multiple_patients',
      value: chosen.length,
      threshold: 1,
      message: `The folder holds ${chosen.length} patients' series; processed the largest (${series.seriesUid}).`,
    })
  }
  const ordered = geom.order.map((i) => headers[i]!)
  lap('geometry')
  const vol = await loadHuVolume(scan.root, ordered, mode)
  lap('hu')

  await mkdir(outDir, { recursive: true })
  await writeNpy(join(outDir, 'hu.npy'), vol.hu, vol.shape)
  lap('write')

  const result: PreprocessResult = {
    mode,
    stage,
    patientId: series.patientId,
    studyUid: series.studyUid,
    seriesUid: series.seriesUid,
    spacing: geom.spacing,
    shape: vol.shape,
    flags,
    sliceOrder: ordered.map((h) => h.path),
    slicePositions: geom.positions,
    huMin: vol.huMin,
    huMax: vol.huMax,
    choiceReason: series.choiceReason,
    transferSyntaxes: series.transferSyntaxes,
    skipped: scan.skipped,
    timingsMs,
  }
  await writeFile(join(outDir, 'result.json'), JSON.stringify(result, null, 2) + '\n')
  return result
}
