/**
 * Starts a worker as a plain Node child process (CLI, tests, the web host). The Electron shell
 * supplies its own factory over `utilityProcess.fork`; both fit `WorkerPort`.
 */
import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
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

export function nodeWorkerFactory(opts: { maxOldSpaceMb?: number } = {}): () => WorkerPort {
  // From source (tsx) the worker is worker.ts; in a bundle it sits beside us as worker.js.
  const js = join(here, 'worker.js')
  const entry = existsSync(js) ? js : join(here, 'worker.ts')
  // tsx by absolute URL: `--import tsx` would resolve from the user's cwd, not from us.
  const tsx = entry.endsWith('.ts') ? pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href : null
  const execArgv = tsx ? ['--import', tsx] : []
  if (opts.maxOldSpaceMb) execArgv.push(`--max-old-space-size=${opts.maxOldSpaceMb}`)
  return () => {
    const child = fork(entry, [], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'json' })
    forwardWorkerOutput(child.pid, child.stdout, child.stderr)
    return {
      get pid() {
        return child.pid
      },
      postMessage: (m: MainToWorker) => {
        if (child.connected) child.send(m)
      },
      onMessage: (cb) => child.on('message', (m) => cb(m as WorkerToMain)),
      onExit: (cb) => child.on('exit', (code, signal) => cb(code, signal)),
      kill: () => {
        child.kill('SIGKILL')
      },
    }
  }
}
