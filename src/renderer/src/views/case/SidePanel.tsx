import type { ScanDetail } from '../../../../shared/api'
import { api } from '../../api'
import { useEffect, useState } from 'react'
import type { SkippedFileInfo } from '../../../../shared/api'
import { Histogram } from './Histogram'

/** Files of this patient's folder that the scan skipped, with their codes. */
function SkippedHere(props: { scanFolder: string }): React.JSX.Element | null {
  const [files, setFiles] = useState<SkippedFileInfo[]>([])
  useEffect(() => {
    let live = true
    api.listSkipped({ folder: props.scanFolder }).then((f) => live && setFiles(f), () => undefined)
    return () => {
      live = false
    }
  }, [props.scanFolder])
  if (!files.length) return null
  return (
    <details className="skipped">
      <summary>
        {files.length} file{files.length === 1 ? '' : 's'} of this patient skipped
      </summary>
      <ul>
        {files.map((f) => (
          <li key={f.path} title={f.message}>
            <span className="mono">{f.path.slice(props.scanFolder.length + 1)}</span> <span className="code">{f.code}</span>
          </li>
        ))}
      </ul>
    </details>
  )
}

const vec = (v: number[] | null, digits = 2): string => (v ? v.map((x) => +x.toFixed(digits)).join(' × ') : '—')
const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)} %`)
const ml = (x: number | null): string => (x === null ? '—' : `${Math.round(x)} mL`)

/** Facts, flags, runs and the decision for the open case. */
export function SidePanel(props: {
  detail: ScanDetail
  closing: number
  onClosing(mm: number): void
  note: string
  onNote(note: string): void
  shownRun: number | undefined
  onShowRun(runId: number): void
  onAccept(): void
  onReject(): void
  onRetry(): void
  children?: React.ReactNode
}): React.JSX.Element {
  const d = props.detail
  const chosen = d.candidates.find((c) => c.chosen)
  return (
    <aside className="detail case-side">
      <div className="actions">
        <button onClick={props.onAccept} title="Accept (a)">
          Accept <kbd>a</kbd>
        </button>
        <button onClick={props.onReject} title="Reject (r)">
          Reject <kbd>r</kbd>
        </button>
        <label title="Radius of the morphological closing used by Retry">
          closing
          <input
            type="number"
            aria-label="Closing radius (mm)"
            min={0}
            max={50}
            step={0.5}
            value={props.closing}
            onChange={(e) => props.onClosing(Number(e.target.value))}
          />
          mm
        </label>
        <button onClick={props.onRetry} title="Retry with closing (c)">
          Retry <kbd>c</kbd>
        </button>
      </div>
      <input
        id="case-note"
        className="note"
        aria-label="Note for the decision (n)"
        placeholder={d.reviewNote ? `Note: ${d.reviewNote}` : 'Note for the decision (n), saved with a / r'}
        value={props.note}
        onChange={(e) => props.onNote(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
      />
      <SkippedHere scanFolder={d.folder} />
      {d.flags.length > 0 && (
        <ul className="flags">
          {d.flags.map((f) => (
            <li key={f.code}>
              <b>{f.code}</b> {f.message}
            </li>
          ))}
        </ul>
      )}
      {props.children}
      <Histogram histogram={d.histogram} />
      <dl>
        <dt>Patient</dt>
        <dd className="copyable" title={d.patientId}>
          {d.patientId}
        </dd>
        <dt>Series</dt>
        <dd className="mono copyable" title={d.seriesUid}>
          {chosen?.description ? `${chosen.description} · ` : ''}
          {d.seriesUid}
        </dd>
        <dt>Scanner</dt>
        <dd>{[d.manufacturer, d.kernel].filter(Boolean).join(' · ') || '—'}</dd>
        <dt>Shape</dt>
        <dd>
          {vec(d.shape, 0)} at {vec(d.spacing)} mm
        </dd>
        <dt>Resampled</dt>
        <dd>
          {vec(d.resampledShape, 0)} {d.resampledSpacing ? `at ${vec(d.resampledSpacing, 3)} mm` : ''}
        </dd>
        <dt>Lung mask</dt>
        <dd>
          {pct(d.maskFraction)} ({ml(d.maskVolumeMl)}: left {ml(d.leftLungMl)}, right {ml(d.rightLungMl)})
        </dd>
        <dt>HU range</dt>
        <dd>{d.huMin === null ? '—' : `${d.huMin} … ${d.huMax}`}</dd>
        <dt>Choice</dt>
        <dd>{d.choiceReason || '—'}</dd>
      </dl>
      {d.candidates.length > 1 && (
        <details className="candidates">
          <summary>{d.candidates.length} series for this patient</summary>
          <ul>
            {d.candidates.map((c) => (
              <li key={c.seriesUid} className={c.chosen ? 'chosen' : undefined}>
                <span title={c.seriesUid}>
                  {c.modality} · {c.images} img · {c.description || c.folder}
                </span>
                <small>{c.choiceReason}</small>
                {!c.chosen && <button onClick={() => void api.chooseSeries({ id: d.id, seriesUid: c.seriesUid })}>Use this series</button>}
              </li>
            ))}
          </ul>
        </details>
      )}
      {d.runs.length > 0 && (
        <table className="runs">
          <caption>Runs — click a finished run to see its mask</caption>
          <thead>
            <tr>
              <th>Run</th>
              <th>Mode</th>
              <th>Closing</th>
              <th className="num">Mask</th>
              <th>Flags</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {d.runs.map((r) => (
              <tr
                key={r.id}
                className={[r.id === props.shownRun ? 'selected' : '', r.status === 'done' ? 'clickable' : ''].join(' ')}
                title={r.error ? `${r.error.code}: ${r.error.message}` : (r.finishedAt ?? '')}
                onClick={() => r.status === 'done' && props.onShowRun(r.id)}
              >
                <td>
                  #{r.id}
                  {r.current ? ' ●' : ''}
                </td>
                <td>{r.mode}</td>
                <td>{r.closingMm ? `${r.closingMm} mm` : '—'}</td>
                <td className="num">{pct(r.maskFraction)}</td>
                <td>{r.flags.map((f) => f.code).join(', ') || '—'}</td>
                <td>
                  <span className={`pill ${r.status}`}>{r.status}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </aside>
  )
}
