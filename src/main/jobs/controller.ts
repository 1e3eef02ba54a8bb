/**
 * Processing as the app sees it: one engine at a time over the app's database, started,
 * paused, resumed and cancelled through the API, with progress on the event bus.
 */
import type { PipelineMode, ProcessingState } from '../../shared/api'
import type { WorkerPort } from '../../shared/worker'
import type { EventBus } from '../events'
import type { Db } from '../store/db'
import { countByStatus } from '../store/jobs'
import { JobEngine, defaultWorkerCount } from './engine'

export interface ControllerDeps {
  db: Db
  cacheDir: string
  events: EventBus
  spawn: () => WorkerPort
  version: string
}

export class ProcessingController {
  private engine: JobEngine | null = null
  private paused = false
  private lastError: string | null = null
  private lastMode: PipelineMode = 'robust'
  private wanted = false
  private cancelled = false

  constructor(private readonly d: ControllerDeps) {}

  state(): ProcessingState {
    return {
      running: this.engine !== null,
      paused: this.engine !== null && this.paused,
      counts: countByStatus(this.d.db) as ProcessingState['counts'],
      lastError: this.lastError,
      ...(this.engine ? this.engine.snapshot() : { workers: [], run: null }),
    }
  }

  start(opts: { mode?: PipelineMode; workers?: number } = {}): ProcessingState {
    if (this.engine) return this.state()
    this.lastMode = opts.mode ?? 'robust'
    const engine = new JobEngine({
      db: this.d.db,
      cacheDir: this.d.cacheDir,
      spawn: this.d.spawn,
      workers: opts.workers ?? defaultWorkerCount(),
      mode: this.lastMode,
      version: this.d.version,
      onProgress: (e) => this.d.events.emit('onProgress', e),
    })
    this.engine = engine
    this.paused = false
    this.lastError = null
    engine
      .run()
      .catch((err: unknown) => {
        this.lastError = err instanceof Error ? err.message : String(err)
      })
      .finally(() => {
        this.engine = null
        const again = this.wanted && !this.cancelled && (countByStatus(this.d.db).pending ?? 0) > 0
        this.wanted = false
        this.cancelled = false
        if (again) {
          this.start({ mode: this.lastMode })
          return
        }
        this.d.events.emit('onProgress', { phase: 'process', done: 1, total: 1, etaSeconds: 0, current: null, message: 'idle' })
      })
    return this.state()
  }

  /**
   * Starts the engine for work that appeared while it was idle (a reviewer's retry), in the
   * mode of the last run; a running engine picks the new work up by itself.
   */
  ensureRunning(): void {
    if (this.engine) {
      // The engine may be past its last look for work: it checks again as it stops.
      this.wanted = true
      this.engine.poke()
      return
    }
    this.start({ mode: this.lastMode })
  }

  pause(): ProcessingState {
    this.engine?.pause()
    this.paused = this.engine !== null
    return this.state()
  }

  resume(): ProcessingState {
    this.engine?.resume()
    this.paused = false
    return this.state()
  }

  cancel(): ProcessingState {
    if (this.engine) this.cancelled = true
    this.engine?.cancel()
    return this.state()
  }
}
