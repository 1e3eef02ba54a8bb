/**
 * Child process of the jobs benchmark: the real engine as the app's main process runs it, in a
 * fresh Node process with a fresh database and cache. scanRoot(root, {db}) queues the cohort,
 * then JobEngine.run() processes it with N Node workers (nodeWorkerFactory). While each runs,
 * this process's event loop is watched: monitorEventLoopDelay (resolution 10 ms) and a
 * setInterval(…, 5) watchdog recording the largest gap between its ticks (with the CPU the
 * process used meanwhile), and V8's garbage-collection pauses. Prints one JSON line.
 *
 *   node --import tsx test/bench/jobsChild.ts <root> <workers> <workDir> [mode]
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { VERSION } from '../../src/main/core'
import { scanRoot } from '../../src/main/dicom/scanRoot'
import { JobEngine } from '../../src/main/jobs/engine'
import { nodeWorkerFactory } from '../../src/main/jobs/nodeWorker'
import { openDb } from '../../src/main/store/db'
import type { WorkerPort } from '../../src/shared/worker'

export interface StallStats {
  /** monitorEventLoopDelay: largest and 99th-percentile delay, ms. */
  maxMs: number
  p99Ms: number
  meanMs: number
  /** Largest gap between two ticks of a 5 ms setInterval, ms (the 5 ms period included). */
  watchdogMaxGapMs: number
  /** When that gap ended, seconds from the start, and the CPU this process used during it, ms. */
  watchdogMaxGapAtS: number
  watchdogMaxGapCpuMs: number
  watchdogTicks: number
  /** performance.eventLoopUtilization over the whole call: the main thread's busy fraction. */
  utilization: number
  /** The longest V8 garbage-collection pause of this process's main thread (PerformanceObserver 'gc'). */
  gcMaxMs: number
  /** When it ended, seconds from the start, and whether it was a full (mark-compact) collection. */
  gcMaxAtS: number
  gcMaxMajor: boolean
  /** Full collections during the call. */
  gcMajorCount: number
}

export interface JobsChildResult {
  workers: number
  mode: string
  scanSeconds: number
  scanStall: StallStats
  /** Wall time of JobEngine.run(), seconds. */
  seconds: number
  engineStall: StallStats
  done: number
  failed: number
  failures: string[]
  /** Per scan: processing → done, as the engine saw it (worker start-up included for the first). */
  jobSeconds: number[]
  cpuSeconds: number
  /** How long each worker start (nodeWorkerFactory's fork) held the main thread, ms. */
  spawnMs: number[]
  /** CPU time of the workers (reaped children), seconds; NaN if unknown. */
  workerCpuSeconds: number
}

const WATCHDOG_MS = 5
/** USER_HZ: /proc reports times in 1/100 s on Linux. */
const USER_HZ = 100

/** CPU seconds of this process's waited-for children (/proc/self/stat cutime + cstime). */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // f[0] is field 3 (state); cutime and cstime are fields 16 and 17.
    return (Number(f[13]) + Number(f[14])) / USER_HZ
  } catch {
    return NaN
  }
}

async function watched<T>(f: () => Promise<T>): Promise<[T, StallStats]> {
  const h = monitorEventLoopDelay({ resolution: 10 })
  const elu0 = performance.eventLoopUtilization()
  const start = performance.now()
  const cpuMs = (): number => {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1000
  }
  let last = start
  let lastCpu = cpuMs()
  const gap = { ms: 0, at: 0, cpu: 0 }
  let ticks = 0
  // A long gap during which this process used the CPU is blocking work on the main thread; one
  // during which it did not is the process waiting for a core (the workers and others hold them).
  const tick = (): void => {
    const now = performance.now()
    const cpu = cpuMs()
    if (now - last > gap.ms) Object.assign(gap, { ms: now - last, at: (now - start) / 1000, cpu: cpu - lastCpu })
    last = now
    lastCpu = cpu
  }
  const dog = setInterval(() => {
    tick()
    ticks++
  }, WATCHDOG_MS)
  const gc = { ms: 0, at: 0, major: false, majors: 0 }
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const major = (e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR
      if (major) gc.majors++
      if (e.duration > gc.ms) Object.assign(gc, { ms: e.duration, at: (e.startTime + e.duration - start) / 1000, major })
    }
  })
  obs.observe({ entryTypes: ['gc'] })
  h.enable()
  try {
    const v = await f()
    tick() // the gap still open when f settles counts too
    await new Promise((ok) => setImmediate(ok)) // deliver the last gc entries
    return [
      v,
      {
        maxMs: h.max / 1e6,
        p99Ms: h.percentile(99) / 1e6,
        meanMs: h.mean / 1e6,
        watchdogMaxGapMs: gap.ms,
        watchdogMaxGapAtS: gap.at,
        watchdogMaxGapCpuMs: gap.cpu,
        watchdogTicks: ticks,
        utilization: performance.eventLoopUtilization(elu0).utilization,
        gcMaxMs: gc.ms,
        gcMaxAtS: gc.at,
        gcMaxMajor: gc.major,
        gcMajorCount: gc.majors,
      },
    ]
  } finally {
    obs.disconnect()
    h.disable()
    clearInterval(dog)
  }
}

const [root, workersArg, workDir, modeArg] = process.argv.slice(2)
const workers = Number(workersArg)
const mode = modeArg === 'seed' ? 'seed' : 'robust'
if (!root || !workDir || !Number.isInteger(workers) || workers < 1) throw new Error('usage: jobsChild.ts <root> <workers> <workDir> [mode]')

const db = openDb(join(workDir, 'curator.db'))
try {
  let t = performance.now()
  const [, scanStall] = await watched(() => scanRoot(root, { db }))
  const scanSeconds = (performance.now() - t) / 1000

  const startedAt = new Map<number, number>()
  const jobSeconds: number[] = []
  const failures: string[] = []
  // The real factory, its synchronous part timed.
  const factory = nodeWorkerFactory()
  const spawnMs: number[] = []
  const exits: Array<Promise<void>> = []
  const spawn = (): WorkerPort => {
    const s = performance.now()
    const port = factory()
    spawnMs.push(performance.now() - s)
    exits.push(new Promise((ok) => port.onExit(() => ok())))
    return port
  }
  const engine = new JobEngine({
    db,
    cacheDir: join(workDir, 'cache'),
    spawn,
    workers,
    mode,
    version: VERSION,
    timeoutMs: 5 * 60 * 1000,
    onProgress: (e) => {
      if (e.scanId === undefined) return
      if (e.status === 'processing') startedAt.set(e.scanId, performance.now())
      else if (e.status === 'done' || e.status === 'failed') {
        const s = startedAt.get(e.scanId)
        if (s !== undefined) jobSeconds.push((performance.now() - s) / 1000)
        if (e.status === 'failed') failures.push(`${e.current}: ${e.message ?? ''}`)
      }
    },
  })
  const cpu0 = process.cpuUsage()
  const children0 = childrenCpuSeconds()
  t = performance.now()
  const [summary, engineStall] = await watched(() => engine.run())
  const seconds = (performance.now() - t) / 1000
  const cpu = process.cpuUsage(cpu0)
  // The workers were told to shut down; once they are reaped their CPU time is ours to read.
  const reaped = await Promise.race([Promise.all(exits).then(() => true), new Promise<boolean>((ok) => setTimeout(() => ok(false), 5000))])
  const workerCpuSeconds = reaped ? childrenCpuSeconds() - children0 : NaN
  const result: JobsChildResult = {
    workers,
    mode,
    scanSeconds,
    scanStall,
    seconds,
    engineStall,
    done: summary.done,
    failed: summary.failed,
    failures,
    jobSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    spawnMs,
    workerCpuSeconds,
  }
  console.log(JSON.stringify(result))
} finally {
  db.close()
}
