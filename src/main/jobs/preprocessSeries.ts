/**
 * `ct-curator preprocess <seriesDir>`: index the folder, take its (chosen) series, run the
 * pipeline, write `result.json` beside the volumes.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Flag } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import { scanRoot } from '../dicom/scanRoot'
import type { SkippedFile } from '../dicom/types'
import { writeFileAtomic } from '../io/atomic'
import { runPipeline, type PipelineParams, type PipelineResult } from './pipeline'

export type { Stage } from './pipeline'

/** `result.json`: the pipeline's result plus where it came from. */
export interface PreprocessResult extends PipelineResult {
  patientId: string
  studyUid: string
  seriesUid: string
  choiceReason: string
  transferSyntaxes: string[]
  skipped: SkippedFile[]
}

/** Runs the pipeline on a series' files (relative to `root`): in this process, or in a worker. */
export type PipelineRunner = (root: string, files: string[], params: Partial<PipelineParams>, outDir: string) => Promise<PipelineResult>

export async function preprocessSeries(
  dir: string,
  outDir: string,
  params: Partial<PipelineParams> = {},
  run?: PipelineRunner,
): Promise<PreprocessResult> {
  const started = performance.now()
  const scan = await scanRoot(dir)
  const indexMs = Math.round((performance.now() - started) * 10) / 10
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
  const extra: Flag[] = []
  if (chosen.length > 1) {
    extra.push({
      code: 'multiple_patients',
      value: chosen.length,
      threshold: 1,
      message: `The folder holds ${chosen.length} patients' series; processed the largest (${series.seriesUid}).`,
    })
  }
  await mkdir(outDir, { recursive: true })
  const r = run
    ? await run(scan.root, series.files, params, outDir)
    : await runPipeline(scan.root, series.files.map((f) => scan.headers.get(f)!), params, outDir)
  const result: PreprocessResult = {
    ...r,
    flags: [...r.flags, ...extra],
    timingsMs: { index: indexMs, ...r.timingsMs },
    patientId: series.patientId,
    studyUid: series.studyUid,
    seriesUid: series.seriesUid,
    choiceReason: series.choiceReason,
    transferSyntaxes: series.transferSyntaxes,
    skipped: scan.skipped,
  }
  await writeFileAtomic(join(outDir, 'result.json'), [Buffer.from(JSON.stringify(result, null, 2) + '\n')])
  return result
}
