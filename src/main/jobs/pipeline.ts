/**
 * The preprocessing pipeline for one series whose headers are known: HU, then the later stages.
 * Writes volumes atomically into `outDir` and returns the small result that goes to the
 * database and to `result.json`. The CLI's `preprocess` and the workers both run this.
 */
import { join } from 'node:path'
import type { Flag, PipelineMode, Vec3 } from '../../shared/api'
import { computeGeometry } from '../dicom/geometry'
import { loadHuVolume } from '../dicom/loadVolume'
import type { HeaderRecord } from '../dicom/types'
import { writeNpyAtomic } from '../io/atomic'

export type Stage = 'hu' | 'resampled' | 'mask'

export interface PipelineParams {
  /** @default 'robust' */
  mode: PipelineMode
  /** Last stage to run. @default 'mask' */
  stage: Stage
  /** Morphological closing radius before labelling (the retry fix), mm; 0 = none. @default 0 */
  closingMm: number
  /** @default 'cubic' */
  resample: 'cubic' | 'linear'
}

export const DEFAULT_PARAMS: PipelineParams = { mode: 'robust', stage: 'mask', closingMm: 0, resample: 'cubic' }

export interface OutputFile {
  name: string
  /** Size of the whole file: a different size on disk means a broken cache. */
  fileBytes: number
}

/** The small result of a run (a CLI contract through `result.json`: keep names, add freely). */
export interface PipelineResult {
  mode: PipelineMode
  stage: Stage
  closingMm: number
  /** Source spacing [z, y, x] mm, as the mode defines it (seed: the tutorial's thickness). */
  spacing: Vec3
  /** Source shape [z, y, x]. */
  shape: Vec3
  flags: Flag[]
  /** Files (relative to the series root) in the volume's slice order. */
  sliceOrder: string[]
  /** Position of each slice along the sort axis, mm. */
  slicePositions: number[]
  huMin: number
  huMax: number
  outputs: OutputFile[]
  timingsMs: Record<string, number>
}

export function timer(): { lap(name: string): void; timings: Record<string, number> } {
  const timings: Record<string, number> = {}
  let t = performance.now()
  return {
    timings,
    lap(name) {
      const now = performance.now()
      timings[name] = Math.round((now - t) * 10) / 10
      t = now
    },
  }
}

/**
 * @param root folder the headers' paths are relative to
 * @param headers the series' slices, any order
 */
export async function runPipeline(
  root: string,
  headers: HeaderRecord[],
  params: Partial<PipelineParams>,
  outDir: string,
): Promise<PipelineResult> {
  const p: PipelineParams = { ...DEFAULT_PARAMS, ...params }
  const t = timer()
  const geom = computeGeometry(headers, p.mode)
  const ordered = geom.order.map((i) => headers[i]!)
  t.lap('geometry')
  const vol = await loadHuVolume(root, ordered, p.mode)
  t.lap('hu')
  const outputs: OutputFile[] = []
  outputs.push({ name: 'hu.npy', fileBytes: await writeNpyAtomic(join(outDir, 'hu.npy'), vol.hu, vol.shape) })
  t.lap('writeHu')
  return {
    mode: p.mode,
    stage: p.stage,
    closingMm: p.closingMm,
    spacing: geom.spacing,
    shape: vol.shape,
    flags: geom.flags,
    sliceOrder: ordered.map((h) => h.path),
    slicePositions: geom.positions,
    huMin: vol.huMin,
    huMax: vol.huMax,
    outputs,
    timingsMs: t.timings,
  }
}
