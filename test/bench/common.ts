/**
 * Shared plumbing of the benchmarks: where inputs are cached, how generated inputs are reused,
 * and how the Node child processes and the Python reference scripts are run.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { workerEnv } from '../../src/main/jobs/nodeWorker'

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
export const REPO_ROOT = resolve(BENCH_DIR, '..', '..')
/** Generated inputs live here, one folder per parameter set, reused by later runs. */
export const CACHE_ROOT = join(tmpdir(), 'ct-curator-bench')
/** Debian's interpreter, which has python3-pydicom and numpy. */
export const PYTHON = '/usr/bin/python3'

export interface BenchContext {
  /** Pass --cpu-prof to the Node child processes; profiles go to this folder. */
  cpuProfDir: string | null
}

/**
 * A generated input folder, keyed by its parameters. A marker file next to the folder (not
 * inside it, so scans never see it) records a complete generation; without it the folder is
 * regenerated from scratch.
 */
export async function cachedInput(
  key: string,
  params: unknown,
  generate: (dir: string) => Promise<void>,
): Promise<{ dir: string; generated: boolean; seconds: number }> {
  const dir = join(CACHE_ROOT, key)
  const marker = `${dir}.complete.json`
  const want = JSON.stringify(params)
  if (existsSync(marker) && existsSync(dir)) {
    try {
      if (JSON.stringify((JSON.parse(readFileSync(marker, 'utf8')) as { params: unknown }).params) === want) {
        return { dir, generated: false, seconds: 0 }
      }
    } catch {
      // unreadable marker: regenerate
    }
  }
  rmSync(marker, { force: true })
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const t0 = performance.now()
  await generate(dir)
  const seconds = (performance.now() - t0) / 1000
  writeFileSync(marker, JSON.stringify({ params, generatedAt: new Date().toISOString(), seconds }, null, 2))
  return { dir, generated: true, seconds }
}

interface RunResult {
  stdout: string
  stderr: string
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', fail)
    child.on('close', (code) => {
      if (code === 0) ok({ stdout, stderr })
      else fail(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-4000)}`))
    })
  })
}

/** The last line of stdout, parsed as JSON (scripts print their result last). */
function lastJson<T>(r: RunResult): T {
  const lines = r.stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1] ?? 'null') as T
}

/** Runs a TypeScript file of this folder in a fresh Node process (tsx loader). */
/**
 * Runs a script of this folder in a fresh Node process. `asWorker`: with the environment the
 * engine gives its workers (see workerEnv), for children that measure what workers run.
 */
export async function runNodeChild<T>(
  ctx: BenchContext,
  script: string,
  args: string[],
  profName?: string,
  asWorker = false,
): Promise<T> {
  const flags = ['--import', 'tsx']
  if (ctx.cpuProfDir && profName) {
    mkdirSync(ctx.cpuProfDir, { recursive: true })
    flags.unshift('--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfDir}`, `--cpu-prof-name=${profName}.cpuprofile`)
  }
  return lastJson<T>(await run(process.execPath, [...flags, join(BENCH_DIR, script), ...args], asWorker ? workerEnv() : plainEnv()))
}

/**
 * The environment without what workerEnv adds: the reference runs as a user runs it (numpy asks
 * for huge pages for its big arrays by itself).
 */
function plainEnv(): NodeJS.ProcessEnv {
  const t = (process.env.GLIBC_TUNABLES ?? '').split(':').filter((x) => x && x !== 'glibc.malloc.hugetlb=1')
  const env = { ...process.env }
  if (t.length > 0) env.GLIBC_TUNABLES = t.join(':')
  else delete env.GLIBC_TUNABLES
  return env
}

/** Runs a Python script of this folder with Debian's interpreter, in the user's environment. */
/** Wall seconds of one command from spawn to exit, as a shell's `time` would take them. */
export async function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = plainEnv()): Promise<number> {
  const t0 = performance.now()
  await run(cmd, args, env)
  return (performance.now() - t0) / 1000
}

export async function runPython<T>(script: string, args: string[], env: NodeJS.ProcessEnv = plainEnv()): Promise<T> {
  return lastJson<T>(await run(PYTHON, [join(BENCH_DIR, script), ...args], env))
}

export async function pythonVersions(): Promise<string> {
  try {
    const r = await run(PYTHON, [
      '-c',
      'import sys, pydicom, numpy; print(f"python {sys.version.split()[0]}, pydicom {pydicom.__version__}, numpy {numpy.__version__}")',
    ])
    return r.stdout.trim()
  } catch (err) {
    return `unavailable (${(err as Error).message.split('\n')[0]})`
  }
}

export const best = (xs: number[]): number => Math.min(...xs)

/** One-line progress on stderr (overwritten in a terminal). */
export function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`)
  else process.stderr.write(`${text}\n`)
}

export function progressDone(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K')
}
