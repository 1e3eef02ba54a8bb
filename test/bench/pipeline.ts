/**
 * Section "pipeline": the whole seed-mode preprocessing of one 512×512×300 series at
 * 0.7×0.7×1.25 mm (resampled to 375×358×358 at ~1 mm), ours beside the tutorial's own code
 * (pydicom + scipy + scikit-image, test/oracle) on the same series in the same run.
 *
 * Ours runs in fresh Node processes (pipelineChild.ts), so each peak RSS is that run's alone:
 * once kernel by kernel (seconds per stage) and as runPipeline whole (what the workers run,
 * .npy writes included), seed and robust.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { writePhantomSeries } from '../../src/main/phantom/index'
import { type BenchContext, CACHE_ROOT, PYTHON, REPO_ROOT, BENCH_DIR, best, cachedInput, progress, progressDone, runNodeChild, runPython, timeCommand } from './common'
import { fmtCores, withBusyCores } from './machineLoad'
import { workerEnv } from '../../src/main/jobs/nodeWorker'
import type { RunResult, StageTiming, StagesResult } from './pipelineChild'
import { fmtRatio, fmtRuns, fmtSec, met, printTable } from './table'

const ROWS = 512
const COLS = 512
const SLICES = 300
const PIXEL_MM = 0.7
const SLICE_MM = 1.25
const CASE = 'normal'
const SEED = 7
/** Bump when the generated series changes in a way the parameters do not show. */
const GENERATION = 1
const FOLDER = 'P0001'

/** Issue 14's goals for the seed pipeline alone (raised from 8× and 4×). */
const GOAL_SPEEDUP = 12
const GOAL_RSS_MULTIPLE = 3
/** runPipeline seed runs (the goal's figure); robust and the stage breakdown run once. */
const SEED_RUNS = 2

/** pipeline_tutorial.py measures each stage as pipelineChild.ts does. */
type PyStage = StageTiming

interface PyPipelineResult {
  stages: Record<string, PyStage>
  baselineRss: number
  peakRss: number
  shape: number[]
  resampledShape: number[]
  newSpacing: number[]
  sha256: { resampled: string; fill: string; noFill: string }
}

async function series(): Promise<{ root: string; generated: boolean; seconds: number }> {
  const params = {
    rows: ROWS,
    cols: COLS,
    slices: SLICES,
    pixelSpacing: PIXEL_MM,
    sliceSpacing: SLICE_MM,
    case: CASE,
    storage: 'int16',
    seed: SEED,
    generation: GENERATION,
  }
  // Not loadHu's series: that one is 1 mm apart; here 1.25 mm, so z is upsampled too.
  const r = await cachedInput(`pipeline-${ROWS}x${COLS}x${SLICES}-${PIXEL_MM}x${SLICE_MM}mm-${CASE}-int16-g${GENERATION}`, params, async (dir) => {
    progress('pipeline: generating the 512×512×300 phantom series')
    await writePhantomSeries(join(dir, FOLDER), {
      seed: SEED,
      case: CASE,
      rows: ROWS,
      cols: COLS,
      slices: SLICES,
      pixelSpacing: PIXEL_MM,
      sliceSpacing: SLICE_MM,
      storage: 'int16',
      patientId: 'BENCH-PIPELINE',
    })
    progressDone()
  })
  return { root: r.dir, generated: r.generated, seconds: r.seconds }
}

const MB = 1e6
const fmtMb = (bytes: number): string => (Number.isFinite(bytes) ? Math.round(bytes / MB).toLocaleString('en-US') : '-')

/** The bracketed choice of /sys/kernel/mm/transparent_hugepage/enabled, e.g. "madvise". */
function thpMode(): string {
  try {
    return /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

export async function runPipelineBench(ctx: BenchContext): Promise<void> {
  const { root, generated, seconds: genSeconds } = await series()
  const seriesDir = join(root, FOLDER)
  const sourceBytes = ROWS * COLS * SLICES * 2
  console.log(
    `\n# 3. Seed-mode pipeline of one ${ROWS}×${COLS}×${SLICES} series (${PIXEL_MM}×${PIXEL_MM}×${SLICE_MM} mm, int16, case '${CASE}') → 1 mm`,
  )
  console.log(`data: ${seriesDir} (${generated ? `generated now in ${fmtSec(genSeconds)} s` : 'cached; delete it to regenerate'})`)

  // Page cache: every reader below finds the files in memory, whichever runs first.
  for (const f of readdirSync(seriesDir)) readFileSync(join(seriesDir, f))

  // Busy cores of the whole machine during each child (the tutorial uses one; runPipeline two,
  // with its helper thread; the kernel-by-kernel child one).
  const busy: string[] = []
  const busyDuring = async <T>(label: string, f: () => Promise<T>): Promise<T> => {
    const [v, cores] = await withBusyCores(f)
    busy.push(`${label} ${fmtCores(cores)}`)
    return v
  }
  progress('pipeline: ours, kernel by kernel (fresh node process)')
  const st = await busyDuring('stages', () => runNodeChild<StagesResult>(ctx, 'pipelineChild.ts', ['stages', root], 'pipeline-stages', true))

  const whole = async (mode: 'seed' | 'robust', i: number, threads?: number): Promise<RunResult> => {
    const out = mkdtempSync(join(CACHE_ROOT, 'pipeline-out-'))
    const label = `${mode}${mode === 'seed' ? ` ${i}` : ''}${threads ? ` ${threads} thread` : ''}`
    try {
      progress(`pipeline: ours, runPipeline ${label} (fresh node process)`)
      return await busyDuring(label, () =>
        runNodeChild<RunResult>(ctx, 'pipelineChild.ts', ['run', root, mode, out, ...(threads ? [String(threads)] : [])], `pipeline-run-${label.replace(/ /g, '-')}`, true),
      )
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }
  const seed: RunResult[] = []
  for (let i = 1; i <= SEED_RUNS; i++) seed.push(await whole('seed', i))
  const robust = await whole('robust', 1)
  // Without the helper thread, for comparison.
  const seedOne = await whole('seed', 1, 1)

  progress('pipeline: the tutorial (pydicom + scipy + skimage, one python process)')
  const py = await busyDuring('tutorial', () => runPython<PyPipelineResult>('pipeline_tutorial.py', [seriesDir, '--linear']))
  // For comparison only: the tutorial given the same malloc setting as our workers.
  progress('pipeline: the tutorial again, with glibc.malloc.hugetlb=1 (as our workers run)')
  const pyTuned = await runPython<PyPipelineResult>('pipeline_tutorial.py', [seriesDir], workerEnv())
  // Whole commands from the shell, start-up included, as a user (and the issue's outside check)
  // runs them: the CLI's seed preprocess (built JS when fresh; its worker writes 4 .npy and
  // result.json) best of 3, the tutorial's script best of 2, alternated.
  const shellOurs: number[] = []
  const shellPy: number[] = []
  for (let i = 0; i < 3; i++) {
    const out = mkdtempSync(join(CACHE_ROOT, 'pipeline-cli-'))
    try {
      progress(`pipeline: from the shell, ct-curator preprocess --mode seed (${i + 1}/3)`)
      shellOurs.push(await timeCommand(process.execPath, [join(REPO_ROOT, 'bin', 'ct-curator.mjs'), 'preprocess', seriesDir, '--mode', 'seed', '--out', out], process.env))
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
    if (i < 2) {
      progress(`pipeline: from the shell, python3 pipeline_tutorial.py (${i + 1}/2)`)
      shellPy.push(await timeCommand(PYTHON, [join(BENCH_DIR, 'pipeline_tutorial.py'), seriesDir]))
    }
  }
  progressDone()

  // --- per stage ---
  // The robust-mode stages (issue 15) get their own table; the seed table sums the rest.
  const o = { ...st.stages }
  const gas = {
    before: o.robustSegmentNoGasStep,
    after: o.robustSegment,
    step: o.gasStep,
    airwaysRobust: o.airwaysCheckRobust,
    gasSeed: o.gasCheckSeed,
    airwaysSeed: o.airwaysCheckSeed,
  }
  for (const k of ['robustSegmentNoGasStep', 'robustSegment', 'gasStep', 'airwaysCheckRobust', 'gasCheckSeed', 'airwaysCheckSeed']) delete o[k]
  const p = py.stages
  const sum = (xs: Array<StageTiming | PyStage | undefined>, key: 'seconds' | 'cpuSeconds' | 'sysSeconds' | 'minorFaults'): number =>
    xs.reduce((a, x) => a + (x ? x[key] : NaN), 0)
  const ours = {
    tutorialSteps: [o.readHu, o.resampleCubic, o.segmentFill, o.segmentNoFill],
    pipelineSteps: [o.readHu, o.resampleCubic, o.segmentBoth, o.flagsStats],
  }
  const pySteps = [p.readHu, p.resampleCubic, p.segmentFill, p.segmentNoFill].filter((x): x is PyStage => x !== undefined)
  if (pySteps.length !== 4) throw new Error(`pipeline_tutorial.py reported stages ${Object.keys(p).join(', ')}`)
  const pyTotal = sum(pySteps, 'seconds')
  const pyTunedSteps = [pyTuned.stages.readHu, pyTuned.stages.resampleCubic, pyTuned.stages.segmentFill, pyTuned.stages.segmentNoFill]
  const pyTunedTotal = sum(pyTunedSteps, 'seconds')
  const pyTotalCpu = sum(pySteps, 'cpuSeconds')
  const fmtK = (n: number): string => (Number.isFinite(n) ? `${Math.round(n / 1000).toLocaleString('en-US')}k` : '-')
  const stageRow = (label: string, a: StageTiming | undefined, b: PyStage | undefined, bLabel = ''): string[] => [
    label,
    a ? fmtSec(a.seconds) : '-',
    a ? fmtSec(a.sysSeconds) : '-',
    a ? fmtK(a.minorFaults) : '-',
    a ? fmtMb(a.peakRssAfter) : '-',
    b ? fmtSec(b.seconds) : bLabel || '-',
    b ? fmtSec(b.sysSeconds) : '-',
    b ? fmtK(b.minorFaults) : '-',
    b ? fmtMb(b.peakRssAfter) : '-',
    a && b ? fmtRatio(b.seconds / a.seconds) : '',
  ]
  const totalRow = (label: string, a: Array<StageTiming | undefined>, b: PyStage[]): string[] => {
    const s = sum(a, 'seconds')
    const bs = sum(b, 'seconds')
    return [label, fmtSec(s), fmtSec(sum(a, 'sysSeconds')), fmtK(sum(a, 'minorFaults')), '', fmtSec(bs), fmtSec(sum(b, 'sysSeconds')), fmtK(sum(b, 'minorFaults')), '', fmtRatio(bs / s)]
  }
  printTable({
    title: `Pipeline: seconds per stage, ours (seed mode, kernels called one by one) beside the tutorial, ${ROWS}×${COLS}×${SLICES} → ${st.resampledShape.join('×')}`,
    columns: [
      { header: 'stage (ours | tutorial)' },
      { header: 'ours s', right: true },
      { header: 'ours sys s', right: true },
      { header: 'ours faults', right: true },
      { header: 'ours peak MB', right: true },
      { header: 'tutorial s', right: true },
      { header: 'tut. sys s', right: true },
      { header: 'tut. faults', right: true },
      { header: 'tut. peak MB', right: true },
      { header: 'tutorial / ours', right: true },
    ],
    rows: [
      stageRow('read + HU (computeGeometry + loadHuVolume | load_scan + get_pixels_hu)', o.readHu, p.readHu),
      stageRow('resample cubic (zoomCubic | zoom order 3)', o.resampleCubic, p.resampleCubic),
      stageRow('resample linear (zoomLinear | zoom order 1; not a tutorial step)', o.resampleLinear, p.resampleLinear),
      stageRow('segment, fill (segmentLungsSeed | segment_lung_mask(True))', o.segmentFill, p.segmentFill),
      stageRow('segment, no fill (segmentLungsSeed | segment_lung_mask(False))', o.segmentNoFill, p.segmentNoFill),
      stageRow('segment, both masks (segmentLungsSeedBoth, as runPipeline)', o.segmentBoth, undefined, 'n/a'),
      stageRow(`closing r = ${st.closingRadiusMm} mm (dense mask, closeBall pad; retry only)`, o.closing, undefined, 'n/a'),
      stageRow('flags + stats (huHistogram + maskStats + no-fill count)', o.flagsStats, undefined, 'n/a'),
      totalRow("total, the tutorial's steps (read+HU, cubic, fill, no fill)", ours.tutorialSteps, pySteps),
      totalRow("total, runPipeline's kernels (read+HU, cubic, both, flags)", ours.pipelineSteps, pySteps),
    ],
    notes: [
      'one run each, in one fresh process per side; "sys s": CPU time in the kernel; "faults": minor page faults (first touch of fresh memory; both sides\' big arrays in 2 MiB huge pages: numpy asks for them, our children run with glibc.malloc.hugetlb=1 as workers do); "peak MB": the process\'s running peak RSS (getrusage maxRSS) right after the stage, garbage not yet collected and what earlier stages hold included',
      `ours: linear runs before cubic and its result is dropped; the source volume is dropped after cubic, as in runPipeline; baseline RSS after imports + indexing ${fmtMb(st.baselineRss)} MB, tutorial's after imports ${fmtMb(py.baselineRss)} MB`,
      'the tutorial keeps every result alive, as the notebook\'s globals do (slices with their pixel data, HU volume, resampled volume, both masks)',
      `outputs: masks identical to the tutorial's (sha256): fill ${st.sha256.fill === py.sha256.fill ? 'yes' : 'NO'}, no fill ${st.sha256.noFill === py.sha256.noFill ? 'yes' : 'NO'}; ` +
        `resampled volume bit-identical: ${st.sha256.resampled === py.sha256.resampled ? 'yes' : 'no (zoomCubic is within 1 HU of scipy, identical on ≥ 99.999 % of voxels)'}; ` +
        `shapes ${st.resampledShape.join('×')} vs ${py.resampledShape.join('×')}; segmentLungsSeedBoth = the two separate calls: ${st.bothMatchSeparate ? 'yes' : 'NO'}`,
      `closing filled ${st.closedVoxels.toLocaleString('en-US')} air voxels; mask fraction ${(100 * st.maskFraction).toFixed(2)} %, flags: ${st.flags.join(', ') || 'none'}`,
      `CPU s (all threads) over the stages: ours ${fmtSec(sum(Object.values(o), 'cpuSeconds'))} for ${fmtSec(sum(Object.values(o), 'seconds'))} s, tutorial ${fmtSec(sum(Object.values(p), 'cpuSeconds'))} for ${fmtSec(sum(Object.values(p), 'seconds'))} s: each side works on one core (the kernels are called directly, without runPipeline's helper thread)`,
    ],
  })

  // --- whole runs, memory, goals ---
  const seedBest = best(seed.map((r) => r.seconds))
  const seedBestRun = seed.find((r) => r.seconds === seedBest) ?? seed[0]!
  const seedPeak = Math.max(...seed.map((r) => r.peakRss))
  const mult = (bytes: number): string => fmtRatio(bytes / sourceBytes)
  printTable({
    title: `Pipeline: whole runs and peak memory (source volume: int16 ${ROWS}×${COLS}×${SLICES} = ${fmtMb(sourceBytes)} MB, MB = 10^6 bytes)`,
    columns: [
      { header: 'run' },
      { header: 'runs, s (* best)', right: true },
      { header: 'CPU s', right: true },
      { header: 'sys s', right: true },
      { header: 'faults', right: true },
      { header: 'peak RSS MB', right: true },
      { header: '× source', right: true },
      { header: 'baseline MB', right: true },
    ],
    rows: [
      ['ours: runPipeline seed (writes 4 .npy)', fmtRuns(seed.map((r) => r.seconds)), fmtSec(seedBestRun.cpuSeconds), fmtSec(seedBestRun.sysSeconds), fmtK(seedBestRun.minorFaults), fmtMb(seedPeak), mult(seedPeak), fmtMb(seedBestRun.baselineRss)],
      ['ours: runPipeline seed, one thread (no helper)', fmtRuns([seedOne.seconds]), fmtSec(seedOne.cpuSeconds), fmtSec(seedOne.sysSeconds), fmtK(seedOne.minorFaults), fmtMb(seedOne.peakRss), mult(seedOne.peakRss), fmtMb(seedOne.baselineRss)],
      ['ours: runPipeline robust (writes 4 .npy)', fmtRuns([robust.seconds]), fmtSec(robust.cpuSeconds), fmtSec(robust.sysSeconds), fmtK(robust.minorFaults), fmtMb(robust.peakRss), mult(robust.peakRss), fmtMb(robust.baselineRss)],
      ['ours: kernel by kernel (extra stages, see above)', fmtSec(sum(Object.values(o), 'seconds')), fmtSec(sum(Object.values(o), 'cpuSeconds')), fmtSec(sum(Object.values(o), 'sysSeconds')), fmtK(sum(Object.values(o), 'minorFaults')), fmtMb(st.peakRss), mult(st.peakRss), fmtMb(st.baselineRss)],
      ['tutorial: load, HU, zoom order 3, both masks', fmtSec(pyTotal), fmtSec(pyTotalCpu), fmtSec(sum(pySteps, 'sysSeconds')), fmtK(sum(pySteps, 'minorFaults')), fmtMb(py.peakRss), mult(py.peakRss), fmtMb(py.baselineRss)],
      ['  same, with glibc.malloc.hugetlb=1 (info)', fmtSec(pyTunedTotal), fmtSec(sum(pyTunedSteps, 'cpuSeconds')), fmtSec(sum(pyTunedSteps, 'sysSeconds')), fmtK(sum(pyTunedSteps, 'minorFaults')), fmtMb(pyTuned.peakRss), mult(pyTuned.peakRss), fmtMb(pyTuned.baselineRss)],
    ],
    notes: [
      'peak RSS of the whole process (getrusage maxRSS), baseline included: node + tsx + modules + the indexed headers, or python + numpy/scipy/skimage',
      `runPipeline writes hu, resampled and both masks as .npy (${fmtMb(seedBestRun.outputBytes)} MB, each fsynced); the tutorial writes nothing. Headers come from one scanRoot before the clock starts`,
      'seed runs: CPU s, sys s and faults of the best run; peak RSS the larger of the runs',
      `whole machine's busy cores during each child (/proc/stat, everyone's work; each child alone would be ~1.0 of ${cpus().length}): ${busy.join(', ')}`,
    ],
  })

  const seedTimings = seedBestRun.timingsMs
  const writesS = Object.entries(seedTimings)
    .filter(([k]) => k.startsWith('write'))
    .reduce((a, [, ms]) => a + ms / 1000, 0)
  const seedNoWrites = seedBest - writesS
  printTable({
    title: 'Pipeline: against the goals',
    columns: [{ header: 'goal' }, { header: 'measured', right: true }, { header: 'target', right: true }, { header: 'met' }],
    rows: [
      ['speed-up, whole seed pipeline (tutorial / runPipeline seed)', fmtRatio(pyTotal / seedBest), `≥ ${fmtRatio(GOAL_SPEEDUP)}`, met(pyTotal / seedBest >= GOAL_SPEEDUP)],
      ['  same, runPipeline seed without its .npy writes', fmtRatio(pyTotal / seedNoWrites), '(info)', ''],
      ['  same, the tutorial also with glibc.malloc.hugetlb=1', fmtRatio(pyTunedTotal / seedBest), '(info)', ''],
      ['  same, runPipeline seed with one thread', fmtRatio(pyTotal / seedOne.seconds), '(info)', ''],
      ["  same, runPipeline's kernels one by one (table above)", fmtRatio(pyTotal / sum(ours.pipelineSteps, 'seconds')), '(info)', ''],
      ['peak RSS / int16 source, runPipeline seed', mult(seedPeak), `≤ ${fmtRatio(GOAL_RSS_MULTIPLE)}`, met(seedPeak / sourceBytes <= GOAL_RSS_MULTIPLE)],
      ['peak RSS / int16 source, tutorial', mult(py.peakRss), '(about 12×)', ''],
      ['runPipeline robust: total s; peak RSS / source', `${fmtSec(robust.seconds)} s; ${mult(robust.peakRss)}`, '(info)', ''],
    ],
    notes: [
      "runPipeline uses both cores (its helper thread, as the engine's workers do); the tutorial one, as written. The goal compares the whole runPipeline, .npy writes included, to the tutorial, which writes nothing",
      'runPipeline with one thread (CT_CURATOR_THREADS=1: no helper thread): the "one thread" rows',
      "the goal's reference is the tutorial as a user runs it (default environment; numpy madvises huge pages for its big arrays itself); ours runs as the engine's workers do (glibc.malloc.hugetlb=1, set by the engine). The tutorial given the same setting is shown for comparison",
    ],
  })

  printTable({
    title: 'Pipeline: whole commands from the shell (start-up, imports and every write included)',
    columns: [{ header: 'command' }, { header: 'runs, s (* best)', right: true }, { header: 'tutorial / ours (best)', right: true }, { header: `goal ≥ ${fmtRatio(GOAL_SPEEDUP)}` }],
    rows: [
      [`ct-curator preprocess ${FOLDER} --mode seed --out …`, fmtRuns(shellOurs), fmtRatio(best(shellPy) / best(shellOurs)), met(best(shellPy) / best(shellOurs) >= GOAL_SPEEDUP)],
      ['python3 pipeline_tutorial.py (read, HU, zoom order 3, both masks)', fmtRuns(shellPy), '', ''],
    ],
    notes: ['ours best of 3, the tutorial best of 2, alternated; ours writes hu, resampled and both masks (.npy, fsynced) and result.json, the tutorial nothing'],
  })

  // Robust mode before/after its abdominal gas step: the step and the new flag checks timed
  // alone on this chest (no abdomen: nothing found, the whole cost is looking), beside the
  // segmentation with and without the step, in the same child.
  const secs = (x: StageTiming | undefined): number => x?.seconds ?? NaN
  const added = secs(gas.step) + secs(gas.airwaysRobust)
  const robustBefore = robust.seconds - added
  const seedAdded = secs(gas.gasSeed) + secs(gas.airwaysSeed)
  const pct = (x: number, of: number): string => `${((100 * x) / of).toFixed(1)} %`
  printTable({
    title: "Pipeline: robust mode's abdominal gas step and the new flag checks (abdominal_gas, airways_in_mask)",
    columns: [{ header: 'what' }, { header: 's', right: true }, { header: 'share', right: true }],
    rows: [
      ['segmentLungsRobust without the gas step (before)', fmtSec(secs(gas.before)), ''],
      ['segmentLungsRobust with it (after)', fmtSec(secs(gas.after)), `${pct(secs(gas.after) - secs(gas.before), secs(gas.before))} more (noise included)`],
      ['  the gas step alone (findAbdominalGas on the robust mask)', fmtSec(secs(gas.step)), ''],
      ['  airways_in_mask on the robust mask (measureAirwaysMl)', fmtSec(secs(gas.airwaysRobust)), ''],
      ['runPipeline robust: after; before = after − the two above', `${fmtSec(robust.seconds)}; ${fmtSec(robustBefore)}`, `+${pct(added, robustBefore)} (goal ≤ 15 %) ${met(added / robustBefore <= 0.15)}`],
      ["seed: both checks on the tutorial's mask (in maskStats)", fmtSec(seedAdded), `${pct(seedAdded, seedBest)} of the best seed run`],
    ],
    notes: [
      "robust mode reuses the gas step's answer for its flag when the step removed nothing, so a robust run adds the step and the airway check, nothing else",
      "on the tutorial's mask the trachea is gas, so the gas check labels it; it stops before any 3-D labelling unless some gas lies under a lung",
    ],
  })

  const steps = [...new Set([...Object.keys(seedTimings), ...Object.keys(robust.timingsMs)])]
  const ms = (t: Record<string, number>, step: string): number => (t[step] ?? NaN) / 1000
  const seedSum = Object.values(seedTimings).reduce((a, b) => a + b, 0) / 1000
  const robustSum = Object.values(robust.timingsMs).reduce((a, b) => a + b, 0) / 1000
  printTable({
    title: "Pipeline: where runPipeline's time goes (its own timingsMs; seed: the best run)",
    columns: [{ header: 'step' }, { header: 'seed s', right: true }, { header: 'seed %', right: true }, { header: 'robust s', right: true }],
    rows: [
      ...steps.map((step) => [step, fmtSec(ms(seedTimings, step)), ((100 * ms(seedTimings, step)) / seedSum).toFixed(1), fmtSec(ms(robust.timingsMs, step))]),
      ['total', fmtSec(seedSum), '100.0', fmtSec(robustSum)],
      [
        '  across steps: CPU in the kernel (sys s)',
        fmtSec(seedBestRun.sysSeconds),
        ((100 * seedBestRun.sysSeconds) / seedSum).toFixed(1),
        fmtSec(robust.sysSeconds),
      ],
    ],
    notes: [
      "'segment' includes huHistogram of the resampled volume, which runPipeline computes just before segmenting; 'writes' is the masks' and what is left of resampled.npy's (written while the masks are computed)",
      `sys s is mostly first touches of fresh memory (seed ${fmtK(seedBestRun.minorFaults)} minor faults, robust ${fmtK(robust.minorFaults)}; transparent huge pages "${thpMode()}" here) and file I/O`,
      'our children run with the environment the engine gives its workers (glibc.malloc.hugetlb=1: fresh volumes faulted in 2 MiB pages, as numpy does for its big arrays)',
      `at ${fmtRatio(GOAL_SPEEDUP)} the whole seed run would have to take ≤ ${fmtSec(pyTotal / GOAL_SPEEDUP)} s in this run; --cpu-prof writes the children's profiles (pipeline-run-seed-*.cpuprofile)`,
    ],
  })
}
