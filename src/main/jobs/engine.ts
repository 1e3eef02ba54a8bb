/**
 * The job engine: takes pending scans from the database, runs each in a worker, records the
 * result in one transaction, streams progress with an ETA. Pause stops handing out work,
 * cancel also stops running work (those scans go back to pending). Nothing here holds state
 * that a restart would need: the database is the queue.
 */
import { randomBytes } from 'node:crypto'
import { cpus, totalmem } from 'node:os'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { PipelineMode, ProgressEvent, RunProgress, WorkerState } from '../../shared/api'
import type { JobSpec, WorkerPort } from '../../shared/worker'
import type { Db } from '../store/db'
import {
  claimNext,
  completeJob,
  countByStatus,
  invalidateBrokenCaches,
  ownerId,
  releaseClaim,
  releaseStaleClaims,
  requeueFailed,
} from '../store/jobs'
import { HEARTBEAT_MS, heartbeat, liveEngines, registerEngine, unregisterEngine } from '../store/claims'
import { sweepCache, type SweepResult } from '../cache/sweep'
import { WorkerHandle } from './workerHandle'


/**
 * Memory one worker may need at its peak: a robust run of a 512×512×600 series (source, scratch,
 * resampled volume, masks) with the buffers it keeps for the next scan. Measured 2.8–3.6× the
 * int16 source at 512×512×300 (442–566 MB), so ~1.2 GB at 600 slices, plus Node itself.
 */
export const WORKER_PEAK_BYTES = 1.5 * 2 ** 30

/** One worker per core, but no more than half the machine's memory can carry at their peaks. */
export function defaultWorkerCount(cores = cpus().length, memory = totalmem()): number {
  return Math.max(1, Math.min(cores, Math.floor((memory / 2) / WORKER_PEAK_BYTES)))
}

export interface EngineOptions {
  db: Db
  cacheDir: string
  spawn: () => WorkerPort
  /** @default number of cores */
  workers: number
  /** @default 'robust' */
  mode?: PipelineMode
  /** Per-scan limit before the worker is killed. @default 10 minutes */
  timeoutMs?: number
  version: string
  onProgress?: (e: ProgressEvent) => void
  /** Keep each run's unresampled hu.npy in the cache (`--keep-hu`). @default false */
  keepHu?: boolean
  /**
   * Also requeue scans that failed for a reason a rerun will not fix by itself (bad DICOM…).
   * Transient failures (disk full, out of memory, crash, timeout) are always requeued.
   * @default false
   */
  retryFailed?: boolean
}

export interface RunSummary {
  done: number
  failed: number
  cancelled: boolean
  durationMs: number
  recovered: { staleClaims: number; brokenCaches: number; requeued: number; swept: SweepResult }
  /** Other engines (host:pid) that were processing this database when the run started. */
  sharedWith: string[]
}

export class JobEngine {
  private readonly owner = ownerId()
  private readonly handles: WorkerHandle[]
  private paused = false
  private cancelled = false
  private wake: (() => void) | null = null
  private running = false
  /** What each busy worker is on, for the processing panel. */
  private readonly slots = new Map<WorkerHandle, { scanId: number; folder: string; startedAt: string }>()
  private stats = { total: 0, finished: 0, failed: 0, busyMs: 0, startedAt: new Date().toISOString() }

  constructor(private readonly o: EngineOptions) {
    this.handles = Array.from(
      { length: Math.max(1, o.workers) },
      (_, i) => new WorkerHandle(o.spawn, `worker-${i + 1}`, o.timeoutMs ?? 10 * 60 * 1000),
    )
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    this.wake?.()
  }

  /** Stops handing out work and kills running jobs; their scans return to pending. */
  cancel(): void {
    this.cancelled = true
    for (const h of this.handles) h.dispose()
    this.wake?.()
  }

  /** New pending work (a retry): look for it now rather than when a job ends. */
  poke(): void {
    this.wake?.()
  }

  /** The run as the processing panel shows it: totals, rate, ETA and one line per worker. */
  snapshot(): { workers: WorkerState[]; run: RunProgress } {
    const st = this.stats
    const minutes = (Date.now() - Date.parse(st.startedAt)) / 60_000
    const perJob = st.finished > 0 ? st.busyMs / st.finished / this.handles.length : null
    return {
      workers: this.handles.map((h) => {
        const s = this.slots.get(h)
        return { name: h.name, pid: h.pid ?? null, scanId: s?.scanId ?? null, folder: s?.folder ?? null, stage: s ? h.stage : null, startedAt: s?.startedAt ?? null }
      }),
      run: {
        total: st.total,
        done: st.finished - st.failed,
        failed: st.failed,
        startedAt: st.startedAt,
        etaSeconds: perJob === null ? null : (perJob * Math.max(0, st.total - st.finished)) / 1000,
        scansPerMinute: st.finished > 0 && minutes > 0 ? st.finished / minutes : null,
      },
    }
  }

  get isRunning(): boolean {
    return this.running
  }

  /** Processes every pending scan; resolves when none is left (or on cancel). */
  async run(): Promise<RunSummary> {
    if (this.running) throw new Error('engine already running')
    this.running = true
    const started = Date.now()
    const { db } = this.o
    registerEngine(db, this.owner)
    // Refreshed from the event loop: an engine whose loop stops (killed, zombie) goes stale.
    const beat = setInterval(() => {
      try {
        heartbeat(db, this.owner)
      } catch {
        /* database closed under us: the run is ending */
      }
    }, HEARTBEAT_MS)
    beat.unref()
    let recovered: RunSummary['recovered']
    let sharedWith: string[]
    try {
      const staleClaims = releaseStaleClaims(db)
      sharedWith = liveEngines(db, this.owner)
      recovered = {
        staleClaims,
        brokenCaches: invalidateBrokenCaches(db),
        requeued: requeueFailed(db, this.o.retryFailed ?? false),
        swept: await sweepCache(db, this.o.cacheDir),
      }
    } catch (err) {
      clearInterval(beat)
      unregisterEngine(db, this.owner)
      this.running = false
      throw err
    }
    const counts = countByStatus(db)
    let total = counts.pending!
    this.stats = { total, finished: 0, failed: 0, busyMs: 0, startedAt: new Date(started).toISOString() }
    let finished = 0
    let done = 0
    let failed = 0
    let busyMs = 0
    const emit = (extra: Partial<ProgressEvent> = {}): void => {
      // Work queued while running (a reviewer's retry) joins this run's total.
      total = Math.max(total, finished + this.slots.size + (countByStatus(db).pending ?? 0))
      this.stats = { ...this.stats, total, finished, failed, busyMs }
      // ETA: mean job time so far spread over the workers, times the jobs left.
      const perJob = finished > 0 ? busyMs / finished / this.handles.length : null
      this.o.onProgress?.({
        phase: 'process',
        done: finished,
        total,
        etaSeconds: perJob === null ? null : (perJob * (total - finished)) / 1000,
        current: null,
        ...extra,
      })
    }
    emit()
    const active = new Set<Promise<void>>()
    const runOne = async (h: WorkerHandle, claim: NonNullable<ReturnType<typeof claimNext>>): Promise<void> => {
      const jobId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
      const job: JobSpec = {
        jobId,
        scanId: claim.id,
        root: claim.rootPath,
        files: claim.files,
        indexed: claim.indexed,
        outDir: join(this.o.cacheDir, String(claim.id), jobId),
        params: {
          mode: claim.mode ?? this.o.mode ?? 'robust',
          stage: 'mask',
          closingMm: claim.closingMm,
          resample: 'cubic',
          output: 'cache',
          keepHu: this.o.keepHu ?? false,
          // Every worker may use every core (its helper thread, helperThreads.ts), also when the
          // pool already has a worker per core: helpers only claim work a core is free for, and
          // they fill the gaps of the other worker's reads, writes and last scan. Measured on 2
          // cores, 2 workers, 12 full-size scans: 40.5–45.2 s against 44.8–49.0 s with one
          // thread per worker. CT_CURATOR_THREADS (the workers' environment) caps it.
          threads: undefined,
        },
      }
      const startedAt = new Date().toISOString()
      const t0 = Date.now()
      this.slots.set(h, { scanId: claim.id, folder: claim.folder, startedAt })
      h.onStage = () => emit({ current: claim.folder, message: `${h.name}: ${h.stage}` })
      emit({ current: claim.folder, scanId: claim.id, status: 'processing' })
      const outcome = await h.run(job)
      this.slots.delete(h)
      h.onStage = undefined
      if (this.cancelled && !outcome.ok && outcome.error.code === 'CANCELLED') {
        releaseClaim(db, claim.id, this.owner)
        return
      }
      const runId = completeJob(db, {
        job,
        owner: this.owner,
        startedAt,
        version: this.o.version,
        ok: outcome.ok,
        result: outcome.ok ? outcome.result : undefined,
        error: outcome.ok ? undefined : outcome.error,
      })
      // A failed job's partial outputs (64 MB for one scan on a full disk) are not kept.
      if (!outcome.ok) await rm(job.outDir, { recursive: true, force: true }).catch(() => undefined)
      if (runId === null) return // our claim was taken away: someone else records it
      finished++
      busyMs += Date.now() - t0
      if (outcome.ok) done++
      else failed++
      emit({
        current: claim.folder,
        scanId: claim.id,
        status: outcome.ok ? 'done' : 'failed',
        message: outcome.ok ? undefined : `${outcome.error.code}: ${outcome.error.message}`,
      })
    }

    try {
      for (;;) {
        if (this.cancelled) break
        const idle = this.paused ? undefined : this.handles.find((h) => !h.busy)
        const claim = idle ? claimNext(db, this.owner) : null
        if (idle && claim) {
          const p: Promise<void> = runOne(idle, claim).finally(() => {
            active.delete(p)
            this.wake?.()
          })
          active.add(p)
          // Starting a worker forks synchronously (15–45 ms): one per turn of the event loop.
          await new Promise<void>((ok) => setImmediate(ok))
          continue
        }
        if (active.size === 0 && !this.paused) break
        await new Promise<void>((ok) => (this.wake = ok))
        this.wake = null
      }
      await Promise.all(active)
    } finally {
      for (const h of this.handles) h.dispose()
      clearInterval(beat)
      try {
        unregisterEngine(db, this.owner)
      } catch {
        /* database closed under us */
      }
      this.running = false
    }
    return { done, failed, cancelled: this.cancelled, durationMs: Date.now() - started, recovered, sharedWith }
  }
}
