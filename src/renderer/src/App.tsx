/**
 * The app shell: toolbar, the view the URL asks for (the cohort, or a case with `?scan=<id>`),
 * and the status line. Data comes through the one typed API (`api.ts`); views live in feature
 * folders (`views/cohort`, `views/case`, `views/export`), vtk.js pipelines in `viewers/`.
 */
import { useCallback, useEffect, useMemo, useState } from 'react'
import type { AppInfo } from '../../shared/api'
import { api, transport } from './api'
import { useDecide } from './hooks/useDecide'
import { useProcessing } from './hooks/useProcessing'
import { useScans } from './hooks/useScans'
import { useShortcuts } from './hooks/useShortcuts'
import { useUrlState } from './hooks/useUrlState'
import { CaseView } from './views/case/CaseView'
import { CohortView } from './views/cohort/CohortView'
import { applyFilter, readFilter } from './views/cohort/filters'

export function App(): React.JSX.Element {
  const [info, setInfo] = useState<AppInfo | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [root, setRoot] = useState('')
  const [busy, setBusy] = useState(false)
  const [params, setParams] = useUrlState()
  const { scans, refresh } = useScans()
  const proc = useProcessing()
  const filter = useMemo(() => readFilter(params), [params])
  const shown = useMemo(() => applyFilter(scans ?? [], filter), [scans, filter])
  const scanId = Number(params.get('scan')) || null

  useEffect(() => {
    api.getInfo().then(setInfo, (e: Error) => setError(e.message))
  }, [])

  const open = useCallback((id: number | null) => setParams({ scan: id === null ? null : String(id) }), [setParams])
  const index = scanId === null ? -1 : shown.findIndex((s) => s.id === scanId)
  const prev = index > 0 ? shown[index - 1]!.id : null
  const next = index >= 0 && index < shown.length - 1 ? shown[index + 1]!.id : null

  const onDecided = useCallback(() => {
    void refresh()
    // Deciding moves on: the next scan in the list the reviewer is walking.
    if (next !== null) open(next)
  }, [refresh, next, open])
  const decide = useDecide(onDecided, setError)

  useShortcuts({
    u: () =>
      void decide.undo().then((d) => {
        if (d) {
          void refresh()
          open(d.scanId)
        }
      }),
  })

  const scan = async (): Promise<void> => {
    if (!root.trim()) return
    setBusy(true)
    setError(null)
    try {
      await api.scanRoot({ root: root.trim() })
      await refresh()
    } catch (e) {
      setError((e as Error).message)
    }
    setBusy(false)
  }

  const s = proc.state
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
          <input aria-label="Root folder" placeholder="Folder of patient folders, e.g. /data/cohort" value={root} onChange={(e) => setRoot(e.target.value)} />
          <button type="submit" disabled={busy || !root.trim()}>
            {busy ? 'Scanning…' : 'Scan'}
          </button>
        </form>
        {!s?.running ? (
          <button onClick={() => void api.startProcessing().then(proc.refresh, (e: Error) => setError(e.message))} disabled={!s || s.counts.pending === 0} title="Preprocess every pending scan">
            Process{s?.counts.pending ? ` ${s.counts.pending}` : ''}
          </button>
        ) : (
          <div className="proc">
            {s.paused ? (
              <button onClick={() => void api.resumeProcessing().then(proc.refresh)}>Resume</button>
            ) : (
              <button onClick={() => void api.pauseProcessing().then(proc.refresh)}>Pause</button>
            )}
            <button onClick={() => void api.cancelProcessing().then(proc.refresh)}>Cancel</button>
          </div>
        )}
        <div className="db" title={info?.dbPath}>
          {transport === 'http' ? 'web host' : 'desktop'} · {info?.dbPath.split(/[\\/]/).pop() ?? '…'}
        </div>
      </header>

      {error && (
        <div className="error" role="alert">
          {error}
          <button onClick={() => setError(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {decide.confirming && (
        <div className="confirm" role="alertdialog" aria-label="Confirm accept">
          <b>{decide.confirming.scan.folder}</b> carries mask flags ({decide.confirming.flags.join(', ')}): accept this mask anyway?
          <button onClick={() => void decide.confirm()}>
            Accept anyway <kbd>Enter</kbd>
          </button>
          <button onClick={decide.cancel}>
            Cancel <kbd>Esc</kbd>
          </button>
        </div>
      )}

      <main className="content">
        {scanId !== null ? (
          <CaseView
            key="case"
            scanId={scanId}
            prev={prev}
            next={next}
            position={index >= 0 ? `${index + 1} / ${shown.length}` : null}
            onOpen={open}
            onError={setError}
            decide={decide}
          />
        ) : scans === null ? (
          <div className="empty">Loading…</div>
        ) : scans.length === 0 ? (
          <div className="empty">
            <h2>No scans yet</h2>
            <p>
              Type a folder of patient folders above and press <kbd>Scan</kbd>, or create a synthetic cohort first:
            </p>
            <pre>npx ct-curator demo ./demo-cohort</pre>
          </div>
        ) : (
          <CohortView all={scans} shown={shown} filter={filter} setParams={setParams} onOpen={open} />
        )}
      </main>

      <footer className="status">
        {proc.progress && proc.progress.done < proc.progress.total ? (
          <>
            <progress value={proc.progress.done} max={proc.progress.total} />
            <span>
              {proc.progress.phase} {proc.progress.done}/{proc.progress.total}
              {proc.progress.etaSeconds !== null ? ` · ${Math.ceil(proc.progress.etaSeconds)} s left` : ''}
              {proc.progress.current ? ` · ${proc.progress.current}` : ''}
            </span>
          </>
        ) : (
          <span>Ready</span>
        )}
      </footer>
    </div>
  )
}
