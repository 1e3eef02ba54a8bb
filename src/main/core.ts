/**
 * Assembles the core every front end shares: database, event bus and router. The Electron
 * shell, the web host and the CLI each call this once and then only talk to `api`.
 */
import { resolve } from 'node:path'
import pkg from '../../package.json'
import type { CuratorApi } from '../shared/api'
import type { WorkerPort } from '../shared/worker'
import { ProcessingController } from './jobs/controller'
import { nodeWorkerFactory } from './jobs/nodeWorker'
import { EventBus } from './events'
import { createRouter } from './router'
import { openDb, type Db, type OpenDbOptions } from './store/db'
import * as viewerData from './cache/viewerData'

export const VERSION: string = pkg.version

export interface Core {
  api: CuratorApi
  db: Db
  dbPath: string
  events: EventBus
  close(): void
}

export interface CoreOptions extends OpenDbOptions {
  /** How to start a worker: Node child processes by default, utility processes under Electron. */
  spawnWorker?: () => WorkerPort
  /** @default `<db>.cache` */
  cacheDir?: string
}

export function createCore(dbFile: string, opts: CoreOptions = {}): Core {
  const dbPath = resolve(dbFile)
  const db = openDb(dbPath, opts)
  const events = new EventBus()
  const processing = new ProcessingController({
    db,
    cacheDir: resolve(opts.cacheDir ?? `${dbPath}.cache`),
    events,
    spawn: opts.spawnWorker ?? nodeWorkerFactory(),
    version: VERSION,
  })
  const api = createRouter({
    db,
    dbPath,
    version: VERSION,
    events,
    processing,
    viewerData,
    scanRoot: async (root, d) => {
      // Loaded on first use: keeps `--help` and the app's start-up fast.
      const { scanRoot } = await import('./dicom/scanRoot')
      const r = await scanRoot(root, { db: d.db, onProgress: (e) => d.events.emit('onProgress', e) })
      return {
        root: r.root,
        series: r.series.length,
        chosen: r.series.filter((s) => s.chosen).length,
        skipped: r.skipped.length,
        durationMs: r.stats.durationMs,
      }
    },
    exportDataset: async (args, d) => {
      const { exportDataset } = await import('./export')
      return exportDataset(args, { db: d.db, version: VERSION, onProgress: (e) => d.events.emit('onProgress', e) })
    },
  })
  return {
    api,
    db,
    dbPath,
    events,
    close: () => {
      processing.cancel()
      db.close()
    },
  }
}
