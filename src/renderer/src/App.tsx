/**
 * The app shell: toolbar, the view the URL asks for (the cohort, or a case with `?scan=<id>`),
 * the review queue, and the status line. Data comes through the one typed API (`api.ts`);
 * views live in feature folders (`views/open`, `views/cohort`, `views/case`, `views/export`),
 * vtk.js pipelines in `viewers/`.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react'
import type { AppInfo, ReviewStatus } from '../../shared/api'
import { api, transport } from './api'
import { useDecide } from './hooks/useDecide'
import { useProcessing } from './hooks/useProcessing'
import { useQueue } from './hooks/useQueue'
import { useScans } from './hooks/useScans'
import { useShortcuts } from './hooks/useShortcuts'
import { useUrlState } from './hooks/useUrlState'
import './perf' // reads the URL the page was opened with, before any view loads
import { prefetchCase } from './views/case/prefetch'
import { CohortView } from './views/cohort/CohortView'
import { applyFilter, readFilter } from './views/cohort/filters'
import { ExportDialog } from './views/export/ExportDialog'
import { OpenDataset } from './views/open/OpenDataset'

// The case view (vtk.js, most of the code) loads when a case is first opened: the cohort's
// table does not wait for it.
const loadCaseView = (): Promise<{ default: typeof import('./views/case/CaseView').CaseView }> =>
  import('./views/case/CaseView').then((m) => ({ default: m.CaseView }))
const CaseView = lazy(loadCaseView)
// Opened on a case: its code and its volumes start loading now, side by side.
const openedOn = Number(new URLSearchParams(window.location.search).get('scan')) || null
if (openedOn !== null) {
  void loadCaseView()
  prefetchCase(openedOn)
}

export function App(): React.JSX.Element {
  const [info, setInfo] = useState<AppInfo | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [openDialog, setOpenDialog] = useState(false)
  const [exporting, setExporting] = useState(false)
  const [params, setParams] = useUrlState()
  const { scans, refresh } = useScans()
  const proc = useProcessing()
  const queue = useQueue()
  const filter = useMemo(() => readFilter(params), [params])
  const shown = useMemo(() => applyFilter(scans ?? [], filter), [scans, filter])
  const scanId = Number(params.get('scan')) || null
  const inQueue =
    params.get('queue') === 'flagged' && queue.ids !== null && scanId !== null && queue.ids.includes(scanId)

  const loadInfo = useCallback(() => api.getInfo().then(setInfo, (e: Error) => setError(e.message)), [])
  useEffect(() => {
    void loadInfo()
  }, [loadInfo])

  const open = useCallback(
    (id: number | null) => setParams({ scan: id === null ? null : String(id), queue: null }),
    [setParams],
  )

  // The list j/k walks: the queue when reviewing it, else the cohort as filtered.
  const order = inQueue ? queue.ids! : shown.map((s) => s.id)
  const index = scanId === null ? -1 : order.indexOf(scanId)
  const prev = index > 0 ? order[index - 1]! : null
  const next = index >= 0 && index < order.length - 1 ? order[index + 1]! : null
  const byId = useMemo(() => new Map((scans ?? []).map((s) => [s.id, s])), [scans])
  const decidedInQueue = inQueue ? queue.ids!.filter((id) => byId.get(id)?.review !== 'unreviewed').length : 0

  const onDecided = useCallback(
    (id: number, review: ReviewStatus) => {
      void refresh()
      if (inQueue && queue.ids) {
        // Next undecided scan of the queue after this one (then from the top); none left: done.
        const ids = queue.ids
        const at = ids.indexOf(id)
        const undecided = (x: number): boolean => x !== id && byId.get(x)?.review === 'unreviewed'
        const nextId = ids.slice(at + 1).find(undecided) ?? ids.slice(0, at).find(undecided)
        if (nextId !== undefined) setParams({ scan: String(nextId), queue: 'flagged' })
        else {
          setNotice(
            `Review queue finished: ${ids.length} scan${ids.length === 1 ? '' : 's'} decided (last: ${review}).`,
          )
          queue.stop()
          setParams({ scan: null, queue: null })
        }
        return
      }
      // Deciding moves on: the next scan in the list the reviewer is walking.
      if (scanId === id && next !== null) open(next)
    },
    [refresh, inQueue, queue, byId, setParams, scanId, next, open],
  )
  const decide = useDecide(onDecided, setError)

  // A confirmation owns Enter and Escape while it is up, before any view's shortcuts.
  useEffect(() => {
    if (!decide.confirming) return
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Enter' || e.key === 'A') {
        e.preventDefault()
        e.stopImmediatePropagation()
        void decide.confirm()
      } else if (e.key === 'Escape') {
        e.preventDefault()
        e.stopImmediatePropagation()
        decide.cancel()
      }
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [decide])

  useShortcuts({
    u: () =>
      void decide.undo().then((d) => {
        if (!d) return
        void refresh()
        setNotice(`Undone: ${byId.get(d.scanId)?.folder ?? `scan ${d.scanId}`} is ${d.previous.review} again.`)
        setParams({
          scan: String(d.scanId),
          queue: inQueue || (queue.ids?.includes(d.scanId) ?? false) ? 'flagged' : null,
        })
      }),
  })

  const startQueue = (ids: number[]): void => {
    if (!ids.length) return
    queue.start(ids)
    setParams({ scan: String(ids[0]), queue: 'flagged' })
  }
  const opened = (): void => {
    setOpenDialog(false)
    void loadInfo()
    void refresh()
    proc.refresh()
    setParams({ scan: null, queue: null, flag: null, status: null, review: null, q: null })
  }

  const s = proc.state
  const empty = scans !== null && scans.length === 0
  return (
    <div className="app">
      <header className="toolbar">
        <h1>
          CT Curator <span className="version">{info ? `v${info.version}` : ''}</span>
        </h1>
        <div className="dataset" title={`${info?.roots.join('\n') ?? ''}\n${info?.dbPath ?? ''}`}>
          {info?.roots.length ? info.roots.map((r) => r.split(/[\\/]/).filter(Boolean).pop()).join(', ') : 'no dataset'}
          <span className="db"> · {info?.dbPath.split(/[\\/]/).pop() ?? '…'}</span>
        </div>
        <button onClick={() => setOpenDialog((v) => !v)} aria-expanded={openDialog}>
          Open dataset…
        </button>
        <div className="spacer" />
        {!s?.running ? (
          <button
            onClick={() => void api.startProcessing().then(proc.refresh, (e: Error) => setError(e.message))}
            disabled={!s || s.counts.pending === 0}
            title="Preprocess every pending scan"
          >
            Process{s?.counts.pending ? ` ${s.counts.pending}` : ''}
          </button>
        ) : (
          <span className="muted">processing…</span>
        )}
        <button onClick={() => setExporting(true)} disabled={!scans?.length} title="Export a de-identified dataset">
          Export…
        </button>
        <span className="db">{transport === 'http' ? 'web host' : 'desktop'}</span>
      </header>

      {error && (
        <div className="error" role="alert">
          {error}
          <button onClick={() => setError(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {notice && (
        <div className="notice" role="status">
          {notice}
          <button onClick={() => setNotice(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {decide.confirming && (
        <div className="confirm" role="alertdialog" aria-label="Confirm accept">
          <b>{decide.confirming.scan.folder}</b> carries mask flags ({decide.confirming.flags.join(', ')}): accept this
          mask anyway?
          <button onClick={() => void decide.confirm()}>
            Accept anyway <kbd>Enter</kbd>
          </button>
          <button onClick={decide.cancel}>
            Cancel <kbd>Esc</kbd>
          </button>
        </div>
      )}
      {inQueue && (
        <div className="queue-bar">
          <span data-testid="queue-progress">
            Review queue: {decidedInQueue} / {queue.ids!.length} decided · scan {index + 1} of {queue.ids!.length}
          </span>
          <span className="muted">a accept · r reject · c retry · u undo · n note</span>
          <button
            onClick={() => {
              queue.stop()
              setParams({ scan: null, queue: null })
            }}
          >
            Leave the queue
          </button>
        </div>
      )}

      <main className="content">
        {openDialog && !empty && <OpenDataset compact onOpened={opened} onError={setError} />}
        {scanId !== null ? (
          <Suspense fallback={<div className="empty">Loading the case view…</div>}>
            <CaseView
              key="case"
              scanId={scanId}
              prev={prev}
              next={next}
              position={index >= 0 ? `${index + 1} / ${order.length}` : null}
              onOpen={(id) => (inQueue && id !== null ? setParams({ scan: String(id), queue: 'flagged' }) : open(id))}
              onError={setError}
              decide={decide}
              onRetried={(id) => onDecided(id, 'retry')}
              advanceOnRetry={inQueue}
            />
          </Suspense>
        ) : scans === null ? (
          <div className="empty">Loading…</div>
        ) : empty ? (
          <OpenDataset onOpened={opened} onError={setError} />
        ) : (
          <CohortView
            all={scans}
            shown={shown}
            filter={filter}
            view={params.get('view') === 'sheet' ? 'sheet' : 'table'}
            setParams={setParams}
            onOpen={open}
            onStartQueue={startQueue}
            proc={proc}
            decide={decide}
            onError={setError}
            onNotice={(m) => {
              setNotice(m)
              void refresh()
            }}
          />
        )}
      </main>
      <ExportDialog open={exporting} onClose={() => setExporting(false)} />

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
          <span>Ready · press ? in a case for its keys</span>
        )}
      </footer>
    </div>
  )
}
