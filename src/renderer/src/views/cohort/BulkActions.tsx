import { useState } from 'react'
import type { ScanSummary } from '../../../../shared/api'
import { api } from '../../api'

/**
 * Decisions on the filtered selection, each behind a confirmation that names the count:
 * accept every shown scan that carries no flag, or retry every shown scan with closing.
 */
export function BulkActions(props: { shown: ScanSummary[]; onDone(message: string): void; onError(m: string): void }): React.JSX.Element {
  const [closing, setClosing] = useState(3)
  const [asking, setAsking] = useState<null | { what: string; run(): Promise<string> }>(null)
  const clean = props.shown.filter((s) => s.status === 'done' && s.flags.length === 0 && s.review !== 'accepted')
  const retryable = props.shown.filter((s) => s.status === 'done' || s.status === 'failed')
  const ask = (what: string, run: () => Promise<string>) => () => setAsking({ what, run })
  return (
    <div className="bulk" aria-label="Actions on the scans shown">
      <button
        disabled={clean.length === 0}
        onClick={ask(`Accept ${clean.length} scan${clean.length === 1 ? '' : 's'} that carry no flag?`, async () => {
          const r = await api.bulkReview({ ids: clean.map((s) => s.id), review: 'accepted' })
          return `Accepted ${r.changed} scan${r.changed === 1 ? '' : 's'} without flags.`
        })}
      >
        Accept {clean.length} without flags
      </button>
      <span className="inline">
        <button
          disabled={retryable.length === 0}
          onClick={ask(`Retry ${retryable.length} scan${retryable.length === 1 ? '' : 's'} with ${closing} mm closing?`, async () => {
            const r = await api.bulkRetry({ ids: retryable.map((s) => s.id), closingMm: closing })
            return `Queued ${r.changed} retr${r.changed === 1 ? 'y' : 'ies'} with ${closing} mm closing; they run now.`
          })}
        >
          Retry {retryable.length} with closing
        </button>
        <input type="number" aria-label="Bulk closing radius (mm)" min={0} max={50} step={0.5} value={closing} onChange={(e) => setClosing(Number(e.target.value))} /> mm
      </span>
      {asking && (
        <div className="confirm" role="alertdialog" aria-label="Confirm bulk action">
          {asking.what}
          <button
            autoFocus
            onClick={() => {
              const a = asking
              setAsking(null)
              a.run().then(props.onDone, (e: Error) => props.onError(e.message))
            }}
          >
            Confirm
          </button>
          <button onClick={() => setAsking(null)}>Cancel</button>
        </div>
      )}
    </div>
  )
}
