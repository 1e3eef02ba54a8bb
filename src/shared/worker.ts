/**
 * Messages between the job engine (main process) and a preprocessing worker (an Electron
 * utility process, or a Node child process running the same module). Small JSON only:
 * volumes travel as files in the cache folder, never in messages.
 */
import type { ErrorInfo } from './errors'
import type { PipelineMode } from './api'

/** What indexing stored for one file: size, mtime (ms) and its header in the database's compact form. */
export type IndexedFile = [size: number, mtimeMs: number, header: string]

export interface JobSpec {
  jobId: string
  scanId: number
  /** Absolute folder the file paths are relative to. */
  root: string
  /** The series' files, relative to root. */
  files: string[]
  /**
   * Per file, what indexing stored: size, mtime (ms) and the header in the database's compact
   * form (dicom/headerCodec.ts). A file whose size and mtime still match is not parsed again.
   */
  indexed?: Array<IndexedFile | null>
  /** Folder to write the volumes into (created by the worker). */
  outDir: string
  params: {
    mode: PipelineMode
    stage: 'hu' | 'resampled' | 'mask'
    closingMm: number
    resample: 'cubic' | 'linear'
    /** 'cache': the compact set `process` keeps (packed masks, no hu.npy); 'files': `preprocess`'s. */
    output?: 'files' | 'cache'
    keepHu?: boolean
    /** Threads the run may use, its own included (helper threads for resampling and more). @default the cores */
    threads?: number
  }
}

export type MainToWorker = { type: 'run'; job: JobSpec } | { type: 'shutdown' }

export type WorkerToMain =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; jobId: string; stage: string }
  | { type: 'done'; jobId: string; result: unknown }
  | { type: 'failed'; jobId: string; error: ErrorInfo }

/** What the pool needs of a process: Node's ChildProcess and Electron's UtilityProcess both fit. */
export interface WorkerPort {
  readonly pid: number | undefined
  postMessage(msg: MainToWorker): void
  onMessage(cb: (msg: WorkerToMain) => void): void
  /** Exit code, or null with a signal name when killed. */
  onExit(cb: (code: number | null, signal: string | null) => void): void
  kill(): void
}
