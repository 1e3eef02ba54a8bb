import { useCallback, useEffect, useMemo, useState } from 'react'
import type { AppInfo, ProcessingState, ProgressEvent, ScanDetail, ScanSummary } from '../../shared/api'
import { api, transport } from './api'
import { ScanTable } from './ScanTable'
import { DetailPanel } from './DetailPanel'
import { useShortcuts } from './useShortcuts'

export function App(): React.JSX.Element {
  const [info, setInfo] = useState<AppInfo | null>(null)
  const [scans, setScans] = useState<ScanSummary[]>([])
  const [selected, setSelected] = useState<number | null>(null)
  const [detail, setDetail] = useState<ScanDetail | null>(null)
  const [progress, setProgress] = useState<ProgressEvent | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [root, setRoot] = useState('')
  const [busy, setBusy] = useState(false)
  const [proc, setProc] = useState<ProcessingState | null>(null)

  const refresh = useCallback(async () => {
    try {
      setScans(await api.listScans())
    } catch (e) {
      setError((e as Error).message)
    }
  }, [])

  useEffect(() => {
    const fail = (e: Error): void => setError(e.message)
    api.getInfo().then(setInfo, fail)
    api.listScans().then(setScans, fail)
    api.getProcessingState().then(setProc, fail)
    return api.onProgress((p) => {
      setProgress(p)
      if (p.scanId !== undefined || p.done === p.total) {
        void refresh()
        api.getProcessingState().then(setProc, fail)
      }
    })
  }, [refresh])

  useEffect(() => {
    if (selected === null) return
    let live = true
    api.getScan({ id: selected }).then(
      (d) => live && setDetail(d),
      (e: Error) => live && setError(e.message),
    )
    return () => {
      live = false
    }
  }, [selected, scans])

  const counts = useMemo(() => {
    const c = { total: scans.length, done: 0, failed: 0, flagged: 0, accepted: 0, rejected: 0 }
    for (const s of scans) {
      if (s.status === 'done') c.done++
      if (s.status === 'failed') c.failed++
      if (s.flags.length) c.flagged++
      if (s.review === 'accepted') c.accepted++
      if (s.review === 'rejected') c.rejected++
    }
    return c
  }, [scans])

  const act = useCallback(
    async (fn: () => Promise<unknown>) => {
      setError(null)
      try {
        await fn()
        await refresh()
      } catch (e) {
        setError((e as Error).message)
      }
    },
    [refresh],
  )

  const scan = async (): Promise<void> => {
    if (!root.trim()) return
    setBusy(true)
    await act(() => api.scanRoot({ root: root.trim() }))
    setBusy(false)
  }

  useShortcuts({
    next: () => move(1),
    prev: () => move(-1),
    accept: () => selected !== null && void act(() => api.setReview({ id: selected, review: 'accepted' })),
    reject: () => selected !== null && void act(() => api.setReview({ id: selected, review: 'rejected' })),
    retry: () => selected !== null && void act(() => api.queueRetry({ id: selected, closingMm: 3 })),
  })
  function move(d: number): void {
    if (!scans.length) return
    const i = scans.findIndex((s) => s.id === selected)
    const n = Math.max(0, Math.min(scans.length - 1, i < 0 ? 0 : i + d))
    setSelected(scans[n]!.id)
  }

  return (
    <div className="app">
      <header className="toolbar">
        <h1>
          CT Curator <span className="version">{info ? `v${info.version}` : ''}</span>
        </h1>
        <form
          className="root-form"
          onSubmit={(e) => {
            e.preventDefault()
            void scan()
          }}
        >
          <input
            aria-label="Root folder"
            placeholder="Folder of patient folders, e.g. /data/cohort"
            value={root}
            onChange={(e) => setRoot(e.target.value)}
          />
          <button type="submit" disabled={busy || !root.trim()}>
            {busy ? 'Scanning…' : 'Scan'}
          </button>
        </form>
        <ProcessControls state={proc} onChange={setProc} onError={setError} />
        <div className="db" title={info?.dbPath}>
          {transport === 'http' ? 'web host' : 'desktop'} · {info?.dbPath.split(/[\\/]/).pop() ?? '…'}
        </div>
      </header>

      <section className="counts" aria-label="Summary">
        <Count label="Scans" value={counts.total} />
        <Count label="Done" value={counts.done} tone="ok" />
        <Count label="Failed" value={counts.failed} tone="bad" />
        <Count label="Flagged" value={counts.flagged} tone="warn" />
        <Count label="Accepted" value={counts.accepted} tone="ok" />
        <Count label="Rejected" value={counts.rejected} tone="bad" />
      </section>

      {error && (
        <div className="error" role="alert">
          {error}
          <button onClick={() => setError(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}

      <main className="content">
        {scans.length === 0 ? (
          <div className="empty">
            <h2>No scans yet</h2>
            <p>
              Type a folder of patient folders above and press <kbd>Scan</kbd>, or create a synthetic cohort
              first:
            </p>
            <pre>npx ct-curator demo ./demo-cohort</pre>
            <p className="hint">
              Shortcuts: <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>a</kbd> accept · <kbd>r</kbd> reject · <kbd>c</kbd>{' '}
              retry with 3 mm closing
            </p>
          </div>
        ) : (
          <>
            <ScanTable scans={scans} selected={selected} onSelect={setSelected} />
            <DetailPanel detail={detail?.id === selected ? detail : null} onAct={act} />
          </>
        )}
      </main>

      <footer className="status">
        {progress && progress.done < progress.total ? (
          <>
            <progress value={progress.done} max={progress.total} />
            <span>
              {progress.phase} {progress.done}/{progress.total}
              {progress.etaSeconds !== null ? ` · ${Math.ceil(progress.etaSeconds)} s left` : ''}
              {progress.current ? ` · ${progress.current}` : ''}
            </span>
          </>
        ) : (
          <span>Ready</span>
        )}
      </footer>
    </div>
  )
}

function ProcessControls(props: {
  state: ProcessingState | null
  onChange(s: ProcessingState): void
  onError(m: string): void
}): React.JSX.Element {
  const s = props.state
  const call = (fn: () => Promise<ProcessingState>) => () => void fn().then(props.onChange, (e: Error) => props.onError(e.message))
  if (!s?.running) {
    const pending = s?.counts.pending ?? 0
    return (
      <button onClick={call(() => api.startProcessing())} disabled={pending === 0} title="Preprocess every pending scan">
        Process{pending ? ` ${pending}` : ''}
      </button>
    )
  }
  return (
    <div className="proc">
      {s.paused ? (
        <button onClick={call(() => api.resumeProcessing())}>Resume</button>
      ) : (
        <button onClick={call(() => api.pauseProcessing())}>Pause</button>
      )}
      <button onClick={call(() => api.cancelProcessing())}>Cancel</button>
    </div>
  )
}

function Count(props: { label: string; value: number; tone?: 'ok' | 'bad' | 'warn' }): React.JSX.Element {
  return (
    <div className={`count ${props.tone ?? ''}`}>
      <div className="value">{props.value}</div>
      <div className="label">{props.label}</div>
    </div>
  )
}
