/**
 * The one contract between the renderer and the main process. The router in
 * `src/main/router.ts` implements it; Electron IPC, the web host (HTTP + WebSocket) and the
 * in-process caller (CLI, tests) are thin transports over that router. The renderer cannot
 * tell which transport it has.
 */
import type { ErrorInfo } from './errors'

export type ScanStatus = 'pending' | 'processing' | 'done' | 'failed'
export type ReviewStatus = 'unreviewed' | 'accepted' | 'rejected' | 'retry'
export type PipelineMode = 'seed' | 'robust'

/** [z, y, x] in millimetres or voxels, the order volumes are stored in. */
export type Vec3 = [number, number, number]

/** A finding about a scan, from ingestion (geometry) or the pipeline (mask shape, metal). */
export interface Flag {
  /** Stable code such as `slice_gap`, `tiny_mask`, `metal`. */
  code: string
  /** What was measured. */
  value: number | string | boolean | null
  /** The limit it was compared with, or null when the flag is categorical. */
  threshold: number | string | null
  /** One sentence for a reviewer. */
  message: string
}

/** One scan (the chosen series of one patient folder) as the list shows it. */
export interface ScanSummary {
  id: number
  /** Patient folder relative to the scanned root, `/`-separated. */
  folder: string
  patientId: string
  seriesUid: string
  /** SeriesDescription of the chosen series (what tells a patient's scans apart), if any. */
  seriesDescription: string | null
  status: ScanStatus
  review: ReviewStatus
  flags: Flag[]
  maskFraction: number | null
  maskFractionNoFill: number | null
  sliceCount: number
  /** Source spacing [z, y, x] mm. */
  spacing: Vec3 | null
  /** Source shape [z, y, x]. */
  shape: Vec3 | null
  resampledShape: Vec3 | null
  resampledSpacing: Vec3 | null
  huMin: number | null
  huMax: number | null
  error: ErrorInfo | null
  timingsMs: Record<string, number> | null
}

export interface RunInfo {
  id: number
  mode: PipelineMode
  closingMm: number
  status: ScanStatus
  startedAt: string | null
  finishedAt: string | null
  error: ErrorInfo | null
  /** Fill-mask fraction of this run (null unless done). */
  maskFraction: number | null
  /** This run's flags (geometry and mask). */
  flags: Flag[]
  /** True for the run whose result the scan shows now. */
  current: boolean
}

/** The tutorial's 80-bin HU histogram of the resampled volume. */
export interface HuHistogram {
  edges: number[]
  counts: number[]
}

/** Everything the detail panel shows about one scan. */
export interface ScanDetail extends ScanSummary {
  rootPath: string
  studyUid: string
  modality: string
  manufacturer: string | null
  kernel: string | null
  sliceThickness: number | null
  acquisitionDate: string | null
  choiceReason: string
  reviewNote: string | null
  reviewedAt: string | null
  files: string[]
  runs: RunInfo[]
  /** The current run's HU histogram (null before a result). */
  histogram: HuHistogram | null
  /** Lung volumes of the current run, mL. */
  maskVolumeMl: number | null
  leftLungMl: number | null
  rightLungMl: number | null
  /** Every series of this patient, the chosen one included, with why it was or was not chosen. */
  candidates: SeriesCandidate[]
}

export interface SeriesCandidate {
  seriesUid: string
  folder: string
  modality: string
  images: number
  chosen: boolean
  choiceReason: string
  description: string
}

export interface ChooseSeriesArgs {
  /** The scan (patient) whose series choice to override. */
  id: number
  seriesUid: string
}

export interface AppInfo {
  name: 'ct-curator'
  version: string
  /** Absolute path of the SQLite database this session uses. */
  dbPath: string
  roots: string[]
}

export interface ScanRootArgs {
  /** Absolute path of a folder of patient folders. Never written to. */
  root: string
}

export interface ScanRootResult {
  root: string
  series: number
  chosen: number
  skipped: number
  durationMs: number
}

export interface ListScansArgs {
  status?: ScanStatus
  review?: ReviewStatus
  /** Only scans carrying this flag code. */
  flag?: string
}

export interface RetryArgs {
  id: number
  /** Radius of the morphological closing ball, in millimetres. @default 3 */
  closingMm: number
}

export interface ReviewArgs {
  id: number
  review: Exclude<ReviewStatus, 'retry'>
  note?: string
}

export type ExportInclude = 'accepted' | 'done' | 'all'
export type ExportFormat = 'npy' | 'nifti'
export type ExportLayout = 'plain' | 'nnunet' | 'monai'

export interface ExportArgs {
  /** Absolute path of the dataset folder to create (or replace, when it is an earlier export). */
  outDir: string
  /**
   * Which scans: accepted ones; every processed scan not rejected (done); or every processed
   * scan, rejected ones too (all). @default 'accepted'
   */
  include?: ExportInclude
  /** @default ['npy', 'nifti'] */
  formats?: ExportFormat[]
  /** plain: one folder per case; nnunet: nnU-Net v2 raw layout; monai: plain + datalist.json. @default 'plain' */
  layout?: ExportLayout
  /** Dilate the exported lung mask by a ball of this radius, mm (0 = as segmented). @default 0 */
  dilateMm?: number
  /** Also write `ct_norm.npy` (float32, normalised to [−1000, 400] HU, centred on the dataset's mean). @default false */
  normalized?: boolean
  /**
   * Flush every file to the disk before the dataset is published, so not even a power cut or an
   * OS crash can leave a published dataset with empty files. Without it the export is as durable
   * as `cp`: a killed export still leaves nothing half-written at the target. @default false
   */
  fsync?: boolean
}

/** Why a scan was left out of an export. */
export type ExportSkipCode = 'not_accepted' | 'rejected' | 'not_processed' | 'failed' | 'cache_missing'

export interface ExportSkipped {
  scanId: number
  /** Patient folder (local only: never written to the export). */
  folder: string
  code: ExportSkipCode
  message: string
}

export interface ExportResult {
  outDir: string
  /** Cases written. */
  exported: number
  /** Every scan not exported, with the reason. */
  skipped: ExportSkipped[]
  /** Size of the dataset folder. */
  bytes: number
  durationMs: number
  /** The mean of the normalised voxels (written to dataset.json). */
  pixelMean: number
  /** Cases taken over from an interrupted earlier run of the same export. */
  resumed: number
}

/** Streamed while scanning or processing; also what the CLI prints as progress. */
export interface ProgressEvent {
  /** What kind of work is running. */
  phase: 'demo' | 'scan' | 'process' | 'export'
  done: number
  total: number
  /** Seconds left, estimated from the rate so far; null until there is a rate. */
  etaSeconds: number | null
  /** The item just finished or started (relative folder or file). */
  current: string | null
  /** Set when one scan changed status, so lists can refresh just that row. */
  scanId?: number
  status?: ScanStatus
  message?: string
}

export interface StartProcessingArgs {
  /** @default 'robust' */
  mode?: PipelineMode
  /** @default one per core */
  workers?: number
}

export interface WorkerState {
  name: string
  pid: number | null
  /** The scan it is on, or null when idle. */
  scanId: number | null
  folder: string | null
  /** What it is doing now (reading slices, resampling, segmenting, …). */
  stage: string | null
  /** ISO time the scan was started. */
  startedAt: string | null
}

/** The engine's current run: what the processing panel shows. */
export interface RunProgress {
  total: number
  done: number
  failed: number
  /** ISO time the run started. */
  startedAt: string
  etaSeconds: number | null
  scansPerMinute: number | null
}

export interface ProcessingState {
  running: boolean
  paused: boolean
  counts: Record<ScanStatus, number>
  lastError: string | null
  /** One line per worker while running (empty when idle). */
  workers: WorkerState[]
  /** The run in progress, or null. */
  run: RunProgress | null
}

/** A dataset the app has opened: a root folder and its database. */
export interface RecentDataset {
  root: string
  db: string
  /** ISO time it was last opened. */
  openedAt: string
  /** Whether both still exist. */
  available: boolean
}

export interface OpenDatasetArgs {
  /** Folder of patient folders (never written to). */
  root: string
  /** Database file; @default `<root>/../<name>.ctc.sqlite` */
  db?: string
  /** Start processing once the scan is done. @default true */
  process?: boolean
}

export interface OpenDatasetResult {
  info: AppInfo
  scan: ScanRootResult
  processing: boolean
}

/** What the open-dataset form shows while a path is typed. */
export interface FolderCheck {
  path: string
  exists: boolean
  isDirectory: boolean
  readable: boolean
  /** Entries directly inside (capped at 10,000). */
  entries: number
  /** Where its database goes by default. */
  suggestedDb: string
  suggestedDbExists: boolean
  /** A sentence for the form when the folder cannot be opened; null when it can. */
  problem: string | null
}

/** Files the scan could not use, with their codes. */
export interface SkippedFileInfo {
  /** Path relative to the root. */
  path: string
  /** Patient folder it sits in (first path segment under the root), or '' at the root. */
  folder: string
  code: string
  message: string
}

export interface BulkResult {
  changed: number
  ids: number[]
}

/** A small picture of a scan's result (PNG) for the contact sheet. */
export interface ThumbnailBlob {
  meta: { runId: number; width: number; height: number; mime: 'image/png' }
  data: ArrayBuffer
}

export type Unsubscribe = () => void

/** The reviewer's picture of a scan's current result: axial and coronal slices, mask tinted. */
export interface ScanPreview {
  runId: number
  /** PNG, base64. */
  pngBase64: string
}

/** Which cached array of a run to fetch as binary. */
export type VolumeKind = 'ct' | 'mask'

export interface GetVolumeArgs {
  /** Scan id. */
  id: number
  kind: VolumeKind
  /** A run of this scan; @default the current run */
  runId?: number
  /** 1 = full resolution, 2 = every dimension halved (a quick first picture). @default 1 */
  level?: 1 | 2
}

/** What travels beside a binary array; the array itself never goes through JSON. */
export interface VolumeMeta {
  runId: number
  kind: VolumeKind
  level: 1 | 2
  dtype: 'int16' | 'uint8'
  /** [z, y, x] voxels of this level. */
  shape: Vec3
  /** [z, y, x] mm between voxel centres at this level. */
  spacing: Vec3
  /** [z, y, x] mm of the first voxel's centre on the full-resolution grid (level 2 is offset). */
  origin: Vec3
}

export interface VolumeBlob {
  meta: VolumeMeta
  /** `shape` voxels, C order [z][y][x], little endian. */
  data: ArrayBuffer
}

export type SurfaceKind = 'lung' | 'metal'

export interface SurfaceMeta {
  runId: number
  kind: SurfaceKind
  points: number
  triangles: number
}

/** A triangle mesh in millimetres, x/y/z = column/row/slice axes of the resampled grid. */
export interface SurfaceBlob {
  meta: SurfaceMeta
  /** Float32 x, y, z per point, then Uint32 a, b, c per triangle (offset 12 · points). */
  data: ArrayBuffer
}

export interface SourceSliceMeta {
  /** File the slice comes from, relative to the scan's root. */
  file: string
  rows: number
  columns: number
  /** [row, column] mm. */
  pixelSpacing: [number, number]
  dtype: 'int16'
}

/** One stored slice of the chosen series as HU, for scans that have no volume. */
export interface SourceSliceBlob {
  meta: SourceSliceMeta
  data: ArrayBuffer
}

export interface RunComparison {
  scanId: number
  before: RunInfo
  after: RunInfo
  /** Dice between the two runs' fill masks, in [0, 1]. */
  dice: number
}

export interface CuratorApi {
  getInfo(): Promise<AppInfo>
  scanRoot(args: ScanRootArgs): Promise<ScanRootResult>
  listScans(args?: ListScansArgs): Promise<ScanSummary[]>
  getScan(args: { id: number }): Promise<ScanDetail>
  /** Null while the scan has no finished result with a picture. */
  getPreview(args: { id: number }): Promise<ScanPreview | null>
  /** A run's resampled volume or fill mask as binary, full or half resolution. */
  getVolume(args: GetVolumeArgs): Promise<VolumeBlob>
  /** A run's mask surface (computed by the worker), or null when there is none (no metal). */
  getSurface(args: { id: number; kind: SurfaceKind; runId?: number }): Promise<SurfaceBlob | null>
  /** The first slice of the chosen series as HU, for a failed scan. */
  getSourceSlice(args: { id: number }): Promise<SourceSliceBlob>
  /** The current run against the latest earlier done run: Dice of the masks, both runs' facts. Null if there is no earlier run. */
  compareRuns(args: { id: number }): Promise<RunComparison | null>
  /** Makes an earlier done run the scan's result again (revert a retry). */
  setCurrentRun(args: { id: number; runId: number }): Promise<ScanSummary>
  queueRetry(args: RetryArgs): Promise<ScanSummary>
  /** Overrides the automatic series choice for a patient; rescans its root. */
  chooseSeries(args: ChooseSeriesArgs): Promise<ScanSummary>
  setReview(args: ReviewArgs): Promise<ScanSummary>
  exportDataset(args: ExportArgs): Promise<ExportResult>
  /** Opens (or creates) the database of a root folder, scans it and, by default, starts processing. */
  openDataset(args: OpenDatasetArgs): Promise<OpenDatasetResult>
  listRecentDatasets(): Promise<RecentDataset[]>
  /** The desktop app's native folder dialog; null when cancelled (NOT_IMPLEMENTED in a browser). */
  pickFolder(): Promise<string | null>
  /** Checks a folder typed into the open-dataset form (never writes). */
  inspectFolder(args: { path: string }): Promise<FolderCheck>
  /** Files the scans skipped (junk, truncated, non-CT, …): every root's, or one patient folder's. */
  listSkipped(args?: { folder?: string }): Promise<SkippedFileInfo[]>
  /** The current result's thumbnail, or null without a finished result. */
  getThumbnail(args: { id: number }): Promise<ThumbnailBlob | null>
  /** One decision for many scans (one transaction). */
  bulkReview(args: { ids: number[]; review: 'accepted' | 'rejected' | 'unreviewed'; note?: string }): Promise<BulkResult>
  /** Marks many scans for a retry with closing and runs them. */
  bulkRetry(args: { ids: number[]; closingMm: number }): Promise<BulkResult>
  startProcessing(args?: StartProcessingArgs): Promise<ProcessingState>
  pauseProcessing(): Promise<ProcessingState>
  resumeProcessing(): Promise<ProcessingState>
  cancelProcessing(): Promise<ProcessingState>
  getProcessingState(): Promise<ProcessingState>
  onProgress(cb: (e: ProgressEvent) => void): Unsubscribe
}

/** Request/response methods: the preload and the HTTP client are generated from this list. */
export const API_METHODS = [
  'getInfo',
  'scanRoot',
  'listScans',
  'getScan',
  'getPreview',
  'getVolume',
  'getSurface',
  'getSourceSlice',
  'compareRuns',
  'setCurrentRun',
  'queueRetry',
  'chooseSeries',
  'setReview',
  'exportDataset',
  'openDataset',
  'listRecentDatasets',
  'pickFolder',
  'inspectFolder',
  'listSkipped',
  'getThumbnail',
  'bulkReview',
  'bulkRetry',
  'startProcessing',
  'pauseProcessing',
  'resumeProcessing',
  'cancelProcessing',
  'getProcessingState',
] as const satisfies readonly (keyof CuratorApi)[]

export type ApiMethod = (typeof API_METHODS)[number]

/**
 * Methods whose result carries an `ArrayBuffer` (`{meta, data}`): IPC passes it by structured
 * clone; the web host answers them with `application/octet-stream`, the meta in a header.
 */
export const BINARY_METHODS = ['getVolume', 'getSurface', 'getSourceSlice', 'getThumbnail'] as const satisfies readonly ApiMethod[]
export type BinaryMethod = (typeof BINARY_METHODS)[number]
export const isBinaryMethod = (m: string): m is BinaryMethod => (BINARY_METHODS as readonly string[]).includes(m)
/** Response header of the web host carrying a binary result's `meta` as JSON. */
export const META_HEADER = 'x-ctc-meta'

/** Event subscriptions, each `onX(cb): Unsubscribe`. */
export const API_EVENTS = ['onProgress'] as const satisfies readonly (keyof CuratorApi)[]
export type ApiEvent = (typeof API_EVENTS)[number]

/** Payload type of each event. */
export interface ApiEventPayloads {
  onProgress: ProgressEvent
}

/** IPC channel of a method; the HTTP route is `/api/<method>`. */
export const channelOf = (m: ApiMethod | ApiEvent): string => `curator:${m}`

/** What every transport sends back for a call: a result or a normalised error, never a throw. */
export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ErrorInfo }
