/**
 * Kill loops: SIGKILL at random points — one worker, the whole `ct-curator process` group, an
 * `export` — and after every round check what a kill must never break:
 *   - the database passes PRAGMA integrity_check;
 *   - every scan is done exactly once (one done run) or still to do (pending, failed for a
 *     transient reason, or claimed by the killed engine) — never two results;
 *   - no cache file a done run lists is half-written (size as recorded, .npy header agrees);
 *   - an export folder, if there is one, is whole (no .tmp, every .npy complete);
 * and at the end, after one uninterrupted `process`, the results equal an uninterrupted run's,
 * with no temp file or orphaned run folder left in the cache.
 *
 *   npm run killtest -- --rounds 30 [--seed N] [--keep]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { writePhantomSeries } from '../../src/main/phantom'
import { decodeNpy } from '../../src/main/io/npy'
import { openDb, type Db } from '../../src/main/store/db'
import { CLI } from '../helpers/cli'
import { uniform } from '../../src/main/phantom/prng'

export type KillKind = 'worker' | 'group' | 'export'

export interface RoundResult {
  round: number
  kind: KillKind
  /** ms after start (group, export) or after the first worker appeared (worker). */
  killAtMs: number
  /** Temp files present right after the kill: the kill landed mid-write. */
  midWrite: number
  problems: string[]
}

export interface KillReport {
  rounds: RoundResult[]
  final: { problems: string[]; scans: number; done: number; sweptTmp: number; sweptFolders: number }
  /** Worker rounds whose kill failed a scan mid-run (WORKER_CRASHED, requeued by the next run). */
  crashedScans: number
  seed: number
  exportAvailable: boolean
  durationMs: number
}

const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms))

interface Cli {
  child: ChildProcess
  exited: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>
}

/** The real CLI in its own process group, so the whole group (CLI + workers) can be killed. */
function startCli(args: string[]): Cli {
  const child = spawn(process.execPath, [CLI, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((ok) =>
    child.once('exit', (code, signal) => ok({ code, signal, stdout, stderr })),
  )
  return { child, exited }
}

function killGroup(c: Cli): void {
  try {
    process.kill(-c.child.pid!, 'SIGKILL')
  } catch {
    /* already gone */
  }
}

/** Children of `pid` from /proc (the CLI's workers). */
function childrenOf(pid: number): number[] {
  const out: number[] = []
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(e))
    } catch {
      /* exited meanwhile */
    }
  }
  return out
}

/** The part of a result that must not depend on how the run went (no timings). */
function stable(json: string | null): string {
  const r = JSON.parse(json ?? '{}') as Record<string, unknown>
  delete r.timingsMs
  return JSON.stringify(r)
}

interface RunRow {
  scan_id: number
  status: string
  result_json: string | null
  error_code: string | null
  cache_dir: string | null
}

function results(db: Db): Map<string, string> {
  const rows = db
    .prepare(`SELECT s.folder, r.result_json FROM scans s JOIN runs r ON r.id = s.current_run_id WHERE s.status = 'done'`)
    .all() as Array<{ folder: string; result_json: string }>
  return new Map(rows.map((r) => [r.folder, stable(r.result_json)]))
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...walk(p))
    else out.push(p)
  }
  return out
}

/** A .npy whose header promises more (or fewer) bytes than the file holds was cut short. */
function npyProblem(path: string): string | null {
  try {
    decodeNpy(readFileSync(path))
    return null
  } catch (e) {
    return `${path}: ${(e as Error).message}`
  }
}

const TRANSIENT = new Set(['DISK_FULL', 'OUT_OF_MEMORY', 'WORKER_CRASHED', 'WORKER_TIMEOUT'])

/** The invariants a kill must keep; returns what is broken. */
export function checkInvariants(dbFile: string, exportDir?: string): string[] {
  const problems: string[] = []
  const db = openDb(dbFile)
  try {
    const ic = db.pragma('integrity_check', { simple: true })
    if (ic !== 'ok') problems.push(`integrity_check: ${String(ic)}`)
    const scans = db.prepare('SELECT id, folder, status, current_run_id FROM scans').all() as Array<{ id: number; folder: string; status: string; current_run_id: number | null }>
    const runs = db.prepare('SELECT scan_id, status, result_json, error_code, cache_dir FROM runs').all() as RunRow[]
    for (const s of scans) {
      const mine = runs.filter((r) => r.scan_id === s.id)
      const doneRuns = mine.filter((r) => r.status === 'done')
      if (doneRuns.length > 1) problems.push(`${s.folder}: ${doneRuns.length} done runs (processed twice)`)
      if (s.status === 'done' && doneRuns.length !== 1) problems.push(`${s.folder}: done without exactly one done run`)
      if (s.status === 'failed') {
        const last = mine[mine.length - 1]
        if (!last || !TRANSIENT.has(last.error_code ?? '')) problems.push(`${s.folder}: failed with ${last?.error_code ?? 'no run'} (not a kill's transient failure)`)
      }
      if (mine.some((x) => x.status === 'failed' && x.cache_dir)) problems.push(`${s.folder}: a failed run points at a cache folder`)
    }
    for (const r of runs.filter((x) => x.status === 'done')) {
      const outputs = (JSON.parse(r.result_json ?? '{}') as { outputs?: Array<{ name: string; fileBytes: number }> }).outputs ?? []
      for (const o of outputs) {
        const p = join(r.cache_dir!, o.name)
        const size = existsSync(p) ? statSync(p).size : -1
        if (size !== o.fileBytes) problems.push(`${relative(tmpdir(), p)}: ${size} bytes, recorded ${o.fileBytes} (half-written)`)
        else if (p.endsWith('.npy')) {
          const bad = npyProblem(p)
          if (bad) problems.push(bad)
        }
      }
    }
  } finally {
    db.close()
  }
  if (exportDir && existsSync(exportDir)) {
    for (const f of walk(exportDir)) {
      if (/\.tmp(-|$)/.test(f)) problems.push(`export: temp file ${relative(exportDir, f)} in a published export`)
      else if (f.endsWith('.npy')) {
        const bad = npyProblem(f)
        if (bad) problems.push(`export: ${bad}`)
      }
    }
  }
  return problems
}

function treeDigest(dir: string, filter: (f: string) => boolean): Map<string, string> {
  return new Map(
    walk(dir)
      .filter(filter)
      .map((f) => [relative(dir, f), createHash('sha256').update(readFileSync(f)).digest('hex')]),
  )
}

export interface KillOptions {
  rounds: number
  seed?: number
  /** Which kinds to cycle through; default: all available, picked at random. */
  kinds?: KillKind[]
  patients?: number
  workDir?: string
  log?: (line: string) => void
}

async function exportAvailable(): Promise<boolean> {
  const { buildProgram } = await import('../../src/main/cli/index')
  return buildProgram().commands.some((c) => c.name() === 'export')
}

export async function runKillTest(o: KillOptions): Promise<KillReport> {
  const started = Date.now()
  const seed = o.seed ?? (Date.now() & 0xffff)
  const rnd = uniform(seed)
  const log = o.log ?? (() => undefined)
  const work = o.workDir ?? mkdtempSync(join(tmpdir(), 'ctc-kill-'))
  const root = join(work, 'cohort')
  const patients = o.patients ?? 5
  for (let i = 0; i < patients; i++) {
    await writePhantomSeries(join(root, `p${i}`), { rows: 48, cols: 48, slices: 24, sliceSpacing: 5, seed: 70 + i, patientId: `K${i}` })
  }
  const withExport = await exportAvailable()
  const kinds: KillKind[] = o.kinds ?? (withExport ? ['worker', 'group', 'export'] : ['worker', 'group'])

  // The reference: one uninterrupted run.
  const refDb = join(work, 'reference.sqlite')
  const ref = await startCli(['process', root, '--db', refDb, '--workers', '2']).exited
  if (ref.code !== 0) throw new Error(`reference run failed: ${ref.stderr}`)
  const refDbh = openDb(refDb)
  const expected = results(refDbh)
  refDbh.close()
  log(`reference: ${expected.size} scans done (seed ${seed})`)

  const dbFile = join(work, 'killed.sqlite')
  const exportDir = join(work, 'export')
  const rounds: RoundResult[] = []
  let crashedScans = 0
  for (let round = 1; round <= o.rounds; round++) {
    let kind = kinds[Math.floor(rnd() * kinds.length)]!
    if (o.kinds && o.kinds.length) kind = o.kinds[(round - 1) % o.kinds.length]!
    // An export needs something done to export: a first round always processes.
    if (kind === 'export' && (!withExport || !existsSync(dbFile))) kind = 'group'
    let killAtMs = 0
    if (kind === 'group') {
      // Timed from the first worker's start, so the kill lands while scans are in flight.
      const c = startCli(['process', root, '--db', dbFile, '--workers', '2'])
      let exited = false
      void c.exited.then(() => (exited = true))
      while (!exited && childrenOf(c.child.pid!).length === 0) await sleep(10)
      killAtMs = Math.round(rnd() * 3000)
      await Promise.race([sleep(killAtMs), c.exited])
      killGroup(c)
      await c.exited
    } else if (kind === 'worker') {
      const c = startCli(['process', root, '--db', dbFile, '--workers', '2'])
      let exited = false
      void c.exited.then(() => (exited = true))
      let workers: number[] = []
      while (!exited && (workers = childrenOf(c.child.pid!)).length === 0) await sleep(10)
      killAtMs = Math.round(rnd() * 2500)
      await Promise.race([sleep(killAtMs), c.exited])
      workers = childrenOf(c.child.pid!)
      if (!exited && workers.length) {
        try {
          process.kill(workers[Math.floor(rnd() * workers.length)]!, 'SIGKILL')
        } catch {
          /* finished meanwhile */
        }
      }
      const r = await Promise.race([c.exited, sleep(120_000).then(() => null)])
      if (r && /WORKER_CRASHED/.test(r.stderr)) crashedScans++
      if (!r) killGroup(c)
      else if (r.code !== 0) rounds.push({ round, kind, killAtMs, midWrite: 0, problems: [`process exited ${r.code} after a worker kill: ${r.stderr.slice(-300)}`] })
    } else {
      const c = startCli(['export', exportDir, '--db', dbFile, '--include', 'done', '--format', 'npy'])
      let exited = false
      void c.exited.then(() => (exited = true))
      // Timed from the export's first file, so the kill lands while it writes.
      const partial = join(work, '.export.partial')
      while (!exited && !existsSync(partial)) await sleep(5)
      killAtMs = Math.round(rnd() * 800)
      await Promise.race([sleep(killAtMs), c.exited])
      killGroup(c)
      await c.exited
    }
    const midWrite = walk(`${dbFile}.cache`).concat(walk(join(work, '.export.partial'))).filter((f) => /\.tmp(-|$)/.test(f)).length
    const problems = checkInvariants(dbFile, exportDir)
    const prior = rounds.find((r) => r.round === round)
    if (prior) prior.problems.push(...problems)
    else rounds.push({ round, kind, killAtMs, midWrite, problems })
    if (prior) prior.midWrite = midWrite
    log(`round ${round}: kill ${kind} at ${killAtMs} ms, ${midWrite} file(s) cut mid-write — ${problems.length ? problems.join('; ') : 'ok'}`)
  }

  // One uninterrupted run finishes what the kills left; then everything must equal the reference.
  const fin = await startCli(['process', root, '--db', dbFile, '--workers', '2']).exited
  const problems: string[] = []
  if (fin.code !== 0) problems.push(`final process exited ${fin.code}: ${fin.stderr.slice(-300)}`)
  const swept = /removed (\d+) half-written files? and (\d+) orphaned run folders?/.exec(fin.stdout)
  problems.push(...checkInvariants(dbFile, exportDir))
  const db = openDb(dbFile)
  const got = results(db)
  const counts = db.prepare('SELECT status, count(*) AS n FROM scans GROUP BY status').all() as Array<{ status: string; n: number }>
  const cacheDir = `${dbFile}.cache`
  const referenced = new Set(db.prepare('SELECT cache_dir FROM runs WHERE cache_dir IS NOT NULL').pluck().all() as string[])
  db.close()
  for (const [folder, r] of expected) {
    if (!got.has(folder)) problems.push(`${folder}: not done after the final run`)
    else if (got.get(folder) !== r) problems.push(`${folder}: result differs from the uninterrupted run`)
  }
  if (got.size !== expected.size) problems.push(`${got.size} scans done, reference ${expected.size}`)
  for (const f of walk(cacheDir)) if (/\.tmp-/.test(f)) problems.push(`cache: temp file left: ${relative(cacheDir, f)}`)
  for (const scan of existsSync(cacheDir) ? readdirSync(cacheDir) : []) {
    for (const job of readdirSync(join(cacheDir, scan))) {
      if (!referenced.has(join(cacheDir, scan, job))) problems.push(`cache: orphaned run folder ${scan}/${job}`)
    }
  }
  if (withExport) {
    // A resumed export equals a fresh one of the same database.
    const a = await startCli(['export', exportDir, '--db', dbFile, '--include', 'done', '--format', 'npy']).exited
    const fresh = join(work, 'export-fresh')
    const b = await startCli(['export', fresh, '--db', dbFile, '--include', 'done', '--format', 'npy']).exited
    if (a.code !== 0 || b.code !== 0) problems.push(`final export exited ${a.code}/${b.code}: ${a.stderr.slice(-200)} ${b.stderr.slice(-200)}`)
    else {
      const isData = (f: string): boolean => f.endsWith('.npy')
      const da = treeDigest(exportDir, isData)
      const dbb = treeDigest(fresh, isData)
      if (da.size === 0) problems.push('export: no .npy written')
      for (const [f, h] of dbb) if (da.get(f) !== h) problems.push(`export: ${f} differs from a fresh export`)
      if (da.size !== dbb.size) problems.push(`export: ${da.size} files, a fresh export ${dbb.size}`)
      problems.push(...checkInvariants(dbFile, exportDir))
    }
  }
  if (!o.workDir) rmSync(work, { recursive: true, force: true })
  return {
    rounds,
    final: {
      problems,
      scans: expected.size,
      done: counts.find((c) => c.status === 'done')?.n ?? 0,
      sweptTmp: Number(swept?.[1] ?? 0),
      sweptFolders: Number(swept?.[2] ?? 0),
    },
    seed,
    crashedScans,
    exportAvailable: withExport,
    durationMs: Date.now() - started,
  }
}

export function formatKillReport(r: KillReport): string {
  const byKind = new Map<string, { n: number; bad: number }>()
  for (const x of r.rounds) {
    const k = byKind.get(x.kind) ?? { n: 0, bad: 0 }
    k.n++
    if (x.problems.length) k.bad++
    byKind.set(x.kind, k)
  }
  const bad = r.rounds.filter((x) => x.problems.length).length + (r.final.problems.length ? 1 : 0)
  return (
    `kill: ${r.rounds.length} rounds (${[...byKind].map(([k, v]) => `${v.n} ${k}`).join(', ')}${r.exportAvailable ? '' : '; export: command not available'}), ` +
    `${r.rounds.filter((x) => x.midWrite > 0).length} cut a write short, ${r.crashedScans} failed a scan mid-run; ` +
    `${bad === 0 ? 'all invariants held' : `${bad} with broken invariants`}; final run: ${r.final.done}/${r.final.scans} scans done, equal to an uninterrupted run: ${r.final.problems.length === 0 ? 'yes' : 'NO'}; ` +
    `seed ${r.seed}, ${(r.durationMs / 1000).toFixed(0)} s\n` +
    [...r.rounds.filter((x) => x.problems.length).map((x) => `  round ${x.round} (${x.kind} at ${x.killAtMs} ms): ${x.problems.join('; ')}\n`), ...r.final.problems.map((p) => `  final: ${p}\n`)].join('')
  )
}

// `npm run killtest -- --rounds N [--seed S] [--keep]`
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(name)
    return i > 0 ? process.argv[i + 1] : undefined
  }
  const rounds = Number(arg('--rounds') ?? 30)
  if (!Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write('killtest: --rounds takes an integer ≥ 1 (see the header of test/hardening/killtest.ts)\n')
    process.exit(2)
  }
  const keep = process.argv.includes('--keep')
  const workDir = keep ? mkdtempSync(join(tmpdir(), 'ctc-kill-')) : undefined
  const report = await runKillTest({
    rounds,
    seed: arg('--seed') === undefined ? undefined : Number(arg('--seed')),
    workDir,
    log: (l) => process.stderr.write(l + '\n'),
  })
  process.stdout.write(formatKillReport(report))
  if (workDir) process.stderr.write(`kept ${workDir}\n`)
  process.exitCode = report.rounds.some((x) => x.problems.length) || report.final.problems.length ? 1 : 0
}
