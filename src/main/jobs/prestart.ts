import type { WorkerPort } from '../../shared/worker'

/**
 * Starts `n` workers at once, so that their start-up (a Node process loading the pipeline, a
 * few hundred ms) overlaps whatever the caller does next — the CLI's `process` walks the tree
 * meanwhile. `spawn` hands them out first, then starts new ones; one that exited while waiting
 * is not handed out. `dispose` stops the ones nobody took (nothing to process, fewer scans than
 * workers).
 */
export function prestartWorkers(factory: () => WorkerPort, n: number): { spawn: () => WorkerPort; dispose(): void } {
  const waiting: WorkerPort[] = []
  for (let i = 0; i < n; i++) {
    const port = factory()
    port.onExit(() => {
      const k = waiting.indexOf(port)
      if (k >= 0) waiting.splice(k, 1)
    })
    waiting.push(port)
  }
  return {
    spawn: () => waiting.shift() ?? factory(),
    dispose() {
      for (const port of waiting.splice(0)) port.kill()
    },
  }
}
