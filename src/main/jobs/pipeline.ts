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
import { huHistogram, maskStats, type MaskStats } from '../pipeline/maskStats'
import { closeBall } from '../pipeline/morphology'
import { resampleGrid } from '../pipeline/resampleGrid'
import { zoomCubic } from '../pipeline/resampleBSpline'
import { zoomLinear } from '../pipeline/resampleLinear'
import { SEED_AIR_THRESHOLD_HU, segmentLungsSeedBoth } from '../pipeline/segmentLungs'
import { segmentLungsRobust } from '../pipeline/segmentLungsRobust'

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
  /** Present from the `resampled` stage on. */
  resampledShape?: Vec3
  /** Seed: the tutorial's `spacing / real_factor`; robust: the grid's true spacing. */
  resampledSpacing?: Vec3
  /** Present from the `mask` stage on: fill-mask voxels / all voxels. */
  maskFraction?: number
  maskFractionNoFill?: number
  maskVolumeMl?: number
  leftLungMl?: number
  rightLungMl?: number
  /** The tutorial's 80-bin HU histogram of the resampled volume. */
  histogram?: { edges: number[]; counts: number[] }
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
/** One spare buffer a long-lived process (a worker) keeps between scans for the source volume. */
export interface VolumeRecycler {
  take(): ArrayBuffer | undefined
  give(buffer: ArrayBuffer): void
}

export async function runPipeline(
  root: string,
  headers: HeaderRecord[],
  params: Partial<PipelineParams>,
  outDir: string,
  recycler?: VolumeRecycler,
): Promise<PipelineResult> {
  const p: PipelineParams = { ...DEFAULT_PARAMS, ...params }
  const t = timer()
  const geom = computeGeometry(headers, p.mode)
  const ordered = geom.order.map((i) => headers[i]!)
  t.lap('geometry')
  const vol = await loadHuVolume(root, ordered, p.mode, recycler?.take())
  // Held in a `let` so the source volume can be dropped once resampled (peak memory).
  let hu: Int16Array | null = vol.hu
  vol.hu = new Int16Array(0)
  t.lap('hu')
  const outputs: OutputFile[] = []
  outputs.push({ name: 'hu.npy', fileBytes: await writeNpyAtomic(join(outDir, 'hu.npy'), hu, vol.shape) })
  t.lap('writeHu')
  const result: PipelineResult = {
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
  if (p.stage === 'hu') {
    recycler?.give(hu.buffer as ArrayBuffer)
    return result
  }

  const grid = resampleGrid(vol.shape, geom.spacing, [1, 1, 1], p.mode)
  const image = (p.resample === 'linear' ? zoomLinear : zoomCubic)(hu, vol.shape, grid.outShape)
  recycler?.give(hu.buffer as ArrayBuffer)
  hu = null
  t.lap(p.resample === 'linear' ? 'resampleLinear' : 'resampleCubic')
  result.resampledShape = grid.outShape
  result.resampledSpacing = grid.reportedSpacing
  outputs.push({ name: 'resampled.npy', fileBytes: await writeNpyAtomic(join(outDir, 'resampled.npy'), image, grid.outShape) })
  t.lap('writeResampled')
  if (p.stage === 'resampled') return result

  // Masks are measured on the grid the voxels really sit on (robust) or the tutorial's (seed).
  const spacing = grid.reportedSpacing
  const hist = huHistogram(image)
  if (p.closingMm > 0) {
    closeAirGaps(image, grid.outShape, spacing, p.closingMm)
    t.lap('closing')
  }
  let fill: Uint8Array
  let noFill: Uint8Array
  if (p.mode === 'seed') ({ fill, noFill } = segmentLungsSeedBoth(image, grid.outShape))
  else ({ fill, noFill } = segmentLungsRobust(image, grid.outShape, spacing))
  t.lap('segment')
  const stats: MaskStats = maskStats(image, fill, grid.outShape, spacing)
  let nNoFill = 0
  for (let i = 0; i < noFill.length; i++) nNoFill += noFill[i]!
  t.lap('flags')
  outputs.push({ name: 'mask_fill.npy', fileBytes: await writeNpyAtomic(join(outDir, 'mask_fill.npy'), fill, grid.outShape) })
  outputs.push({ name: 'mask_nofill.npy', fileBytes: await writeNpyAtomic(join(outDir, 'mask_nofill.npy'), noFill, grid.outShape) })
  t.lap('writeMasks')
  result.flags = [...geom.flags, ...stats.flags]
  result.maskFraction = stats.fraction
  result.maskFractionNoFill = nNoFill / noFill.length
  result.maskVolumeMl = stats.volumeMl
  result.leftLungMl = stats.leftMl
  result.rightLungMl = stats.rightMl
  result.histogram = { edges: [...hist.edges], counts: [...hist.counts] }
  return result
}

/**
 * The retry fix: morphological closing of the dense (tissue) mask with a ball, so thin air
 * channels — metal streaks, a tube's lumen — no longer join outside air to a lung. Air voxels
 * the closing fills become just-dense, in place; the resampled volume on disk is untouched.
 */
function closeAirGaps(image: Int16Array, shape: Vec3, spacing: Vec3, radiusMm: number): void {
  const dense = new Uint8Array(image.length)
  for (let i = 0; i < image.length; i++) dense[i] = image[i]! > SEED_AIR_THRESHOLD_HU ? 1 : 0
  const closed = closeBall(dense, shape, spacing, radiusMm, { pad: true })
  for (let i = 0; i < image.length; i++) if (closed[i] && !dense[i]) image[i] = SEED_AIR_THRESHOLD_HU + 1
}
