import { resolve } from 'node:path'
import type { PipelineMode } from '../../../shared/api'
import { createCore, VERSION } from '../../core'
import { scanRoot } from '../../dicom/scanRoot'
import { JobEngine, defaultWorkerCount } from '../../jobs/engine'
import { nodeWorkerFactory } from '../../jobs/nodeWorker'
import { createProgressPrinter, formatSeconds } from '../progress'

export const defaultCacheDir = (dbPath: string): string => `${dbPath}.cache`

export async function runProcess(
  root: string,
  o: { db: string; mode: PipelineMode; workers?: number; cache?: string; timeout: number },
): Promise<void> {
  const core = createCore(o.db)
  const progress = createProgressPrinter()
  try {
    const scan = await scanRoot(root, { db: core.db, onProgress: (e) => progress.update(e) })
    progress.done()
    const chosen = scan.series.filter((s) => s.chosen).length
    process.stderr.write(`Scanned ${scan.root}: ${chosen} scans, ${scan.skipped.length} files skipped (${scan.stats.reused} unchanged).\n`)
    const engine = new JobEngine({
      db: core.db,
      cacheDir: resolve(o.cache ?? defaultCacheDir(core.dbPath)),
      spawn: nodeWorkerFactory(),
      workers: o.workers ?? defaultWorkerCount(),
      mode: o.mode,
      timeoutMs: o.timeout * 1000,
      version: VERSION,
      onProgress: (e) => {
        progress.update(e)
        if (e.status === 'failed' && e.message) process.stderr.write(`\n${e.current}: ${e.message}\n`)
      },
    })
    let interrupted = 0
    const onSignal = (): void => {
      if (++interrupted > 1) process.exit(130)
      process.stderr.write('\nCancelling: running scans go back to pending (Ctrl-C again to force)…\n')
      engine.cancel()
    }
    process.on('SIGINT', onSignal)
    const r = await engine.run()
    process.off('SIGINT', onSignal)
    progress.done()
    const rec = r.recovered.staleClaims + r.recovered.brokenCaches
    process.stderr.write(
      `${r.cancelled ? 'Cancelled' : 'Done'}: ${r.done} processed, ${r.failed} failed in ${formatSeconds(r.durationMs / 1000)}` +
        (rec ? ` (resumed ${r.recovered.staleClaims} interrupted, recomputing ${r.recovered.brokenCaches} broken)` : '') +
        `. \`ct-curator status --db ${o.db}\` shows the results.\n`,
    )
    if (r.cancelled) process.exitCode = 130
  } finally {
    core.close()
  }
}
