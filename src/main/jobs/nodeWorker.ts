/**
 * Starts a worker as a plain Node child process (CLI, tests, the web host). The Electron shell
 * supplies its own factory over `utilityProcess.fork`; both fit `WorkerPort`.
 */
import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { MainToWorker, WorkerPort, WorkerToMain } from '../../shared/worker'

const here = dirname(fileURLToPath(import.meta.url))

/** Worker output goes to our stderr, prefixed with its pid, so a CLI's JSON on stdout stays clean. */
export function forwardWorkerOutput(pid: number | undefined, ...streams: Array<NodeJS.ReadableStream | null | undefined>): void {
  const prefix = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) if (line) process.stderr.write(`[worker ${pid}] ${line}\n`)
  }
  for (const s of streams) s?.on('data', prefix)
}

/**
 * The environment a worker starts with: on glibc, malloc is told to ask for transparent huge
 * pages for its big blocks (`glibc.malloc.hugetlb=1`, glibc ≥ 2.35; older ones ignore it), which
 * is where Node's ArrayBuffers live. Where THP is "madvise" only, as on many VMs, that turns a
 * page fault per 4 KiB of every fresh volume into one per 2 MiB (measured here: a fresh 157 MB
 * volume's first touch 450 → 200–260 ms). Set only for workers: it must be in place before the
 * process starts, and workers are the processes with the big volumes.
 */
export function workerEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (process.platform !== 'linux') return base
  const tunables = base.GLIBC_TUNABLES ?? ''
  if (tunables.includes('glibc.malloc.hugetlb')) return base
  return { ...base, GLIBC_TUNABLES: tunables ? `${tunables}:glibc.malloc.hugetlb=1` : 'glibc.malloc.hugetlb=1' }
}

/**
 * Workers run at a lower CPU priority than the process that drives them (its nice value + 10 on
 * POSIX, "below normal" on Windows): when every core is busy preprocessing, the app's main thread
 * (IPC, the UI's events, SQLite writes) still gets a core the moment it has work, instead of
 * queueing behind the workers for a scheduler slice. Lowering one's own child's priority needs
 * no privilege; a failure only costs responsiveness, so it is ignored.
 */
export const WORKER_NICE = 10

export function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    setPriority(pid, Math.min(19, getPriority() + WORKER_NICE))
  } catch {
    // e.g. a sandbox that forbids it: workers then share the cores equally with the main thread
  }
}

export function nodeWorkerFactory(opts: { maxOldSpaceMb?: number } = {}): () => WorkerPort {
  // From source (tsx) the worker is worker.ts; in a bundle it is out/main/worker.js, beside us
  // or one folder up when this module landed in a shared chunk (out/main/chunks/).
  const js = [join(here, 'worker.js'), join(here, '..', 'worker.js')].find((p) => existsSync(p))
  const entry = js ?? join(here, 'worker.ts')
  // tsx by absolute URL: `--import tsx` would resolve from the user's cwd, not from us.
  const tsx = entry.endsWith('.ts') ? pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href : null
  const execArgv = tsx ? ['--import', tsx] : []
  // Node refuses --cpu-prof in NODE_OPTIONS: this is how a worker's own profile is taken.
  if (process.env.CT_CURATOR_WORKER_CPU_PROF) execArgv.push('--cpu-prof', `--cpu-prof-dir=${process.env.CT_CURATOR_WORKER_CPU_PROF}`)
  if (opts.maxOldSpaceMb) execArgv.push(`--max-old-space-size=${opts.maxOldSpaceMb}`)
  return () => {
    const child = fork(entry, [], { execArgv, env: workerEnv(), stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' })
    forwardWorkerOutput(child.pid, child.stdout, child.stderr)
    lowerPriority(child.pid)
    return {
      get pid() {
        return child.pid
      },
      postMessage: (m: MainToWorker) => {
        // A worker can die between the check and the write (EPIPE). Without a callback Node
        // raises that as an uncaught error in the engine's process; the exit handler already
        // turns a dead worker into a failed job, so the write error is only dropped here.
        if (child.connected) child.send(m, (err) => void err)
      },
      onMessage: (cb) => child.on('message', (m) => cb(m as WorkerToMain)),
      onExit: (cb) => child.on('exit', (code, signal) => cb(code, signal)),
      kill: () => {
        child.kill('SIGKILL')
      },
    }
  }
}
