/**
 * Section "jobs": the processing engine on a cohort of 20 small phantom scans of mixed cases,
 * robust mode, with 1 and 2 Node workers: wall time, scans/min, the speed-up of 2 over 1, and
 * how long the engine's own (main) process ever leaves its event loop stalled meanwhile.
 * Each run is a fresh Node process (jobsChild.ts) with a fresh database and cache.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { type PhantomCase, writePhantomSeries } from '../../src/main/phantom/index'
import { type BenchContext, CACHE_ROOT, cachedInput, progress, progressDone, runNodeChild } from './common'
import type { JobsChildResult, StallStats } from './jobsChild'
import { fmtCores, withBusyCores } from './machineLoad'
import { fmtRate, fmtRatio, fmtSec, met, printTable } from './table'

const SCANS = 20
const SIZE = 160
const SLICES = 60
const PIXEL_MM = 2.2
const SLICE_MM = 5
const CASES: PhantomCase[] = ['normal', 'tray', 'pacemaker', 'tracheostomy', 'one_lung']
/** Bump when the generated cohort changes in a way the parameters do not show. */
const GENERATION = 1
const WORKERS = [1, 2]
const MODE = 'robust'

const GOAL_SPEEDUP = 1.6
const GOAL_STALL_MS = 50

async function cohort(): Promise<{ dir: string; generated: boolean; seconds: number }> {
  const params = { scans: SCANS, rows: SIZE, cols: SIZE, slices: SLICES, pixelSpacing: PIXEL_MM, sliceSpacing: SLICE_MM, cases: CASES, generation: GENERATION }
  return cachedInput(`jobs-${SCANS}x${SIZE}x${SIZE}x${SLICES}-${PIXEL_MM}x${SLICE_MM}mm-g${GENERATION}`, params, async (dir) => {
    for (let i = 0; i < SCANS; i++) {
      const id = String(i + 1).padStart(4, '0')
      progress(`jobs: generating scan ${i + 1}/${SCANS}`)
      await writePhantomSeries(join(dir, `P${id}`), {
        seed: 2000 + i,
        case: CASES[i % CASES.length],
        rows: SIZE,
        cols: SIZE,
        slices: SLICES,
        pixelSpacing: PIXEL_MM,
        sliceSpacing: SLICE_MM,
        patientId: `BENCH-JOBS-${id}`,
        patientName: `Jobs^${id}`,
      })
    }
    progressDone()
  })
}

const fmtMs = (ms: number): string => (Number.isFinite(ms) ? ms.toFixed(1) : '-')
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

export async function runJobs(ctx: BenchContext): Promise<void> {
  const { dir, generated, seconds: genSeconds } = await cohort()
  console.log(
    `\n# 4. Processing engine: ${SCANS} scans (${SIZE}×${SIZE} × ${SLICES} slices, ${PIXEL_MM} mm pixels, ${SLICE_MM} mm apart → ` +
      `${Math.round(SLICES * SLICE_MM)}×${Math.round(SIZE * PIXEL_MM)}×${Math.round(SIZE * PIXEL_MM)} at 1 mm; cases ${CASES.join('/')}), ${MODE} mode`,
  )
  console.log(`data: ${dir} (${generated ? `generated now in ${fmtSec(genSeconds)} s` : 'cached; delete it to regenerate'})`)

  const runs: JobsChildResult[] = []
  const busy: number[] = []
  for (const n of WORKERS) {
    const work = mkdtempSync(join(CACHE_ROOT, 'jobs-run-'))
    try {
      progress(`jobs: scanRoot + JobEngine with ${n} worker${n > 1 ? 's' : ''} (fresh node process, db and cache)`)
      const [r, cores] = await withBusyCores(() => runNodeChild<JobsChildResult>(ctx, 'jobsChild.ts', [dir, String(n), work, MODE], `jobs-engine-${n}w`))
      runs.push(r)
      busy.push(cores)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  }
  progressDone()

  const one = runs.find((r) => r.workers === 1)
  const two = runs.find((r) => r.workers === 2)
  const speedup = (r: JobsChildResult): number => (one ? one.seconds / r.seconds : NaN)
  printTable({
    title: `Jobs: JobEngine.run() over ${SCANS} queued scans (nodeWorkerFactory workers, ${MODE} mode, one run each)`,
    columns: [
      { header: 'workers' },
      { header: 'wall s', right: true },
      { header: 'scans/min', right: true },
      { header: 'mean s/scan in worker', right: true },
      { header: 'worker CPU s', right: true },
      { header: 'cores used', right: true },
      { header: 'done', right: true },
      { header: 'failed', right: true },
      { header: 'speed-up vs 1', right: true },
      { header: 'goal', right: true },
      { header: 'met' },
    ],
    rows: runs.map((r) => [
      String(r.workers),
      fmtSec(r.seconds),
      fmtRate((60 * r.done) / r.seconds),
      fmtSec(mean(r.jobSeconds)),
      fmtSec(r.workerCpuSeconds),
      fmtCores(r.workerCpuSeconds / r.seconds),
      String(r.done),
      String(r.failed),
      fmtRatio(speedup(r)),
      r.workers === 2 ? `≥ ${fmtRatio(GOAL_SPEEDUP)}` : '',
      r.workers === 2 ? met(speedup(r) >= GOAL_SPEEDUP) : '',
    ]),
    notes: [
      'wall s: around JobEngine.run() in the engine\'s process (worker start-up, every job, recording each result, worker shutdown); scanRoot(root, {db}) before it is not included',
      "mean s/scan in worker: from the engine's 'processing' to its 'done' event per scan (the first job of each worker includes its start-up)",
      'worker CPU s: CPU time of all workers (reaped children of the engine process); cores used = worker CPU / wall: at most the number of workers, less when the workers wait (fsync of their outputs) or other work takes the cores',
      `per run: ${runs.map((r) => `${r.workers}w scanRoot ${fmtSec(r.scanSeconds)} s, engine CPU ${fmtSec(r.cpuSeconds)} s`).join('; ')}`,
      `whole machine's busy cores during each run (/proc/stat, everyone's work): ${runs.map((r, i) => `${r.workers}w ${fmtCores(busy[i] ?? NaN)}`).join(', ')} of ${cpus().length}; ours alone would be about the number of workers, so more than that at 1 worker is other work competing`,
      ...runs.flatMap((r) => r.failures.slice(0, 3).map((f) => `failed (${r.workers}w): ${f}`)),
      ...runs.flatMap((r, i) =>
        (busy[i] ?? 0) > r.workers + 0.3 && r.workers < cpus().length
          ? [`CAUTION: other work used about ${fmtCores((busy[i] ?? 0) - r.workers)} core during the ${r.workers}-worker run; its figures and the speed-up are not this engine's alone, rerun when the machine is quiet`]
          : [],
      ),
      ...(one && two && mean(two.jobSeconds) < mean(one.jobSeconds)
        ? [
            `CAUTION: a scan took less with 2 workers (${fmtSec(mean(two.jobSeconds))} s) than with 1 (${fmtSec(mean(one.jobSeconds))} s); two workers sharing 2 cores cannot each be faster than one alone, so this machine ran slower during the 1-worker run and the speed-up is overstated`,
          ]
        : []),
    ],
  })

  const stallRow = (label: string, s: StallStats, goal: boolean): string[] => {
    const worst = Math.max(s.maxMs, s.watchdogMaxGapMs)
    return [
      label,
      fmtMs(s.maxMs),
      fmtMs(s.p99Ms),
      fmtMs(s.watchdogMaxGapMs),
      `${s.watchdogMaxGapAtS.toFixed(2)} s`,
      fmtMs(s.watchdogMaxGapCpuMs),
      `${fmtMs(s.gcMaxMs)}${s.gcMaxMajor ? ' full' : ''}`,
      `${s.gcMaxAtS.toFixed(2)} s`,
      String(s.gcMajorCount),
      (100 * s.utilization).toFixed(1),
      goal ? `< ${GOAL_STALL_MS}` : '(info)',
      goal ? met(worst < GOAL_STALL_MS) : '',
    ]
  }
  printTable({
    title: "Jobs: the engine process's event loop while it runs (longest stall)",
    columns: [
      { header: 'while' },
      { header: 'ELD max ms', right: true },
      { header: 'ELD p99 ms', right: true },
      { header: '5 ms watchdog max gap ms', right: true },
      { header: 'gap ended at', right: true },
      { header: 'CPU in gap ms', right: true },
      { header: 'longest GC pause ms', right: true },
      { header: 'GC ended at', right: true },
      { header: 'full GCs', right: true },
      { header: 'loop busy %', right: true },
      { header: 'goal ms', right: true },
      { header: 'met' },
    ],
    rows: [
      ...runs.map((r) => stallRow(`JobEngine.run(), ${r.workers} worker${r.workers > 1 ? 's' : ''}`, r.engineStall, true)),
      ...runs.map((r) => stallRow(`scanRoot(root, {db}) before it (${r.workers}w run)`, r.scanStall, false)),
    ],
    notes: [
      'ELD: perf_hooks.monitorEventLoopDelay({resolution: 10}); Node records the time between its 10 ms timer\'s ticks, so values include up to the 10 ms period (an idle loop shows ~10)',
      'watchdog: setInterval(…, 5) in the same process, largest time between two ticks (the 5 ms period included); "met" takes the larger of ELD max and the watchdog gap',
      "CPU in gap: this process's CPU time (all its threads) during the largest gap; near the gap's length means work on the main thread, near zero means the process waited for a core",
      `worker starts (nodeWorkerFactory → child_process.fork, synchronous on this thread): ${runs.map((r) => `${r.workers}w ${r.spawnMs.map(fmtMs).join(' + ')} ms`).join('; ')}; the engine starts all its workers in one turn of its loop`,
      "GC: PerformanceObserver('gc') on this process's main thread, the longest pause ('full' = mark-compact) and the number of full collections; a watchdog gap ending with a GC pause is that pause",
      'times "at" count from the start of the call; loop busy: performance.eventLoopUtilization over the call',
    ],
  })
}
