/**
 * The one router: every API handler, with argument validation, in one place. Transports
 * (Electron IPC, HTTP + WebSocket, in-process) only move envelopes and never hold logic.
 */
import { z } from 'zod'
import {
  API_METHODS,
  type ApiMethod,
  type CuratorApi,
  type Envelope,
  type ExportResult,
  type OpenDatasetResult,
  type RecentDataset,
  type ScanRootResult,
} from '../shared/api'
import { CuratorError, toErrorInfo } from '../shared/errors'
import type { EventBus } from './events'
import type { ProcessingController } from './jobs/controller'
import type { Db } from './store/db'
import { setCurrentRun } from './store/runs'
import { bulkReview, bulkRetry, listSkipped } from './store/cohort'
import { inspectFolder } from './datasets'

export type ViewerData = typeof import('./cache/viewerData')
import { getScanDetail, getScanPreview, getScanSummary, listRoots, listScans, queueRetry, setReview, setSeriesOverride } from './store/scans'

export interface RouterDeps {
  db: Db
  dbPath: string
  version: string
  events: EventBus
  /** Indexes a root into the database. Supplied by the ingestion layer. */
  scanRoot?: (root: string, deps: { db: Db; events: EventBus }) => Promise<ScanRootResult>
  /** Runs the job engine for the app. */
  processing?: ProcessingController
  /** Switching the app to another dataset (the core owns the database's life). */
  datasets?: {
    open(args: z.infer<typeof schemas.openDataset>): Promise<OpenDatasetResult>
    recent(): Promise<RecentDataset[]>
  }
  /** The desktop shell's native folder dialog. */
  pickFolder?: () => Promise<string | null>
  /** Binary volumes, surfaces and comparisons for the case view (cache/viewerData.ts). */
  viewerData?: ViewerData
  /** Writes the export. Supplied by the export layer. */
  exportDataset?: (args: z.infer<typeof schemas.exportDataset>, deps: { db: Db; events: EventBus }) => Promise<ExportResult>
}

const id = z.number().int().positive()
const scanStatus = z.enum(['pending', 'processing', 'done', 'failed'])
const review = z.enum(['unreviewed', 'accepted', 'rejected', 'retry'])

/** One schema per method, for the single argument each takes (or none). */
export const schemas = {
  getInfo: z.undefined(),
  scanRoot: z.object({ root: z.string().min(1).max(4096) }).strict(),
  listScans: z
    .object({ status: scanStatus.optional(), review: review.optional(), flag: z.string().max(64).optional() })
    .strict()
    .optional(),
  getScan: z.object({ id }).strict(),
  getPreview: z.object({ id }).strict(),
  getVolume: z
    .object({ id, kind: z.enum(['ct', 'mask']), runId: id.optional(), level: z.union([z.literal(1), z.literal(2)]).optional() })
    .strict(),
  getSurface: z.object({ id, kind: z.enum(['lung', 'metal']), runId: id.optional() }).strict(),
  getSourceSlice: z.object({ id }).strict(),
  compareRuns: z.object({ id }).strict(),
  setCurrentRun: z.object({ id, runId: id }).strict(),
  queueRetry: z.object({ id, closingMm: z.number().min(0).max(50) }).strict(),
  chooseSeries: z.object({ id, seriesUid: z.string().min(1).max(128) }).strict(),
  setReview: z
    .object({ id, review: z.enum(['unreviewed', 'accepted', 'rejected']), note: z.string().max(10_000).optional() })
    .strict(),
  exportDataset: z
    .object({
      outDir: z.string().min(1).max(4096),
      include: z.enum(['accepted', 'done', 'all']).optional(),
      formats: z.array(z.enum(['npy', 'nifti'])).min(1).max(2).optional(),
      layout: z.enum(['plain', 'nnunet', 'monai']).optional(),
      dilateMm: z.number().min(0).max(50).optional(),
      normalized: z.boolean().optional(),
      fsync: z.boolean().optional(),
    })
    .strict(),
  openDataset: z
    .object({ root: z.string().min(1).max(4096), db: z.string().min(1).max(4096).optional(), process: z.boolean().optional() })
    .strict(),
  listRecentDatasets: z.undefined(),
  pickFolder: z.undefined(),
  inspectFolder: z.object({ path: z.string().min(1).max(4096) }).strict(),
  listSkipped: z.object({ folder: z.string().min(1).max(4096).optional() }).strict().optional(),
  getThumbnail: z.object({ id }).strict(),
  bulkReview: z
    .object({ ids: z.array(id).min(1).max(100_000), review: z.enum(['accepted', 'rejected', 'unreviewed']), note: z.string().max(10_000).optional() })
    .strict(),
  bulkRetry: z.object({ ids: z.array(id).min(1).max(100_000), closingMm: z.number().min(0).max(50) }).strict(),
  startProcessing: z
    .object({ mode: z.enum(['seed', 'robust']).optional(), workers: z.number().int().min(1).max(64).optional() })
    .strict()
    .optional(),
  pauseProcessing: z.undefined(),
  resumeProcessing: z.undefined(),
  cancelProcessing: z.undefined(),
  getProcessingState: z.undefined(),
} satisfies Record<ApiMethod, z.ZodType>

function validate<M extends ApiMethod>(method: M, arg: unknown): z.infer<(typeof schemas)[M]> {
  const r = schemas[method].safeParse(arg)
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join('.') || '(argument)'}: ${i.message}`).join('; ')
    throw new CuratorError('BAD_ARGUMENT', `Invalid argument to ${method}: ${detail}`)
  }
  return r.data as z.infer<(typeof schemas)[M]>
}

export function createRouter(deps: RouterDeps): CuratorApi {
  const { db, events } = deps
  const viewer = (): ViewerData => {
    if (!deps.viewerData) throw new CuratorError('NOT_IMPLEMENTED', 'Volumes are not available in this build.')
    return deps.viewerData
  }
  const proc = (): ProcessingController => {
    if (!deps.processing) throw new CuratorError('NOT_IMPLEMENTED', 'Processing is not available in this build.')
    return deps.processing
  }
  return {
    async getInfo(arg?: unknown) {
      validate('getInfo', arg)
      return { name: 'ct-curator', version: deps.version, dbPath: deps.dbPath, roots: listRoots(db) }
    },
    async scanRoot(arg) {
      const { root } = validate('scanRoot', arg)
      if (!deps.scanRoot) throw new CuratorError('NOT_IMPLEMENTED', 'Scanning is not available in this build.')
      return deps.scanRoot(root, { db, events })
    },
    async listScans(arg) {
      return listScans(db, validate('listScans', arg) ?? {})
    },
    async getScan(arg) {
      return getScanDetail(db, validate('getScan', arg).id)
    },
    async getPreview(arg) {
      return getScanPreview(db, validate('getPreview', arg).id)
    },
    async getVolume(arg) {
      return viewer().getVolume(db, validate('getVolume', arg))
    },
    async getSurface(arg) {
      return viewer().getSurface(db, validate('getSurface', arg))
    },
    async getSourceSlice(arg) {
      return viewer().getSourceSlice(db, validate('getSourceSlice', arg).id)
    },
    async compareRuns(arg) {
      return viewer().compareRuns(db, validate('compareRuns', arg).id)
    },
    async setCurrentRun(arg) {
      const a = validate('setCurrentRun', arg)
      return setCurrentRun(db, a.id, a.runId)
    },
    async queueRetry(arg) {
      const a = validate('queueRetry', arg)
      const summary = queueRetry(db, a.id, a.closingMm)
      // A reviewer's retry runs now, in this process's engine: no separate processing step.
      deps.processing?.ensureRunning()
      return summary
    },
    async chooseSeries(arg) {
      const a = validate('chooseSeries', arg)
      const { rootPath } = setSeriesOverride(db, a.id, a.seriesUid)
      if (!deps.scanRoot) throw new CuratorError('NOT_IMPLEMENTED', 'Scanning is not available in this build.')
      await deps.scanRoot(rootPath, { db, events })
      return getScanSummary(db, a.id)
    },
    async setReview(arg) {
      const a = validate('setReview', arg)
      return setReview(db, a.id, a.review, a.note ?? null)
    },
    async exportDataset(arg) {
      const a = validate('exportDataset', arg)
      if (!deps.exportDataset) throw new CuratorError('NOT_IMPLEMENTED', 'Export is not available in this build.')
      return deps.exportDataset(a, { db, events })
    },
    async openDataset(arg) {
      const a = validate('openDataset', arg)
      if (!deps.datasets) throw new CuratorError('NOT_IMPLEMENTED', 'Opening datasets is not available here.')
      return deps.datasets.open(a)
    },
    async listRecentDatasets(arg?: unknown) {
      validate('listRecentDatasets', arg)
      return deps.datasets ? deps.datasets.recent() : []
    },
    async pickFolder(arg?: unknown) {
      validate('pickFolder', arg)
      if (!deps.pickFolder) throw new CuratorError('NOT_IMPLEMENTED', 'There is no folder dialog in a browser: type the folder\'s path.')
      return deps.pickFolder()
    },
    async inspectFolder(arg) {
      return inspectFolder(validate('inspectFolder', arg).path)
    },
    async listSkipped(arg) {
      return listSkipped(db, validate('listSkipped', arg)?.folder)
    },
    async getThumbnail(arg) {
      return viewer().getThumbnail(db, validate('getThumbnail', arg).id)
    },
    async bulkReview(arg) {
      const a = validate('bulkReview', arg)
      return bulkReview(db, a.ids, a.review, a.note ?? null)
    },
    async bulkRetry(arg) {
      const a = validate('bulkRetry', arg)
      const r = bulkRetry(db, a.ids, a.closingMm)
      if (r.changed > 0) deps.processing?.ensureRunning()
      return r
    },
    async startProcessing(arg) {
      return proc().start(validate('startProcessing', arg) ?? {})
    },
    async pauseProcessing(arg?: unknown) {
      validate('pauseProcessing', arg)
      return proc().pause()
    },
    async resumeProcessing(arg?: unknown) {
      validate('resumeProcessing', arg)
      return proc().resume()
    },
    async cancelProcessing(arg?: unknown) {
      validate('cancelProcessing', arg)
      return proc().cancel()
    },
    async getProcessingState(arg?: unknown) {
      validate('getProcessingState', arg)
      return proc().state()
    },
    onProgress(cb) {
      return events.on('onProgress', cb)
    },
  }
}

/**
 * What every transport calls: looks the method up by name (untrusted input), runs it, and
 * normalises any error once into `{code, message}`.
 */
export async function dispatch(api: CuratorApi, method: string, arg: unknown): Promise<Envelope<unknown>> {
  try {
    if (!(API_METHODS as readonly string[]).includes(method)) {
      throw new CuratorError('NOT_FOUND', `Unknown API method "${method}".`)
    }
    const fn = api[method as ApiMethod] as (a: unknown) => Promise<unknown>
    return { ok: true, result: await fn.call(api, arg) }
  } catch (err) {
    return { ok: false, error: toErrorInfo(err) }
  }
}

