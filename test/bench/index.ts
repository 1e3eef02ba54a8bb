/**
 * `npm run bench [-- <section>…] [--cpu-prof]`: throughput figures of ours beside a reference
 * run (pydicom / numpy) on the same input in the same run. Nothing asserts on timings.
 *
 * Sections: indexing (header indexing of a 20,000-file tree), loadHu (load + HU of a
 * 512×512×300 series), pipeline (the whole seed pipeline of a 512×512×300 series beside the
 * tutorial), jobs (the processing engine on 20 scans, 1 and 2 workers), throughput (`ct-curator
 * process` on 12 full-size scans beside the tutorial as two processes), export (npy and nii.gz export beside
 * cp -r and dcm2niix + pigz), caseview (the 3D case view's first and full frame beside a bare vtk.js
 * page) and cohort (5,000 scans: table ready, filter, longest frame while scrolling). Without names, all
 * run. Inputs are generated once and cached under <tmpdir>/ct-curator-bench/. --cpu-prof writes
 * V8 CPU profiles of the Node child processes (summarise one with
 * `npx tsx test/bench/profileSummary.ts <file>`).
 */
import { spawnSync } from 'node:child_process'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { type BenchContext, CACHE_ROOT, pythonVersions } from './common'
import { runExportBench } from './export'
import { runIndexing } from './indexing'
import { runJobs } from './jobs'
import { runLoadHu } from './loadHu'
import { runPipelineBench } from './pipeline'
import { runThroughputBench } from './throughput'
import { runCaseViewBench, runCohortBench } from './ui'
import { workerEnv } from '../../src/main/jobs/nodeWorker'

const SECTIONS: Record<string, (ctx: BenchContext) => Promise<void>> = {
  indexing: runIndexing,
  loadhu: runLoadHu,
  pipeline: runPipelineBench,
  jobs: runJobs,
  throughput: runThroughputBench,
  export: runExportBench,
  caseview: runCaseViewBench,
  cohort: runCohortBench,
}
const ALIASES: Record<string, string> = { index: 'indexing', scan: 'indexing', load: 'loadhu', hu: 'loadhu', 'load-hu': 'loadhu' }

function usage(): string {
  return 'usage: npm run bench [-- [indexing] [loadHu] [pipeline] [jobs] [throughput] [export] [caseview] [cohort] [--cpu-prof]]'
}

// Measure in the environment workers get (see workerEnv): loadHu runs in this process.
const env = workerEnv()
if (env !== process.env) {
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env, stdio: 'inherit' })
  process.exit(r.status ?? 1)
}

const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  console.log(usage())
  process.exit(0)
}
const names = args.filter((a) => !a.startsWith('--')).map((a) => ALIASES[a.toLowerCase()] ?? a.toLowerCase())
const unknown = names.filter((n) => !(n in SECTIONS))
if (unknown.length > 0) {
  console.error(`unknown section(s): ${unknown.join(', ')}\n${usage()}`)
  process.exit(2)
}
const selected = names.length > 0 ? Object.keys(SECTIONS).filter((s) => names.includes(s)) : Object.keys(SECTIONS)
const ctx: BenchContext = { cpuProfDir: args.includes('--cpu-prof') ? join(CACHE_ROOT, 'profiles') : null }

const cpuList = cpus()
console.log('# CT Curator benchmarks')
console.log(`machine: ${cpuList[0]?.model ?? 'unknown CPU'} × ${cpuList.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}`)
console.log(`node ${process.version} (V8 ${process.versions.v8}); reference: ${await pythonVersions()}`)
console.log(`inputs cached under ${CACHE_ROOT}`)
console.log(`environment as the engine's workers get it: GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES ?? '(unset)'}`)
console.log(
  'note: timings are noisy on this small shared 2-core machine; fast cases are best of 3, every run is shown. Goals are printed beside the numbers, never asserted.',
)
if (ctx.cpuProfDir) console.log(`CPU profiles of the child processes: ${ctx.cpuProfDir}`)
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' / ')
console.log(`load average (1 / 5 / 15 min) before: ${load()}  (above ~0.5 other work competes for the 2 cores)`)

const started = performance.now()
for (const name of selected) await SECTIONS[name]!(ctx)
console.log(`\nbench done in ${((performance.now() - started) / 1000).toFixed(0)} s; load average after: ${load()}`)
