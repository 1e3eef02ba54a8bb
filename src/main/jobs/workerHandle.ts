/**
 * One class owns one worker's life: starts it, runs one job at a time with a timeout, and
 * turns a crash, a kill or a hang into a failed job with a reason; the next job gets a fresh
 * process. Logs are prefixed with the worker's pid.
 */
import type { ErrorInfo } from '../../shared/errors'
import type { JobSpec, WorkerPort, WorkerToMain } from '../../shared/worker'

export type JobOutcome = { ok: true; result: Record<string, unknown> } | { ok: false; error: ErrorInfo }

export class WorkerHandle {
  private port: WorkerPort | null = null
  private current: { job: JobSpec; resolve(o: JobOutcome): void; timer: NodeJS.Timeout } | null = null
  private disposed = false
  /** The current job's stage, as the worker last reported it. */
  stage: string | null = null
  /** Called when the stage changes (the engine tells the processing panel). */
  onStage?: () => void

  constructor(
    private readonly spawn: () => WorkerPort,
    readonly name: string,
    private readonly timeoutMs: number,
  ) {}

  get busy(): boolean {
    return this.current !== null
  }

  get pid(): number | undefined {
    return this.port?.pid
  }

  private ensure(): WorkerPort {
    if (this.port) return this.port
    const port = this.spawn()
    port.onMessage((m) => this.onMessage(port, m))
    port.onExit((code, signal) => this.onExit(port, code, signal))
    this.port = port
    return port
  }

  run(job: JobSpec): Promise<JobOutcome> {
    if (this.current) throw new Error(`${this.name} is busy`)
    const port = this.ensure()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.finish({
          ok: false,
          error: { code: 'WORKER_TIMEOUT', message: `Processing took longer than ${Math.round(this.timeoutMs / 1000)} s; the worker was stopped.` },
        })
        this.kill()
      }, this.timeoutMs)
      this.current = { job, resolve, timer }
      this.stage = 'reading headers'
      port.postMessage({ type: 'run', job })
    })
  }

  private finish(outcome: JobOutcome): void {
    const c = this.current
    if (!c) return
    clearTimeout(c.timer)
    this.current = null
    c.resolve(outcome)
  }

  private onMessage(port: WorkerPort, m: WorkerToMain): void {
    if (port !== this.port || !this.current) return
    if (m.type === 'progress' && m.jobId === this.current.job.jobId) {
      this.stage = m.stage
      this.onStage?.()
      return
    }
    if (m.type === 'done' && m.jobId === this.current.job.jobId) this.finish({ ok: true, result: m.result as Record<string, unknown> })
    else if (m.type === 'failed' && m.jobId === this.current.job.jobId) this.finish({ ok: false, error: m.error })
  }

  private onExit(port: WorkerPort, code: number | null, signal: string | null): void {
    if (port === this.port) this.port = null
    if (this.disposed) return
    // A worker that dies mid-job fails only that job; an out-of-memory abort shows up here too.
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
    // V8 aborts on heap exhaustion; the kernel's OOM killer sends SIGKILL.
    const oom =
      signal === 'SIGABRT' || code === 134 ? ' (out of memory)' : signal === 'SIGKILL' ? ' (out of memory, or killed from outside)' : ''
    this.finish({ ok: false, error: { code: 'WORKER_CRASHED', message: `Worker pid ${port.pid} ${how}${oom} while processing this scan.` } })
  }

  /** Stops the process (a running job fails with WORKER_CRASHED unless already finished). */
  kill(): void {
    this.port?.kill()
  }

  dispose(): void {
    this.disposed = true
    const p = this.port
    this.port = null
    if (this.current) this.finish({ ok: false, error: { code: 'CANCELLED', message: 'Processing was cancelled.' } })
    if (p) {
      try {
        p.postMessage({ type: 'shutdown' })
      } catch {
        /* already gone */
      }
      setTimeout(() => p.kill(), 2000).unref()
    }
  }
}
