/**
 * The Export dialog: where to write the dataset and in what shape, a progress bar with ETA
 * while it runs, and a summary at the end (exported, skipped and why, size, time). It talks to
 * the core only through `api.exportDataset` and the `export` progress events, so it works the
 * same under Electron and in a browser. Self-contained (inline styles over the app's colour
 * variables) so it can be mounted anywhere.
 */
import { useEffect, useRef, useState } from 'react'
import type { ExportFormat, ExportInclude, ExportLayout, ExportResult, ExportSkipCode, ProgressEvent } from '../../../../shared/api'
import { api } from '../../api'

export interface ExportDialogProps {
  open: boolean
  onClose(): void
}

const INCLUDE_LABEL: Record<ExportInclude, string> = {
  accepted: 'Accepted scans',
  done: 'Every processed scan not rejected',
  all: 'Every processed scan (rejected too)',
}
const LAYOUT_LABEL: Record<ExportLayout, string> = {
  plain: 'Plain: one folder per case',
  nnunet: 'nnU-Net v2 (imagesTr / labelsTr)',
  monai: 'MONAI (plain + datalist.json)',
}
const SKIP_LABEL: Record<ExportSkipCode, string> = {
  not_accepted: 'not accepted',
  rejected: 'rejected',
  not_processed: 'not processed',
  failed: 'failed',
  cache_missing: 'cache missing',
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`
  return `${n} B`
}

export function formatDuration(seconds: number): string {
  const t = Math.max(0, Math.round(seconds))
  if (t < 60) return `${t} s`
  if (t < 3600) return `${Math.floor(t / 60)} min ${String(t % 60).padStart(2, '0')} s`
  return `${Math.floor(t / 3600)} h ${String(Math.floor((t % 3600) / 60)).padStart(2, '0')} min`
}

const s = {
  backdrop: { position: 'fixed', inset: 0, background: 'rgba(0, 0, 0, 0.55)', display: 'grid', placeItems: 'center', zIndex: 50 },
  dialog: {
    width: 'min(560px, calc(100vw - 32px))',
    maxHeight: 'calc(100vh - 32px)',
    overflow: 'auto',
    background: 'var(--panel)',
    color: 'var(--text)',
    border: '1px solid var(--line)',
    borderRadius: 10,
    padding: '16px 20px',
    boxShadow: '0 12px 40px rgba(0, 0, 0, 0.5)',
  },
  row: { display: 'grid', gridTemplateColumns: '130px 1fr', gap: 8, alignItems: 'center', margin: '8px 0' },
  input: { width: '100%', background: 'var(--bg)', color: 'var(--text)', border: '1px solid var(--line)', borderRadius: 6, padding: '5px 8px' },
  hint: { color: 'var(--muted)', fontSize: 12 },
  bar: { height: 10, background: 'var(--bg)', border: '1px solid var(--line)', borderRadius: 5, overflow: 'hidden' },
  actions: { display: 'flex', gap: 8, justifyContent: 'flex-end', marginTop: 14 },
  error: { color: 'var(--bad)', border: '1px solid var(--bad)', borderRadius: 6, padding: '6px 10px', margin: '8px 0' },
} satisfies Record<string, React.CSSProperties>

export function ExportDialog({ open, onClose }: ExportDialogProps): React.JSX.Element | null {
  const [outDir, setOutDir] = useState('')
  const [include, setInclude] = useState<ExportInclude>('accepted')
  const [formats, setFormats] = useState<Record<ExportFormat, boolean>>({ npy: true, nifti: true })
  const [layout, setLayout] = useState<ExportLayout>('plain')
  const [dilate, setDilate] = useState('0')
  const [normalized, setNormalized] = useState(false)
  const [fsync, setFsync] = useState(false)
  const [running, setRunning] = useState(false)
  const [progress, setProgress] = useState<ProgressEvent | null>(null)
  const [result, setResult] = useState<ExportResult | null>(null)
  const [error, setError] = useState<string | null>(null)
  const first = useRef<HTMLInputElement>(null)

  // Progress of exports only; the subscription lives as long as the dialog is open.
  useEffect(() => {
    if (!open) return
    return api.onProgress((e) => {
      if (e.phase === 'export') setProgress(e)
    })
  }, [open])

  // The parent may pass a new onClose on every render: read it through a ref, so the listener
  // (and the focus) are set up once per opening, not on every re-render of the app.
  const closeRef = useRef(onClose)
  useEffect(() => {
    closeRef.current = onClose
  }, [onClose])
  useEffect(() => {
    if (!open) return
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        e.stopPropagation()
        closeRef.current()
      }
    }
    window.addEventListener('keydown', onKey, true)
    first.current?.focus()
    return () => window.removeEventListener('keydown', onKey, true)
  }, [open])

  if (!open) return null

  const chosen = (Object.keys(formats) as ExportFormat[]).filter((f) => formats[f])
  const dilateMm = Number(dilate)
  const problem =
    outDir.trim() === ''
      ? 'Choose the dataset folder (an absolute path).'
      : chosen.length === 0
        ? 'Choose at least one format.'
        : layout === 'nnunet' && !formats.nifti
          ? 'The nnU-Net layout is made of NIfTI files: tick NIfTI.'
          : !(Number.isFinite(dilateMm) && dilateMm >= 0 && dilateMm <= 50)
            ? 'Dilation is a number of millimetres from 0 to 50.'
            : null

  const start = async (): Promise<void> => {
    setRunning(true)
    setError(null)
    setResult(null)
    setProgress(null)
    try {
      setResult(await api.exportDataset({ outDir: outDir.trim(), include, formats: chosen, layout, dilateMm, normalized, fsync }))
    } catch (err) {
      const e = err as { code?: string; message?: string }
      setError(`${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`)
    } finally {
      setRunning(false)
    }
  }

  const frac = progress && progress.total > 0 ? progress.done / progress.total : 0
  const skippedBy = new Map<ExportSkipCode, number>()
  for (const k of result?.skipped ?? []) skippedBy.set(k.code, (skippedBy.get(k.code) ?? 0) + 1)

  return (
    <div style={s.backdrop} onMouseDown={(e) => e.target === e.currentTarget && !running && onClose()}>
      <div role="dialog" aria-modal="true" aria-labelledby="export-title" data-testid="export-dialog" style={s.dialog}>
        <h2 id="export-title" style={{ margin: '0 0 4px', fontSize: 18 }}>
          Export dataset
        </h2>
        <div style={s.hint}>De-identified: cases are named by pseudonyms; no names, IDs, dates, UIDs or folder names are written.</div>

        <label style={s.row}>
          <span>Folder</span>
          <input
            ref={first}
            data-testid="export-outdir"
            style={s.input}
            value={outDir}
            placeholder="/path/to/new-dataset"
            disabled={running}
            onChange={(e) => setOutDir(e.target.value)}
          />
        </label>
        <label style={s.row}>
          <span>Include</span>
          <select data-testid="export-include" style={s.input} value={include} disabled={running} onChange={(e) => setInclude(e.target.value as ExportInclude)}>
            {(Object.keys(INCLUDE_LABEL) as ExportInclude[]).map((k) => (
              <option key={k} value={k}>
                {INCLUDE_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
        <div style={s.row}>
          <span>Formats</span>
          <span style={{ display: 'flex', gap: 16 }}>
            <label>
              <input type="checkbox" data-testid="export-format-npy" checked={formats.npy} disabled={running} onChange={(e) => setFormats({ ...formats, npy: e.target.checked })} /> NumPy (.npy)
            </label>
            <label>
              <input type="checkbox" data-testid="export-format-nifti" checked={formats.nifti} disabled={running} onChange={(e) => setFormats({ ...formats, nifti: e.target.checked })} /> NIfTI (.nii.gz)
            </label>
          </span>
        </div>
        <label style={s.row}>
          <span>Layout</span>
          <select data-testid="export-layout" style={s.input} value={layout} disabled={running} onChange={(e) => setLayout(e.target.value as ExportLayout)}>
            {(Object.keys(LAYOUT_LABEL) as ExportLayout[]).map((k) => (
              <option key={k} value={k}>
                {LAYOUT_LABEL[k]}
              </option>
            ))}
          </select>
        </label>
        <label style={s.row}>
          <span>Dilate mask (mm)</span>
          <input data-testid="export-dilate" style={{ ...s.input, width: 90 }} type="number" min={0} max={50} step={0.5} value={dilate} disabled={running} onChange={(e) => setDilate(e.target.value)} />
        </label>
        <label style={s.row}>
          <span>Normalised</span>
          <span>
            <input type="checkbox" data-testid="export-normalized" checked={normalized} disabled={running} onChange={(e) => setNormalized(e.target.checked)} />{' '}
            <span style={s.hint}>also ct_norm.npy: [−1000, 400] HU to [0, 1], minus the dataset's mean</span>
          </span>
        </label>
        <label style={s.row}>
          <span>Flush to disk</span>
          <span>
            <input type="checkbox" data-testid="export-fsync" checked={fsync} disabled={running} onChange={(e) => setFsync(e.target.checked)} />{' '}
            <span style={s.hint}>safe even against a power cut right after the export; slower</span>
          </span>
        </label>

        {problem && !running && !result && <div style={s.hint}>{problem}</div>}
        {error && (
          <div role="alert" data-testid="export-error" style={s.error}>
            {error}
          </div>
        )}

        {(running || (progress && !result && !error)) && (
          <div data-testid="export-progress" style={{ margin: '12px 0' }}>
            <div style={s.bar} role="progressbar" aria-valuemin={0} aria-valuemax={progress?.total ?? 0} aria-valuenow={progress?.done ?? 0}>
              <div style={{ width: `${Math.round(frac * 100)}%`, height: '100%', background: 'var(--accent)', transition: 'width 0.2s' }} />
            </div>
            <div style={{ ...s.hint, marginTop: 4 }}>
              {progress ? `${progress.done} / ${progress.total}` : 'Starting…'}
              {progress?.etaSeconds != null && progress.done < progress.total ? ` · about ${formatDuration(progress.etaSeconds)} left` : ''}
              {progress?.current ? ` · ${progress.current}` : ''}
            </div>
          </div>
        )}

        {result && (
          <div data-testid="export-summary" style={{ margin: '12px 0', borderTop: '1px solid var(--line)', paddingTop: 10 }}>
            <div>
              <strong>{result.exported}</strong> case{result.exported === 1 ? '' : 's'} exported, <strong>{result.skipped.length}</strong> skipped ·{' '}
              {formatBytes(result.bytes)} in {formatDuration(result.durationMs / 1000)}
              {result.resumed > 0 ? ` · ${result.resumed} taken over from an interrupted run` : ''}
            </div>
            <div style={{ ...s.hint, wordBreak: 'break-all' }}>{result.outDir}</div>
            <div style={s.hint}>Dataset pixel mean (after normalisation): {result.pixelMean.toFixed(4)}</div>
            {result.skipped.length > 0 && (
              <details style={{ marginTop: 6 }}>
                <summary>
                  Skipped: {[...skippedBy].map(([code, n]) => `${n} ${SKIP_LABEL[code]}`).join(', ')}
                </summary>
                <ul data-testid="export-skipped" style={{ margin: '4px 0', paddingLeft: 18, maxHeight: 160, overflow: 'auto' }}>
                  {result.skipped.map((k) => (
                    <li key={k.scanId}>
                      <span style={{ fontFamily: 'ui-monospace, monospace', fontSize: 12 }}>{k.folder}</span>: {k.message}
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </div>
        )}

        <div style={s.actions}>
          <button type="button" data-testid="export-close" onClick={onClose}>
            {result ? 'Done' : running ? 'Hide' : 'Cancel'}
          </button>
          <button type="button" data-testid="export-start" disabled={running || problem !== null} onClick={() => void start()}>
            {running ? 'Exporting…' : result ? 'Export again' : 'Export'}
          </button>
        </div>
      </div>
    </div>
  )
}
