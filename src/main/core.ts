/**
 * Assembles the core every front end shares: database, event bus and router. The Electron
 * shell, the web host and the CLI each call this once and then only talk to `api`.
 */
import { resolve, sep } from 'node:path'
import { VERSION } from './version'
import { API_EVENTS, API_METHODS, type CuratorApi, type OpenDatasetArgs, type OpenDatasetResult } from '../shared/api'
import { CuratorError } from '../shared/errors'
import { inspectFolder, readRecent, rememberDataset } from './datasets'
import type { WorkerPort } from '../shared/worker'
import { ProcessingController } from './jobs/controller'
import { nodeWorkerFactory } from './jobs/nodeWorker'
import { EventBus } from './events'
import { createRouter } from './router'
import { openDb, type Db, type OpenDbOptions } from './store/db'
import * as viewerData from './cache/viewerData'

export { VERSION } from './version'

export interface Core {
  /** Stable for the app's life; it always talks to the dataset open now. */
  api: CuratorApi
  /** The database open now (another dataset may be opened through the API). */
  readonly db: Db
  readonly dbPath: string
  events: EventBus
  close(): void
}

export interface CoreOptions extends OpenDbOptions {
  /** How to start a worker: Node child processes by default, utility processes under Electron. */
  spawnWorker?: () => WorkerPort
  /** @default `<db>.cache` */
  cacheDir?: string
  /** The desktop shell's native folder dialog (absent in the web host and the CLI). */
  pickFolder?: () => Promise<string | null>
}

interface Session {
  db: Db
  dbPath: string
  processing: ProcessingController
  api: CuratorApi
}

export function createCore(dbFile: string, opts: CoreOptions = {}): Core {
  const events = new EventBus()
  const spawn = opts.spawnWorker ?? nodeWorkerFactory()

  const openSession = (file: string, o: OpenDbOptions & { cacheDir?: string }): Session => {
    const dbPath = resolve(file)
    const db = openDb(dbPath, o)
    const processing = new ProcessingController({
      db,
      cacheDir: resolve(o.cacheDir ?? `${dbPath}.cache`),
      events,
      spawn,
      version: VERSION,
    })
    const api = createRouter({
      db,
      dbPath,
      version: VERSION,
      events,
      processing,
      viewerData,
      datasets: { open: (a) => openDataset(a), recent: async () => readRecent() },
      pickFolder: opts.pickFolder,
      scanRoot: async (root, d) => {
        // Loaded on first use: keeps `--help` and the app's start-up fast.
        const { scanRoot } = await import('./dicom/scanRoot')
        const r = await scanRoot(root, { db: d.db, onProgress: (e) => d.events.emit('onProgress', e) })
        return {
          root: r.root,
          series: r.series.length,
          chosen: r.series.filter((x) => x.chosen).length,
          skipped: r.skipped.length,
          durationMs: r.stats.durationMs,
        }
      },
      exportDataset: async (args, d) => {
        const { exportDataset } = await import('./export')
        return exportDataset(args, { db: d.db, version: VERSION, onProgress: (e) => d.events.emit('onProgress', e) })
      },
    })
    return { db, dbPath, processing, api }
  }

  let session = openSession(dbFile, opts)

  /**
   * Opens another dataset in place of this one: the new database opens first (a failure leaves
   * the current one untouched), then the old one's processing stops and its database closes.
   */
  async function openDataset(a: OpenDatasetArgs): Promise<OpenDatasetResult> {
    const check = inspectFolder(a.root)
    if (check.problem && !(check.isDirectory && check.readable)) throw new CuratorError('NOT_FOUND', check.problem)
    const dbPath = resolve(a.db ?? check.suggestedDb)
    if (dbPath === check.path || dbPath.startsWith(check.path + sep)) {
      throw new CuratorError('BAD_ARGUMENT', `The database must not go inside the source folder ${check.path} (source folders are never written to).`)
    }
    if (dbPath !== session.dbPath) {
      let next: Session
      try {
        next = openSession(dbPath, { nativeBinding: opts.nativeBinding })
      } catch (err) {
        if (err instanceof CuratorError) throw err
        throw new CuratorError('BAD_ARGUMENT', `Cannot open or create the database ${dbPath}: ${(err as Error).message}. Choose a writable place for it.`)
      }
      const old = session
      session = next
      old.processing.cancel()
      old.db.close()
    }
    await rememberDataset(check.path, dbPath).catch(() => undefined) // a read-only home still opens the dataset
    const scan = await session.api.scanRoot({ root: check.path })
    let processing = false
    if (a.process !== false && (session.processing.state().counts.pending ?? 0) > 0) {
      session.processing.start()
      processing = true
    }
    return { info: await session.api.getInfo(), scan, processing }
  }

  // The one API object every transport holds: each call goes to the dataset open now.
  const api = {} as Record<string, unknown>
  for (const m of API_METHODS) api[m] = (arg: unknown) => (session.api[m] as (x: unknown) => Promise<unknown>)(arg)
  for (const e of API_EVENTS) api[e] = (cb: never) => events.on(e, cb)

  return {
    api: api as unknown as CuratorApi,
    get db() {
      return session.db
    },
    get dbPath() {
      return session.dbPath
    },
    events,
    close: () => {
      session.processing.cancel()
      session.db.close()
    },
  }
}
