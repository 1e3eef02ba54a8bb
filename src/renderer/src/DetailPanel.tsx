import { useEffect, useState } from 'react'
import type { ScanDetail, ScanPreview } from '../../shared/api'
import { api } from './api'

const vec = (v: number[] | null, digits = 2): string => (v ? v.map((x) => +x.toFixed(digits)).join(' × ') : '—')

export function DetailPanel(props: {
  detail: ScanDetail | null
  onAct(fn: () => Promise<unknown>): Promise<void>
}): React.JSX.Element {
  const d = props.detail
  const [closing, setClosing] = useState(3)
  if (!d) return <aside className="detail empty-detail">Select a scan to see its details.</aside>
  return (
    <aside className="detail">
      <h2>{d.folder}</h2>
      <PreviewImage id={d.id} version={`${d.status}:${d.runs.at(-1)?.id ?? 0}`} />
      <dl>
        <dt>Patient</dt>
        <dd>{d.patientId}</dd>
        <dt>Series</dt>
        <dd className="mono">{d.seriesUid}</dd>
        <dt>Shape</dt>
        <dd>{vec(d.shape, 0)}</dd>
        <dt>Spacing (mm)</dt>
        <dd>{vec(d.spacing)}</dd>
        <dt>Choice</dt>
        <dd>{d.choiceReason || '—'}</dd>
        <dt>Resampled</dt>
        <dd>
          {vec(d.resampledShape, 0)} {d.resampledSpacing ? `at ${vec(d.resampledSpacing, 3)} mm` : ''}
        </dd>
        <dt>Lung mask</dt>
        <dd>
          {d.maskFraction === null
            ? '—'
            : `${(d.maskFraction * 100).toFixed(2)} % filled, ${((d.maskFractionNoFill ?? 0) * 100).toFixed(2)} % air only`}
        </dd>
        <dt>HU range</dt>
        <dd>{d.huMin === null ? '—' : `${d.huMin} … ${d.huMax}`}</dd>
        {d.timingsMs && (
          <>
            <dt>Time</dt>
            <dd>{(Object.values(d.timingsMs).reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s</dd>
          </>
        )}
      </dl>
      {d.error && (
        <p className="error-text">
          <b>{d.error.code}</b>: {d.error.message}
        </p>
      )}
      {d.flags.length > 0 && (
        <ul className="flags">
          {d.flags.map((f) => (
            <li key={f.code}>
              <b>{f.code}</b> {f.message}
            </li>
          ))}
        </ul>
      )}
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
                {!c.chosen && (
                  <button onClick={() => void props.onAct(() => api.chooseSeries({ id: d.id, seriesUid: c.seriesUid }))}>
                    Use this series
                  </button>
                )}
              </li>
            ))}
          </ul>
        </details>
      )}
      {d.runs.length > 0 && (
        <table className="runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Mode</th>
              <th>Closing</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {d.runs.map((r) => (
              <tr key={r.id} title={r.error ? `${r.error.code}: ${r.error.message}` : r.finishedAt ?? ''}>
                <td>#{r.id}</td>
                <td>{r.mode}</td>
                <td>{r.closingMm ? `${r.closingMm} mm` : '—'}</td>
                <td>
                  <span className={`pill ${r.status}`}>{r.status}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="actions">
        <button onClick={() => void props.onAct(() => api.setReview({ id: d.id, review: 'accepted' }))}>
          Accept <kbd>a</kbd>
        </button>
        <button onClick={() => void props.onAct(() => api.setReview({ id: d.id, review: 'rejected' }))}>
          Reject <kbd>r</kbd>
        </button>
        <label>
          closing
          <input
            type="number"
            min={0}
            max={50}
            step={0.5}
            value={closing}
            onChange={(e) => setClosing(Number(e.target.value))}
          />
          mm
        </label>
        <button onClick={() => void props.onAct(() => api.queueRetry({ id: d.id, closingMm: closing }))}>
          Retry <kbd>c</kbd>
        </button>
      </div>
    </aside>
  )
}

/** The current result's axial and coronal slices with the mask tinted (fetched per result). */
function PreviewImage(props: { id: number; version: string }): React.JSX.Element | null {
  // Kept with the result it shows, so another scan's picture is never shown for this one.
  const key = `${props.id}/${props.version}`
  const [got, setGot] = useState<{ key: string; preview: ScanPreview | null } | null>(null)
  useEffect(() => {
    let live = true
    api.getPreview({ id: props.id }).then(
      (preview) => live && setGot({ key, preview }),
      () => live && setGot({ key, preview: null }),
    )
    return () => {
      live = false
    }
  }, [props.id, key])
  const preview = got?.key === key ? got.preview : null
  if (!preview) return null
  return (
    <figure className="preview">
      <img src={`data:image/png;base64,${preview.pngBase64}`} alt="Axial and coronal slices with the lung mask tinted" />
      <figcaption>run #{preview.runId}: axial and coronal slices through the most mask, lung window, mask in blue</figcaption>
    </figure>
  )
}
