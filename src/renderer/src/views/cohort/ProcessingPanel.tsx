import type { ProcessingState } from '../../../../shared/api'
import { api } from '../../api'

const eta = (s: number | null): string => {
  if (s === null) return 'estimating…'
  if (s < 90) return `${Math.ceil(s)} s left`
  if (s < 5400) return `${Math.round(s / 60)} min left`
  return `${(s / 3600).toFixed(1)} h left`
}

/**
 * The engine's run as the engine reports it (so it survives a reload): done / total, failed,
 * rate, ETA, one line per worker with its scan and stage; pause, resume, cancel.
 */
export function ProcessingPanel(props: { state: ProcessingState; onChange(): void; onError(m: string): void; onOpen(id: number): void }): React.JSX.Element | null {
  const s = props.state
  const run = s.run
  if (!s.running || !run) return null
  const call = (fn: () => Promise<unknown>) => () => void fn().then(props.onChange, (e: Error) => props.onError(e.message))
  const finished = run.done + run.failed
  return (
    <section className="processing-panel" data-testid="processing-panel" aria-label="Processing">
      <div className="pp-head">
        <progress value={finished} max={Math.max(1, run.total)} />
        <b>
          {finished} / {run.total}
        </b>
        <span>
          done {run.done}
          {run.failed > 0 && <span className="bad"> · failed {run.failed}</span>}
        </span>
        <span className="muted">{run.scansPerMinute !== null ? `${run.scansPerMinute.toFixed(1)} scans/min` : ''}</span>
        <span className="muted">{s.paused ? 'paused' : eta(run.etaSeconds)}</span>
        <div className="spacer" />
        {s.paused ? <button onClick={call(() => api.resumeProcessing())}>Resume</button> : <button onClick={call(() => api.pauseProcessing())}>Pause</button>}
        <button onClick={call(() => api.cancelProcessing())} title="Stop; running scans go back to pending">
          Cancel
        </button>
      </div>
      <ul className="pp-workers">
        {s.workers.map((w) => (
          <li key={w.name}>
            <span className="muted">{w.name}</span>{' '}
            {w.scanId !== null ? (
              <>
                <a
                  href={`?scan=${w.scanId}`}
                  onClick={(e) => {
                    e.preventDefault()
                    props.onOpen(w.scanId!)
                  }}
                >
                  {w.folder}
                </a>{' '}
                · {w.stage ?? '…'}
                {w.startedAt && <span className="muted"> · since {new Date(w.startedAt).toLocaleTimeString()}</span>}
              </>
            ) : (
              <span className="muted">{s.paused ? 'paused' : 'idle'}</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  )
}
