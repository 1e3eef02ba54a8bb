import { resolve } from 'node:path'
import type { PipelineMode } from '../../../shared/api'
import { createCore, VERSION } from '../../core'
import { scanRoot } from '../../dicom/scanRoot'
import { JobEngine, defaultWorkerCount } from '../../jobs/engine'
import { nodeWorkerFactory } from '../../jobs/nodeWorker'
import { prestartWorkers } from '../../jobs/prestart'
import { createProgressPrinter, formatSeconds } from '../progress'
import { plural } from '../text'
import { requireImages } from './scan'
import { checkShardable, parseShard, restrictToShard } from '../../shard/shard'

export const defaultCacheDir = (dbPath: string): string => `${dbPath}.cache`

export async function runProcess(
  root: string,
  o: { db: string; mode: PipelineMode; workers?: number; cache?: string; timeout: number; retryFailed?: boolean; keepHu?: boolean; shard?: string },
): Promise<void> {
  // A bad --shard is refused before the database is created or the tree walked.
  const shard = o.shard === undefined ? null : parseShard(o.shard)
  const core = createCore(o.db)
  const progress = createProgressPrinter()
  const workers = o.workers ?? defaultWorkerCount()
  // Started now, so that they are ready by the time the tree is walked.
  const pool = prestartWorkers(nodeWorkerFactory(), workers)
  try {
    if (shard) checkShardable(core.db, shard)
    const scan = await scanRoot(root, { db: core.db, onProgress: (e) => progress.update(e) })
    progress.done()
    requireImages(scan)
    const chosen = shard ? restrictToShard(core.db, shard) : scan.series.filter((s) => s.chosen).length
    if (shard) process.stderr.write(`Shard ${shard.k}/${shard.n}: ${plural(chosen, 'scan')} of ${scan.series.filter((s) => s.chosen).length} hash here.\n`)
    process.stderr.write(
      `Scanned ${scan.root}: ${plural(chosen, 'scan')}, ${plural(scan.skipped.length, 'file')} skipped (${scan.stats.reused} unchanged).\n`,
    )
    const engine = new JobEngine({
      db: core.db,
      cacheDir: resolve(o.cache ?? defaultCacheDir(core.dbPath)),
      spawn: pool.spawn,
      workers,
      mode: o.mode,
      timeoutMs: o.timeout * 1000,
      version: VERSION,
      retryFailed: o.retryFailed,
      keepHu: o.keepHu,
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
    const { staleClaims, brokenCaches, requeued, swept } = r.recovered
    const notes = [
      staleClaims && `resumed ${staleClaims} interrupted`,
      brokenCaches && `recomputed ${brokenCaches} with broken volumes`,
      requeued && `retried ${requeued} failed`,
      (swept.tmpFiles || swept.runFolders) &&
        `removed ${plural(swept.tmpFiles, 'half-written file')} and ${plural(swept.runFolders, 'orphaned run folder')} (${(swept.bytes / 2 ** 20).toFixed(1)} MB)`,
    ].filter(Boolean)
    if (r.sharedWith.length) {
      process.stderr.write(`Shared the work with ${r.sharedWith.join(', ')}, also processing this database: no scan was processed twice.\n`)
    }
    // The summary is the command's result: stdout, so a script can capture it.
    process.stdout.write(
      `${r.cancelled ? 'Cancelled' : 'Done'}: ${r.done} processed, ${r.failed} failed in ${formatSeconds(r.durationMs / 1000)}` +
        (notes.length ? ` (${notes.join('; ')})` : '') +
        `. \`ct-curator status --db ${o.db}\` shows the results.\n`,
    )
    if (r.failed > 0) process.stderr.write(`Failed scans keep their error in \`status\`; \`ct-curator process … --retry-failed\` tries them again.\n`)
    if (r.cancelled) process.exitCode = 130
  } finally {
    pool.dispose()
    core.close()
  }
}
