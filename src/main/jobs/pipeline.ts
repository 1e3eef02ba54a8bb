/**
 * The preprocessing pipeline for one series whose headers are known: HU, then the later stages.
 * Writes volumes atomically into `outDir` and returns the small result that goes to the
 * database and to `result.json`. The CLI's `preprocess` and the workers both run this.
 */
import { join } from 'node:path'
import type { Flag, PipelineMode, Vec3 } from '../../shared/api'
import { encodeSurface, surfaceFile } from '../cache/surfaces'
import { HALF_FILE, HALF_MASK_FILE, writeHalfMask } from '../cache/halfVolume'
import { downsampleHu, halfShape } from '../pipeline/downsample'
import { assertPlausibleGeometry, computeGeometry } from '../dicom/geometry'
import { loadHuVolume, type SlicesLoaded } from '../dicom/loadVolume'
import type { HeaderRecord } from '../dicom/types'
import { PNG } from 'pngjs'
import { PREVIEW_FILE } from '../paths'
import { writeFileAtomic, writeNpyAtomic, writeNpyAtomicSync } from '../io/atomic'
import { HU_COUNTS_FILE, HU_FILE, MASK_FILE, PACKED_MASK_FILE, RESAMPLED_FILE, writeHuCounts, writePackedMask } from '../cache/volumes'
import { countOnes } from '../cache/packedMask'
import type { Preview } from '../pipeline/preview'
import { type AfterSegment, contourAndPreview } from '../pipeline/afterSegment'
import { BufferPool, Carver } from './bufferPool'
import { type BodyMeasures, type Histogram, MASK_FLAG_THRESHOLDS, bodyFromAirRuns, bodyFromLabelling, huHistogram, maskStats, type MaskStats } from '../pipeline/maskStats'
import { closeBall } from '../pipeline/morphology'
import { resampleGrid } from '../pipeline/resampleGrid'
import { zoomScratchLength, ZoomPasses } from '../pipeline/resampleSeparable'
import { onHelper, segmentLungsSeedBothParallel, warmHelpers, writeNpyOnHelper, zoomParallel } from './helperThreads'
import { SEED_AIR_THRESHOLD_HU } from '../pipeline/segmentLungs'
import { segmentLungsRobust } from '../pipeline/segmentLungsRobust'

export type Stage = 'hu' | 'resampled' | 'mask'

async function writePng(path: string, p: Preview): Promise<number> {
  const png = new PNG({ width: p.width, height: p.height })
  png.data = Buffer.from(p.rgba.buffer, p.rgba.byteOffset, p.rgba.byteLength)
  const bytes = PNG.sync.write(png)
  await writeFileAtomic(path, [bytes])
  return bytes.byteLength
}

export interface PipelineParams {
  /** @default 'robust' */
  mode: PipelineMode
  /** Last stage to run. @default 'mask' */
  stage: Stage
  /** Morphological closing radius before labelling (the retry fix), mm; 0 = none. @default 0 */
  closingMm: number
  /** @default 'cubic' */
  resample: 'cubic' | 'linear'
  /**
   * 'files': every stage's full-precision `.npy` (what `preprocess` writes, a CLI contract);
   * 'cache': what review and export need — resampled.npy, bit-packed masks, no hu.npy unless
   * `keepHu` (what `process` writes into the cache). @default 'files'
   */
  output: 'files' | 'cache'
  /** With output 'cache': keep the unresampled hu.npy too. @default false */
  keepHu: boolean
  /** Threads the run may use, its own included (helperThreads.ts). @default CT_CURATOR_THREADS, else the cores */
  threads?: number
}

export const DEFAULT_PARAMS: PipelineParams = { mode: 'robust', stage: 'mask', closingMm: 0, resample: 'cubic', output: 'files', keepHu: false }

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
  /** Triangles of the lung surface mesh (`surface_lung.bin`). */
  surfaceTriangles?: number
  outputs: OutputFile[]
  timingsMs: Record<string, number>
}

/** What comes after each timed step, as a person watching the run would name it. */
const NEXT_STAGE: Record<string, string> = {
  geometry: 'reading slices',
  hu: 'resampling',
  writeHu: 'resampling',
  resampleCubic: 'segmenting',
  resampleLinear: 'segmenting',
  writeResampled: 'segmenting',
  half: 'segmenting',
  closing: 'segmenting',
  segment: 'measuring',
  flags: 'packing masks',
  packMasks: 'contouring',
  halfMask: 'contouring',
  surface: 'writing',
  writes: 'finishing',
}

export function timer(onStage?: (next: string) => void): { lap(name: string): void; timings: Record<string, number> } {
  const timings: Record<string, number> = {}
  let t = performance.now()
  return {
    timings,
    lap(name) {
      const now = performance.now()
      timings[name] = Math.round((now - t) * 10) / 10
      t = now
      const next = NEXT_STAGE[name]
      if (next) onStage?.(next)
    },
  }
}

/**
 * @param root folder the headers' paths are relative to
 * @param headers the series' slices, any order
 * @param pool big buffers to reuse; a worker keeps one between scans. Within a run the source
 *   volume's memory takes the resampled volume and the resampling scratch takes the masks
 *   whatever the pool, so a run touches fresh memory for two volumes, not six.
 * @param onStage told what the run does next (the processing panel's worker lines)
 */
export async function runPipeline(
  root: string,
  headers: HeaderRecord[],
  params: Partial<PipelineParams>,
  outDir: string,
  pool: BufferPool = new BufferPool(),
  onStage?: (stage: string) => void,
): Promise<PipelineResult> {
  const p: PipelineParams = { ...DEFAULT_PARAMS, ...params }
  const t = timer(onStage)
  // The resampling's helper threads load while the slices are read.
  if (p.stage !== 'hu') warmHelpers(p.threads)
  const geom = computeGeometry(headers, p.mode)
  assertPlausibleGeometry(geom, p.mode)
  const ordered = geom.order.map((i) => headers[i]!)
  t.lap('geometry')
  const first = ordered[0]
  const sourceBuf = pool.take(first ? first.rows * first.columns * ordered.length * 2 : 0)
  const taken = [sourceBuf]
  try {
    return await stages(p, t, geom, ordered, root, outDir, pool, sourceBuf, taken)
  } finally {
    for (const b of taken) pool.give(b)
  }
}

async function stages(
  p: PipelineParams,
  t: ReturnType<typeof timer>,
  geom: ReturnType<typeof computeGeometry>,
  ordered: HeaderRecord[],
  root: string,
  outDir: string,
  pool: BufferPool,
  sourceBuf: ArrayBufferLike,
  taken: ArrayBufferLike[],
): Promise<PipelineResult> {
  // Half the slices (whichever it claims) read by the helper.
  const vol = await loadHuVolume(root, ordered, p.mode, sourceBuf, (hu, claims) =>
    onHelper<SlicesLoaded | null>('loadClaimedSlices', [root, ordered, p.mode, hu, claims], () => null, { shared: [hu], threads: p.threads }),
  )
  const hu = vol.hu
  t.lap('hu')
  const outputs: OutputFile[] = []
  // The cache drops the source-grid volume (the largest file) unless asked: review and export
  // read the resampled one, and the source files are still there to recompute it.
  // hu.npy is made durable (fsync, rename) while the resampling overwrites the memory it was
  // copied from: only the copy into the kernel is waited for here.
  let writingHu: Promise<void> | null = null
  if (p.output === 'files' || p.keepHu) {
    const huOut: OutputFile = { name: HU_FILE, fileBytes: 0 }
    outputs.push(huOut)
    let copied!: () => void
    const inKernel = new Promise<void>((resolve) => (copied = resolve))
    writingHu = writeNpyAtomic(join(outDir, HU_FILE), hu, vol.shape, copied).then((bytes) => void (huOut.fileBytes = bytes))
    // Awaited after the resampling; a failure before that point must not go unhandled.
    writingHu.catch(() => undefined)
    await Promise.race([inKernel, writingHu])
    t.lap('writeHu')
  }
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
    await writingHu
    return result
  }

  const grid = resampleGrid(vol.shape, geom.spacing, [1, 1, 1], p.mode)
  const m = grid.outShape[0] * grid.outShape[1] * grid.outShape[2]
  // Two volumes of memory, not three: where the float32 intermediate fits in the source's bytes
  // (the usual chest: 0.7 mm pixels to 1 mm) it is written over the source and the result gets
  // its own buffer; otherwise the intermediate gets one and the result overwrites the source
  // (the zoom reads the source in its first pass only). hu.npy, when kept, is on disk by now.
  // The masks then live in whichever buffer held the intermediate.
  const need = zoomScratchLength(vol.shape, grid.outShape)
  let scratchBuf: ArrayBufferLike
  let dstBuf: ArrayBufferLike
  if (hu.byteOffset === 0 && ZoomPasses.midFitsInSource(vol.shape, grid.outShape)) {
    scratchBuf = hu.buffer
    taken.push((dstBuf = pool.take(m * 2)))
  } else {
    taken.push((scratchBuf = pool.take(need * 4)))
    dstBuf = hu.buffer
    if (dstBuf.byteLength < m * 2) taken.push((dstBuf = pool.take(m * 2)))
  }
  const buffers = { scratch: new Float32Array(scratchBuf, 0, need), dst: new Int16Array(dstBuf, 0, m) }
  let image: Int16Array
  try {
    image = await zoomParallel(p.resample, hu, vol.shape, grid.outShape, buffers, p.threads)
  } finally {
    await writingHu
  }
  t.lap(p.resample === 'linear' ? 'resampleLinear' : 'resampleCubic')
  result.resampledShape = grid.outShape
  result.resampledSpacing = grid.reportedSpacing
  // Written while the masks are computed (the kernel copies it out on another core); only the
  // closing changes the image, so it waits for the file first.
  const writingResampled = writeNpyOnHelper(join(outDir, RESAMPLED_FILE), image, grid.outShape, p.threads)
  const resampledOut: OutputFile = { name: RESAMPLED_FILE, fileBytes: 0 }
  outputs.push(resampledOut)
  if (p.stage === 'resampled' || p.closingMm > 0) {
    resampledOut.fileBytes = await writingResampled
    t.lap('writeResampled')
  }
  if (p.stage === 'resampled') return result

  // The intermediate's buffer is free once resampled: the masks and the stats' working mask live in it.
  // The viewer's quick first picture, halved before a closing changes the image in memory.
  const half = p.output === 'cache' ? downsampleHu(image, grid.outShape) : null
  if (half) t.lap('half')
  const carve = new Carver(scratchBuf, pool)
  let masks: Masks
  try {
    masks = await computeMasks(p, image, grid.outShape, grid.reportedSpacing, carve, t)
  } catch (err) {
    // The buffers go back to the pool on return: the write must be done with them first.
    await writingResampled.catch(() => undefined)
    throw err
  } finally {
    taken.push(...carve.extra)
  }
  const { fill, noFill, stats, hist } = masks
  resampledOut.fileBytes = await writingResampled
  // Both settle before anything is thrown: their buffers go back to the pool on return.
  const maskFiles = p.output === 'cache' ? ([PACKED_MASK_FILE.fill, PACKED_MASK_FILE.nofill] as const) : ([MASK_FILE.fill, MASK_FILE.nofill] as const)
  const writingMasks = Promise.allSettled(
    p.output === 'cache'
      ? [writePackedMask(outDir, 'fill', fill, grid.outShape), writePackedMask(outDir, 'nofill', noFill, grid.outShape)]
      : // Blocking writes, run as this thread starts to wait for the helper's surfaces: that
        // wait is when it has nothing else to do, and the helper is busy until then.
        [fill, noFill].map((mask, k) => Promise.resolve().then(() => writeNpyAtomicSync(join(outDir, k ? MASK_FILE.nofill : MASK_FILE.fill), mask, grid.outShape))),
  )
  t.lap('packMasks')
  // Contoured (on the helper thread, while the flags were measured), so the renderer never runs
  // marching cubes: the lung surface from the halved mask (the 2 mm grid the viewer's quick
  // level also shows).
  const { halfMask, surfaces, preview } = await masks.after
  t.lap('surface')
  const written = await writingMasks
  for (const w of written) if (w.status === 'rejected') throw w.reason
  const [fillBytes, noFillBytes] = written.map((w) => (w.status === 'fulfilled' ? w.value : 0))
  outputs.push({ name: maskFiles[0], fileBytes: fillBytes! }, { name: maskFiles[1], fileBytes: noFillBytes! })
  // The small files side by side: each waits for its own fsync, not for the one before.
  const small: Array<[string, Promise<number>]> = [[PREVIEW_FILE, writePng(join(outDir, PREVIEW_FILE), preview)]]
  if (half) {
    small.push([HALF_FILE, writeNpyAtomic(join(outDir, HALF_FILE), half, halfShape(grid.outShape))])
    small.push([HALF_MASK_FILE, writeHalfMask(outDir, halfMask, halfShape(grid.outShape))])
  }
  // The export's dataset mean and histogram come from these instead of every voxel again.
  if (p.output === 'cache') small.push([HU_COUNTS_FILE, writeHuCounts(outDir, hist.perValue)])
  for (const s of surfaces) {
    const bytes = encodeSurface(s.mesh)
    small.push([surfaceFile(s.kind), writeFileAtomic(join(outDir, surfaceFile(s.kind)), [bytes]).then(() => bytes.byteLength)])
  }
  const smallWritten = await Promise.allSettled(small.map(([, w]) => w))
  for (const w of smallWritten) if (w.status === 'rejected') throw w.reason
  small.forEach(([name], i) => outputs.push({ name, fileBytes: (smallWritten[i] as PromiseFulfilledResult<number>).value }))
  result.surfaceTriangles = surfaces.find((s) => s.kind === 'lung')?.mesh.triangles.length ?? 0
  result.surfaceTriangles /= 3
  t.lap('writes')
  result.flags = [...geom.flags, ...stats.flags]
  result.maskFraction = stats.fraction
  result.maskFractionNoFill = masks.noFillVoxels / noFill.length
  result.maskVolumeMl = stats.volumeMl
  result.leftLungMl = stats.leftMl
  result.rightLungMl = stats.rightMl
  result.histogram = { edges: [...hist.edges], counts: [...hist.counts] }
  return result
}

interface Masks {
  fill: Uint8Array
  noFill: Uint8Array
  noFillVoxels: number
  stats: MaskStats
  hist: Histogram
  /** The halved mask, surfaces and preview, computed while the statistics were. */
  after: Promise<AfterSegment>
}

/**
 * Closing (on request), both masks and their statistics, in memory carved from the scratch;
 * the surfaces and preview start on the helper thread as soon as the masks exist.
 */
async function computeMasks(p: PipelineParams, image: Int16Array, shape: Vec3, spacing: Vec3, carve: Carver, t: ReturnType<typeof timer>): Promise<Masks> {
  // Masks are measured on the grid the voxels really sit on (robust) or the tutorial's (seed).
  const m = image.length
  // The histogram of the image as resampled: on the helper while this thread segments, unless a
  // closing is about to change the image.
  const histDone = p.closingMm > 0 ? Promise.resolve(huHistogram(image)) : onHelper('huHistogram', [image], () => huHistogram(image), { shared: [image], threads: p.threads })
  // Awaited below; a failure in between must not leave it unhandled.
  histDone.catch(() => undefined)
  if (p.closingMm > 0) {
    closeAirGaps(image, shape, spacing, p.closingMm)
    t.lap('closing')
  }
  let fill: Uint8Array
  let noFill: Uint8Array
  let body: BodyMeasures | undefined
  // Robust mode's gas step already measured its final mask when it found nothing to remove.
  let abdominalGasMl: number | undefined
  if (p.mode === 'seed') {
    ;({ fill, noFill } = await segmentLungsSeedBothParallel(
      image,
      shape,
      {
        fill: carve.u8(m),
        noFill: carve.u8(m),
        onFirstLabelling: (rl, binary) => (body = bodyFromLabelling(rl, binary, 2, image, MASK_FLAG_THRESHOLDS.metalHu)),
      },
      p.threads,
    ))
  } else {
    const buffers = { fill: carve.u8(m), noFill: carve.u8(m), cls: carve.u8(m) }
    // The body for the statistics from the air segmentation labels anyway (same threshold).
    const seg = segmentLungsRobust(image, shape, spacing, {}, buffers, (air) => (body = bodyFromAirRuns(air, image, MASK_FLAG_THRESHOLDS.metalHu)))
    ;({ fill, noFill } = seg)
    if (seg.abdominalGas?.voxels === 0) abdominalGasMl = 0
  }
  const hist = await histDone
  t.lap('segment')
  const f = fill
  // The histogram's top edge is at or above the image's largest value (a closing only raises air
  // to just dense): without metal there, the metal surface is skipped without a scan.
  const maxHu = hist.edges[hist.edges.length - 1]!
  const after = onHelper('contourAndPreview', [image, fill, shape, spacing, maxHu], () => contourAndPreview(image, f, shape, spacing, maxHu), {
    shared: [image, fill],
    threads: p.threads,
  })
  try {
    const stats = maskStats(image, fill, shape, spacing, MASK_FLAG_THRESHOLDS, {
      body,
      // The abdominal gas check needs a volume of scratch in both modes.
      scratch: carve.u8(m),
      oneComponent: p.mode === 'seed', // the largest air component, by construction
      abdominalGasMl,
    })
    const noFillVoxels = countOnes(noFill)
    t.lap('flags')
    return { fill, noFill, noFillVoxels, stats, hist, after }
  } catch (err) {
    // The helper reads the image and mask: their buffers go back to the pool only after it.
    await after.catch(() => undefined)
    throw err
  }
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
