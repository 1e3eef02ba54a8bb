import { utilityProcess } from 'electron'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MainToWorker, WorkerPort, WorkerToMain } from '../../shared/worker'
import { forwardWorkerOutput, lowerPriority, workerEnv } from '../jobs/nodeWorker'

const here = dirname(fileURLToPath(import.meta.url))

/** Workers as Electron utility processes running the bundled worker module (out/main/worker.js). */
export function utilityWorkerFactory(): () => WorkerPort {
  const entry = join(here, 'worker.js')
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'ct-curator-worker', stdio: 'pipe', env: workerEnv() })
    forwardWorkerOutput(child.pid, child.stdout, child.stderr)
    // Its pid is known once it has started.
    child.once('spawn', () => lowerPriority(child.pid))
    return {
      get pid() {
        return child.pid
      },
      postMessage: (m: MainToWorker) => child.postMessage(m),
      onMessage: (cb) => child.on('message', (m: unknown) => cb(m as WorkerToMain)),
      // Utility processes report only an exit code; a crash shows as a non-zero code.
      onExit: (cb) => child.on('exit', (code: number) => cb(code, null)),
      kill: () => {
        child.kill()
      },
    }
  }
}
