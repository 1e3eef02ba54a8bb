/**
 * Section "throughput": a cohort processed as a user processes it — `ct-curator process` from
 * the shell (start-up, indexing, the worker pool at its default size, every write) on 12
 * full-size phantom scans (512×512, 200–400 slices) — beside the seed tutorial's Python port
 * (pipeline_tutorial.py, as the pipeline section runs it) over the same scans as two parallel
 * processes, in the same run. Prints scans per hour of both, the ratio, each worker's peak RSS
 * (VmHWM, read from /proc while it lives) and the share of each pipeline stage; then what the
 * cache holds per scan against its resampled volume as int16.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { defaultWorkerCount } from '../../src/main/jobs/engine'
import { writePhantomSeries } from '../../src/main/phantom/index'
import type { PhantomCase } from '../../src/main/phantom/options'
import { openDb } from '../../src/main/store/db'
import { type BenchContext, CACHE_ROOT, PYTHON, REPO_ROOT, BENCH_DIR, cachedInput, progress, progressDone } from './common'
import { fmtRatio, fmtSec, met, printTable } from './table'

const GOAL_RATIO = 8
const GOAL_CACHE = 1.2
const GENERATION = 1
/** 12 scans, 200–400 slices, the cases a chest cohort has; the 300-slice one is the pipeline section's geometry. */
const SCANS: Array<{ slices: number; case: PhantomCase; sliceMm: number }> = [
  { slices: 300, case: 'normal', sliceMm: 1.25 },
  { slices: 200, case: 'normal', sliceMm: 1.5 },
  { slices: 240, case: 'tray', sliceMm: 1.25 },
  { slices: 400, case: 'normal', sliceMm: 0.8 },
  { slices: 260, case: 'pacemaker', sliceMm: 1.25 },
  { slices: 320, case: 'normal', sliceMm: 1 },
  { slices: 220, case: 'one_lung', sliceMm: 1.5 },
  { slices: 360, case: 'nodules', sliceMm: 1 },
  { slices: 280, case: 'tracheostomy', sliceMm: 1.25 },
  { slices: 300, case: 'normal', sliceMm: 1 },
  { slices: 340, case: 'tray', sliceMm: 1 },
  { slices: 380, case: 'normal', sliceMm: 0.8 },
]

async function cohort(): Promise<{ dir: string; generated: boolean; seconds: number }> {
  return cachedInput(`throughput-12x512x512-g${GENERATION}`, { scans: SCANS, generation: GENERATION }, async (dir) => {
    for (const [i, s] of SCANS.entries()) {
      progress(`throughput: generating scan ${i + 1}/${SCANS.length} (512×512×${s.slices}, ${s.case})`)
      await writePhantomSeries(join(dir, `P${String(i + 1).padStart(4, '0')}`), {
        seed: 100 + i,
        case: s.case,
        rows: 512,
        cols: 512,
        slices: s.slices,
        pixelSpacing: 0.7,
        sliceSpacing: s.sliceMm,
        storage: 'int16',
        patientId: `BENCH-T${i + 1}`,
      })
    }
    progressDone()
  })
}

/** Peak RSS (VmHWM) of each descendant of `pid`, sampled every 100 ms while they live. */
function watchDescendants(pid: number): { stop(): Map<number, { hwm: number; cmd: string }> } {
  const seen = new Map<number, { hwm: number; cmd: string }>()
  const children = (p: number): number[] => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
    } catch {
      return []
    }
  }
  const sample = (): void => {
    const todo = children(pid)
    while (todo.length) {
      const c = todo.pop()!
      todo.push(...children(c))
      try {
        const status = readFileSync(`/proc/${c}/status`, 'utf8')
        const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
        const cmd = readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').join(' ')
        const prev = seen.get(c)
        if (!prev || hwm > prev.hwm) seen.set(c, { hwm, cmd })
      } catch {
        // gone between listing and reading
      }
    }
  }
  const timer = setInterval(sample, 100)
  return {
    stop() {
      clearInterval(timer)
      return seen
    },
  }
}

function runTimed(cmd: string, args: string[], watch = false): Promise<{ seconds: number; stdout: string; peaks: Map<number, { hwm: number; cmd: string }> }> {
  return new Promise((ok, fail) => {
    const t0 = performance.now()
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    const w = watch && child.pid ? watchDescendants(child.pid) : null
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', fail)
    child.on('close', (code) => {
      const peaks = w?.stop() ?? new Map()
      if (code !== 0) fail(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-3000)}`))
      else ok({ seconds: (performance.now() - t0) / 1000, stdout, peaks })
    })
  })
}

const MB = 2 ** 20

export async function runThroughputBench(_ctx: BenchContext): Promise<void> {
  const { dir, generated, seconds } = await cohort()
  const folders = readdirSync(dir).filter((f) => /^P\d{4}$/.test(f)).sort()
  const workers = defaultWorkerCount()
  console.log(`\n# Throughput: \`ct-curator process\` on ${folders.length} full-size scans (512×512, 200–400 slices) beside the tutorial as two processes`)
  console.log(`data: ${dir} (${generated ? `generated now in ${fmtSec(seconds)} s` : 'cached; delete it to regenerate'}); ${cpus().length} cores, default pool ${workers} workers`)
  // Page cache: both sides read the DICOM from memory.
  for (const f of folders) for (const x of readdirSync(join(dir, f))) readFileSync(join(dir, f, x))

  // Ours: the CLI exactly as a user starts it (bin/ct-curator.mjs: built JS when fresh, else tsx).
  const work = mkdtempSync(join(CACHE_ROOT, 'throughput-'))
  const db = join(work, 'bench.sqlite')
  try {
    progress('throughput: ct-curator process (default workers)')
    const ours = await runTimed(process.execPath, [join(REPO_ROOT, 'bin', 'ct-curator.mjs'), 'process', dir, '--db', db], true)
    progressDone()
    const built = !process.env.CT_CURATOR_FROM_SOURCE && [...ours.peaks.values()].some((p) => p.cmd.includes('out/main/worker.js'))
    const d = openDb(db, { mustExist: true })
    const rows = d
      .prepare("SELECT r.result_json, r.cache_dir FROM scans s JOIN runs r ON r.id = s.current_run_id WHERE s.status = 'done'")
      .all() as Array<{ result_json: string; cache_dir: string }>
    const failed = d.prepare("SELECT count(*) FROM scans WHERE status <> 'done'").pluck().get() as number
    d.close()
    const stageMs: Record<string, number> = {}
    for (const r of rows) {
      for (const [k, v] of Object.entries((JSON.parse(r.result_json) as { timingsMs: Record<string, number> }).timingsMs)) stageMs[k] = (stageMs[k] ?? 0) + v
    }
    const stagesTotal = Object.values(stageMs).reduce((a, b) => a + b, 0)
    const workerPeaks = [...ours.peaks.values()].filter((p) => /worker\.(js|ts)/.test(p.cmd)).map((p) => p.hwm)

    // The tutorial: two processes at a time, each taking the next scan (a Python interpreter per
    // scan, started from the shell as ours is).
    progress('throughput: the tutorial (pipeline_tutorial.py), two at a time')
    const t0 = performance.now()
    const queue = [...folders]
    const pyPeaks: number[] = []
    const lane = async (): Promise<void> => {
      for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
        progress(`throughput: the tutorial on ${f} (${folders.length - queue.length}/${folders.length} started)`)
        const r = await runTimed(PYTHON, [join(BENCH_DIR, 'pipeline_tutorial.py'), join(dir, f)])
        const lines = r.stdout.trim().split('\n')
        pyPeaks.push((JSON.parse(lines[lines.length - 1]!) as { peakRss: number }).peakRss)
      }
    }
    await Promise.all([lane(), lane()])
    const pySeconds = (performance.now() - t0) / 1000
    progressDone()

    const perHour = (n: number, s: number): number => (n / s) * 3600
    const oursRate = perHour(rows.length, ours.seconds)
    const pyRate = perHour(folders.length, pySeconds)
    printTable({
      title: `Cohort throughput (${folders.length} scans, wall time from the shell)`,
      columns: [{ header: 'what' }, { header: 'wall s', right: true }, { header: 'scans/hour', right: true }, { header: 'peak RSS per process', right: true }],
      rows: [
        [
          `ct-curator process, ${workers} workers (${built ? 'built JS' : 'tsx'})`,
          fmtSec(ours.seconds),
          Math.round(oursRate).toLocaleString('en-US'),
          `${workerPeaks.map((b) => Math.round(b / MB)).join(' / ')} MB`,
        ],
        ['tutorial, 2 processes', fmtSec(pySeconds), Math.round(pyRate).toLocaleString('en-US'), `max ${Math.round(Math.max(...pyPeaks) / MB)} MB`],
        [`ratio (goal ≥ ${GOAL_RATIO}×)`, '', fmtRatio(oursRate / pyRate), met(oursRate / pyRate >= GOAL_RATIO)],
      ],
      notes: [
        failed ? `${failed} scans did not finish: excluded from our rate` : 'every scan processed',
        'ours: robust mode (the default), every cache write fsynced; the tutorial: seed pipeline only (read, HU, resample, both masks), no writes',
        'the machine is shared with other work: see the load averages printed before and after',
      ],
    })
    printTable({
      title: 'Share of each stage in the workers (sum over scans)',
      columns: [{ header: 'stage' }, { header: 's', right: true }, { header: 'share', right: true }],
      rows: Object.entries(stageMs)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, fmtSec(v / 1000), `${((v / stagesTotal) * 100).toFixed(1)} %`]),
      notes: [
        `stages sum to ${fmtSec(stagesTotal / 1000)} s of worker time; ${workers} workers × ${fmtSec(ours.seconds)} s wall = ${fmtSec(workers * ours.seconds)} s: the rest is start-up, indexing, waiting and idle workers at the end`,
      ],
    })

    // What the cache keeps per scan.
    const cache = await runTimed(process.execPath, [join(REPO_ROOT, 'bin', 'ct-curator.mjs'), 'cache', '--db', db, '--json'])
    const u = JSON.parse(cache.stdout) as { byKind: Record<string, number>; ratio: number; currentBytes: number; resampledInt16Bytes: number; processedScans: number }
    const per = rows.map((r) => {
      const res = JSON.parse(r.result_json) as { shape: number[]; resampledShape: number[]; outputs: Array<{ name: string; fileBytes: number }> }
      const bytes = res.outputs.reduce((a, o) => a + o.fileBytes, 0)
      return { shape: res.shape, int16: 2 * res.resampledShape.reduce((a, b) => a * b, 1), bytes }
    })
    const s300 = per.find((p) => p.shape[0] === 300)
    printTable({
      title: 'Cache per processed scan',
      columns: [{ header: 'what' }, { header: 'MB', right: true }, { header: '× int16 resampled', right: true }, { header: `goal ≤ ${GOAL_CACHE}×` }],
      rows: [
        [`all ${u.processedScans} scans`, String(Math.round(u.currentBytes / MB)), u.ratio.toFixed(3), met(u.ratio <= GOAL_CACHE)],
        ...(s300 ? [[`the 512×512×300 scan`, String(Math.round(s300.bytes / MB)), (s300.bytes / s300.int16).toFixed(3), met(s300.bytes / s300.int16 <= GOAL_CACHE)]] : []),
      ],
      notes: [`by kind: ${Object.entries(u.byKind).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${Math.round(v / MB)} MB`).join(', ')}`],
    })
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
