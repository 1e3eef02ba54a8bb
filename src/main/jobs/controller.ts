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

  constructor(private readonly d: ControllerDeps) {}

  state(): ProcessingState {
    return {
      running: this.engine !== null,
      paused: this.engine !== null && this.paused,
      counts: countByStatus(this.d.db) as ProcessingState['counts'],
      lastError: this.lastError,
    }
  }

  start(opts: { mode?: PipelineMode; workers?: number } = {}): ProcessingState {
    if (this.engine) return this.state()
    const engine = new JobEngine({
      db: this.d.db,
      cacheDir: this.d.cacheDir,
      spawn: this.d.spawn,
      workers: opts.workers ?? defaultWorkerCount(),
      mode: opts.mode ?? 'robust',
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
        this.d.events.emit('onProgress', { phase: 'process', done: 1, total: 1, etaSeconds: 0, current: null, message: 'idle' })
      })
    return this.state()
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
    this.engine?.cancel()
    return this.state()
  }
}
