/**
 * Child process of the pipeline benchmark: one measurement per fresh Node process, so the peak
 * RSS it reports (getrusage maxRSS) is that measurement's alone. Headers come from one scanRoot
 * before anything is timed. Prints one JSON line.
 *
 *   node --import tsx test/bench/pipelineChild.ts stages <root>
 *   node --import tsx test/bench/pipelineChild.ts run <root> <seed|robust> <outDir> [threads]
 *
 * stages: the seed-mode kernels called one by one, as src/main/jobs/pipeline.ts calls them,
 * each timed (wall and CPU) with the running peak RSS after it; plus the parts the pipeline
 * only runs on request (linear resampling, closing, the two masks separately). Memory follows
 * the pipeline's order (the source volume is dropped once resampled), but the extra parts add
 * their own buffers, so the whole run's peak is runPipeline's, from `run`.
 * Then robust mode's segmentation with and without its abdominal gas step, and the gas and
 * airway checks alone on the robust and the seed mask.
 * run: runPipeline(root, headers, {mode}, outDir) whole, .npy writes included.
 */
import { createHash } from 'node:crypto'
import { computeGeometry } from '../../src/main/dicom/geometry'
import { loadHuVolume } from '../../src/main/dicom/loadVolume'
import { scanRoot } from '../../src/main/dicom/scanRoot'
import type { HeaderRecord } from '../../src/main/dicom/types'
import { runPipeline } from '../../src/main/jobs/pipeline'
import { huHistogram, maskStats } from '../../src/main/pipeline/maskStats'
import { closeBall } from '../../src/main/pipeline/morphology'
import { zoomCubic } from '../../src/main/pipeline/resampleBSpline'
import { resampleGrid } from '../../src/main/pipeline/resampleGrid'
import { zoomLinear } from '../../src/main/pipeline/resampleLinear'
import { SEED_AIR_THRESHOLD_HU, segmentLungsSeed, segmentLungsSeedBoth } from '../../src/main/pipeline/segmentLungs'
import { findAbdominalGas } from '../../src/main/pipeline/abdominalGas'
import { measureAirwaysMl, segmentLungsRobust } from '../../src/main/pipeline/segmentLungsRobust'

export interface StageTiming {
  seconds: number
  cpuSeconds: number
  /** Of cpuSeconds, in the kernel (page faults of fresh buffers, file reads). */
  sysSeconds: number
  /** Minor page faults: each first touch of a fresh 4 KiB page of a new buffer is one. */
  minorFaults: number
  /** Peak RSS of the process so far (bytes), read right after the stage. */
  peakRssAfter: number
  /** RSS right after the stage (bytes). */
  rssAfter: number
}

export interface StagesResult {
  stages: Record<string, StageTiming>
  /** RSS once modules are loaded and headers indexed, before the first stage (bytes). */
  baselineRss: number
  peakRss: number
  shape: number[]
  resampledShape: number[]
  sha256: { resampled: string; fill: string; noFill: string }
  bothMatchSeparate: boolean
  closingRadiusMm: number
  closedVoxels: number
  maskFraction: number
  flags: string[]
}

export interface RunResult {
  mode: string
  seconds: number
  cpuSeconds: number
  sysSeconds: number
  minorFaults: number
  baselineRss: number
  peakRss: number
  timingsMs: Record<string, number>
  resampledShape: number[]
  outputBytes: number
  flags: string[]
}

const CLOSING_MM = 3
const KIB = 1024

const peakRss = (): number => process.resourceUsage().maxRSS * KIB

interface Usage {
  cpu: number
  sys: number
  faults: number
}
const usage = (): Usage => {
  const r = process.resourceUsage()
  return { cpu: (r.userCPUTime + r.systemCPUTime) / 1e6, sys: r.systemCPUTime / 1e6, faults: r.minorPageFault }
}
const usageSince = (u: Usage): { cpuSeconds: number; sysSeconds: number; minorFaults: number } => {
  const n = usage()
  return { cpuSeconds: n.cpu - u.cpu, sysSeconds: n.sys - u.sys, minorFaults: n.faults - u.faults }
}
const sha = (a: Int16Array | Uint8Array): string =>
  createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex')

async function headersOf(root: string): Promise<{ root: string; headers: HeaderRecord[] }> {
  const scanned = await scanRoot(root)
  const chosen = scanned.series.find((s) => s.chosen)
  if (!chosen) throw new Error(`no series found in ${root}`)
  return {
    root: scanned.root,
    headers: chosen.files.map((p) => {
      const h = scanned.headers.get(p)
      if (!h) throw new Error(`no header for ${p}`)
      return h
    }),
  }
}

async function stages(rootArg: string): Promise<StagesResult> {
  const { root, headers } = await headersOf(rootArg)
  const baselineRss = process.memoryUsage().rss
  const out: Record<string, StageTiming> = {}
  async function stage<T>(name: string, f: () => Promise<T> | T): Promise<T> {
    const u = usage()
    const t = performance.now()
    const v = await f()
    out[name] = {
      seconds: (performance.now() - t) / 1000,
      ...usageSince(u),
      peakRssAfter: peakRss(),
      rssAfter: process.memoryUsage().rss,
    }
    return v
  }

  const { geom, vol } = await stage('readHu', async () => {
    const geom = computeGeometry(headers, 'seed')
    const vol = await loadHuVolume(root, geom.order.map((i) => headers[i]!), 'seed')
    return { geom, vol }
  })
  let hu: Int16Array | null = vol.hu
  vol.hu = new Int16Array(0)
  const grid = resampleGrid(vol.shape, geom.spacing, [1, 1, 1], 'seed')
  const shape = grid.outShape
  // Linear first and dropped, so the cubic result and the source are what is live afterwards,
  // as in the pipeline.
  await stage('resampleLinear', () => {
    zoomLinear(hu!, vol.shape, shape)
  })
  const image = await stage('resampleCubic', () => zoomCubic(hu!, vol.shape, shape))
  hu = null
  const fill = await stage('segmentFill', () => segmentLungsSeed(image, shape, true))
  const noFill = await stage('segmentNoFill', () => segmentLungsSeed(image, shape, false))
  const both = await stage('segmentBoth', () => segmentLungsSeedBoth(image, shape))
  const bothMatchSeparate = sha(both.fill) === sha(fill) && sha(both.noFill) === sha(noFill)
  const spacing = grid.reportedSpacing
  // The pipeline's closeAirGaps (retry fix), on a copy so the image stays the tutorial's.
  const closedImage = image.slice()
  const closedVoxels = await stage('closing', () => {
    const dense = new Uint8Array(closedImage.length)
    for (let i = 0; i < closedImage.length; i++) dense[i] = closedImage[i]! > SEED_AIR_THRESHOLD_HU ? 1 : 0
    const closed = closeBall(dense, shape, spacing, CLOSING_MM, { pad: true })
    let n = 0
    for (let i = 0; i < closedImage.length; i++)
      if (closed[i] && !dense[i]) {
        closedImage[i] = SEED_AIR_THRESHOLD_HU + 1
        n++
      }
    return n
  })
  const stats = await stage('flagsStats', () => {
    huHistogram(image)
    const st = maskStats(image, both.fill, shape, spacing)
    let nNoFill = 0
    for (let i = 0; i < both.noFill.length; i++) nNoFill += both.noFill[i]!
    return { st, nNoFill }
  })
  // Robust mode before and after its abdominal gas step, and the step and the new flag checks
  // alone (issue 15): on a chest without an abdomen the step finds nothing, so its whole cost is
  // the detection on the mask it is given.
  const robustBefore = await stage('robustSegmentNoGasStep', () => segmentLungsRobust(image, shape, spacing, { removeAbdominalGas: false }))
  await stage('robustSegment', () => segmentLungsRobust(image, shape, spacing))
  const gasWork = new Uint8Array(image.length)
  await stage('gasStep', () => findAbdominalGas(image, robustBefore.fill, shape, spacing, gasWork))
  await stage('airwaysCheckRobust', () => measureAirwaysMl(robustBefore.fill, shape, spacing, robustBefore.midlineX))
  await stage('gasCheckSeed', () => findAbdominalGas(image, both.fill, shape, spacing, gasWork))
  await stage('airwaysCheckSeed', () => measureAirwaysMl(both.fill, shape, spacing, robustBefore.midlineX))
  return {
    stages: out,
    baselineRss,
    peakRss: peakRss(),
    shape: vol.shape,
    resampledShape: shape,
    sha256: { resampled: sha(image), fill: sha(fill), noFill: sha(noFill) },
    bothMatchSeparate,
    closingRadiusMm: CLOSING_MM,
    closedVoxels,
    maskFraction: stats.st.fraction,
    flags: stats.st.flags.map((f) => f.code),
  }
}

async function run(rootArg: string, mode: 'seed' | 'robust', outDir: string, threads?: number): Promise<RunResult> {
  const { root, headers } = await headersOf(rootArg)
  const baselineRss = process.memoryUsage().rss
  const u = usage()
  const t = performance.now()
  const r = await runPipeline(root, headers, { mode, threads }, outDir)
  return {
    mode,
    seconds: (performance.now() - t) / 1000,
    ...usageSince(u),
    baselineRss,
    peakRss: peakRss(),
    timingsMs: r.timingsMs,
    resampledShape: r.resampledShape ?? [],
    outputBytes: r.outputs.reduce((a, o) => a + o.fileBytes, 0),
    flags: r.flags.map((f) => f.code),
  }
}

const [cmd, root, mode, outDir, threads] = process.argv.slice(2)
if (cmd === 'stages' && root) console.log(JSON.stringify(await stages(root)))
else if (cmd === 'run' && root && (mode === 'seed' || mode === 'robust') && outDir) console.log(JSON.stringify(await run(root, mode, outDir, threads ? Number(threads) : undefined)))
else throw new Error('usage: pipelineChild.ts stages <root> | run <root> <seed|robust> <outDir> [threads]')
