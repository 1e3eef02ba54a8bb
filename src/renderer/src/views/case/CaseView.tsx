import { useCallback, useEffect, useState } from 'react'
import type { RunComparison, ScanDetail } from '../../../../shared/api'
import { api } from '../../api'
import type { Decide } from '../../hooks/useDecide'
import { useShortcuts } from '../../hooks/useShortcuts'
import { PRESETS, PRESET_ORDER, WINDOWS, type PresetName } from '../../viewers/presets'
import { BeforeAfter } from './BeforeAfter'
import { CaseViewers } from './CaseViewers'
import { SidePanel } from './SidePanel'
import { SourceSlice } from './SourceSlice'
import { scanOnce } from './prefetch'

export interface CaseViewProps {
  scanId: number
  /** Previous / next scan in the list the reviewer came from (same filters). */
  prev: number | null
  next: number | null
  /** Where in that list, e.g. "12 / 40". */
  position: string | null
  onOpen(id: number | null): void
  onError(message: string): void
  decide: Decide
  /** A retry counts as a decision in the review queue: it moves on. */
  onRetried(id: number): void
  advanceOnRetry: boolean
}


/** The case view: the 3D view and three slice views of one scan, its facts, and the decision. */
export function CaseView(p: CaseViewProps): React.JSX.Element {
  const [detail, setDetail] = useState<ScanDetail | null>(null)
  const [cmp, setCmp] = useState<RunComparison | null>(null)
  const [maskRunId, setMaskRunId] = useState<number | undefined>(undefined)
  const [showBefore, setShowBefore] = useState(false)
  const [maskOn, setMaskOn] = useState(true)
  const [preset, setPreset] = useState<PresetName>('lungs')
  const [win, setWin] = useState<{ width: number; level: number }>(PRESETS.lungs.window)
  const [resetTick, setResetTick] = useState(0)
  const [closing, setClosing] = useState(3)
  const [help, setHelp] = useState(false)
  const [note, setNote] = useState('')
  const { scanId, onError } = p

  const [tick, setTick] = useState(0)
  const reload = useCallback(() => setTick((t) => t + 1), [])
  // A new case starts with its current run and without the before/after overlay. The previous
  // case stays on screen until this one's facts arrive: the viewers live on and swap their
  // data, rather than tearing down a GL context per case.
  const [openFor, setOpenFor] = useState(scanId)
  if (openFor !== scanId) {
    setOpenFor(scanId)
    setCmp(null)
    setMaskRunId(undefined)
    setShowBefore(false)
    setNote('')
  }
  useEffect(() => {
    let live = true
    // Answers for a case the reviewer has already left are dropped. The comparison (Dice reads
    // two masks) comes after the facts, so the viewers start loading at once.
    // The page's own case: its facts were asked for while the code loaded.
    scanOnce(scanId).then(
      (d) => {
        if (!live) return
        setDetail(d)
        if (d.status !== 'done') return setCmp(null)
        api.compareRuns({ id: scanId }).then(
          (c) => live && setCmp(c),
          (e: Error) => live && onError(e.message),
        )
      },
      (e: Error) => live && onError(e.message),
    )
    return () => {
      live = false
    }
  }, [scanId, tick, onError])

  // The open case follows the engine: a retry landing, a review from elsewhere.
  useEffect(
    () =>
      api.onProgress((e) => {
        if (e.scanId === scanId) reload()
      }),
    [scanId, reload],
  )

  const current = detail?.runs.find((r) => r.current)
  const hasVolume = detail?.status === 'done' || (detail?.status !== 'failed' && current?.status === 'done')
  const shownRun = maskRunId ?? current?.id
  const beforeRunId = cmp ? (cmp.after.current ? cmp.before.id : cmp.after.id) : null

  const applyPreset = (name: PresetName): void => {
    setPreset(name)
    setWin(PRESETS[name].window)
  }
  const retry = async (): Promise<void> => {
    if (!detail || detail.id !== scanId) return
    try {
      await api.queueRetry({ id: detail.id, closingMm: closing })
      reload()
      if (p.advanceOnRetry) p.onRetried(detail.id)
    } catch (e) {
      onError((e as Error).message)
    }
  }
  const decide = async (review: 'accepted' | 'rejected', force = false): Promise<void> => {
    if (detail && detail.id === scanId) await p.decide.decide(detail, review, { force, note: note.trim() || undefined })
  }
  const setRun = async (runId: number): Promise<void> => {
    try {
      await api.setCurrentRun({ id: scanId, runId })
      setMaskRunId(undefined)
      setShowBefore(false)
      reload()
    } catch (e) {
      onError((e as Error).message)
    }
  }

  useShortcuts({
    m: () => setMaskOn((v) => !v),
    b: () => cmp && setShowBefore((v) => !v),
    '1': () => applyPreset(PRESET_ORDER[0]!),
    '2': () => applyPreset(PRESET_ORDER[1]!),
    '3': () => applyPreset(PRESET_ORDER[2]!),
    '0': () => setResetTick((t) => t + 1),
    w: () => {
      const i = WINDOWS.findIndex((w) => w.width === win.width && w.level === win.level)
      const n = WINDOWS[(i + 1) % WINDOWS.length]!
      setWin({ width: n.width, level: n.level })
    },
    j: () => p.next !== null && p.onOpen(p.next),
    k: () => p.prev !== null && p.onOpen(p.prev),
    a: () => void decide('accepted'),
    A: () => void decide('accepted', true),
    r: () => void decide('rejected'),
    c: () => void retry(),
    n: () => document.getElementById('case-note')?.focus(),
    Escape: () => (help ? setHelp(false) : p.onOpen(null)),
    '?': () => setHelp((v) => !v),
  })

  if (!detail) return <div className="case loading-case">Loading scan {scanId}…</div>
  const stale = detail.id !== scanId
  return (
    <div className={`case${stale ? ' stale' : ''}`} aria-busy={stale}>
      <div className="case-main">
        <header className="case-head">
          <button onClick={() => p.onOpen(null)} title="Back to the cohort (Esc)">
            ← Cohort
          </button>
          <button onClick={() => p.prev !== null && p.onOpen(p.prev)} disabled={p.prev === null} title="Previous scan (k)">
            ‹
          </button>
          <button onClick={() => p.next !== null && p.onOpen(p.next)} disabled={p.next === null} title="Next scan (j)">
            ›
          </button>
          <h2 title={`${detail.folder} · ${detail.patientId}`}>{detail.folder}</h2>
          {p.position && <span className="muted">{p.position}</span>}
          <span className={`pill ${detail.status}`}>{detail.status}</span>
          <span className={`pill ${detail.review}`}>{detail.review}</span>
          <div className="spacer" />
          {hasVolume && (
            <div className="toolbar-group" role="group" aria-label="Rendering">
              {PRESET_ORDER.map((name, i) => (
                <button key={name} aria-pressed={preset === name} onClick={() => applyPreset(name)} title={`${PRESETS[name].label} (${i + 1})`}>
                  {PRESETS[name].label} <kbd>{i + 1}</kbd>
                </button>
              ))}
              <button aria-pressed={maskOn} onClick={() => setMaskOn((v) => !v)} title="Lung mask surface and overlay (m)">
                Mask <kbd>m</kbd>
              </button>
              <button onClick={() => setResetTick((t) => t + 1)} title="Reset the 3D camera (0)">
                Reset <kbd>0</kbd>
              </button>
              <select
                aria-label="Slice window"
                value={WINDOWS.find((w) => w.width === win.width && w.level === win.level)?.label ?? ''}
                onChange={(e) => {
                  const w = WINDOWS.find((x) => x.label === e.target.value)
                  if (w) setWin({ width: w.width, level: w.level })
                }}
              >
                <option value="" disabled>
                  W {Math.round(win.width)} / L {Math.round(win.level)}
                </option>
                {WINDOWS.map((w) => (
                  <option key={w.label} value={w.label}>
                    {w.label} window
                  </option>
                ))}
              </select>
            </div>
          )}
          <button onClick={() => setHelp((v) => !v)} title="Keyboard shortcuts (?)">
            ?
          </button>
        </header>
        {(detail.status === 'pending' || detail.status === 'processing') && (
          <div className="banner">
            {detail.review === 'retry' || detail.runs.length > 0 ? 'A new run of this scan is under way; the view updates when it lands.' : 'Not processed yet.'}
          </div>
        )}
        {hasVolume && current ? (
          <CaseViewers
            scanId={detail.id}
            maskRunId={maskRunId}
            currentRunId={current.id}
            beforeRunId={beforeRunId}
            showBefore={showBefore}
            maskOn={maskOn}
            preset={preset}
            window={win}
            onWindow={setWin}
            resetTick={resetTick}
            onError={onError}
          />
        ) : (
          <div className="no-volume">
            {detail.error && (
              <div className="case-error" data-testid="case-error" role="alert">
                <b>{detail.error.code}</b> {detail.error.message}
              </div>
            )}
            <SourceSlice key={scanId} scanId={scanId} />
          </div>
        )}
      </div>
      <SidePanel
        detail={detail}
        closing={closing}
        onClosing={setClosing}
        note={note}
        onNote={setNote}
        shownRun={shownRun}
        onShowRun={(id) => setMaskRunId(id === current?.id ? undefined : id)}
        onAccept={() => void decide('accepted')}
        onReject={() => void decide('rejected')}
        onRetry={() => void retry()}
      >
        {cmp && (
          <BeforeAfter
            cmp={cmp}
            showBefore={showBefore}
            onToggle={() => setShowBefore((v) => !v)}
            onAcceptNew={() => void decide('accepted', true)}
            onRevert={() => void setRun(cmp.after.current ? cmp.before.id : cmp.after.id)}
          />
        )}
      </SidePanel>
      {help && <CaseHelp onClose={() => setHelp(false)} />}
    </div>
  )
}

const KEYS: Array<[string, string]> = [
  ['j / k', 'next / previous scan'],
  ['a', 'accept (asks when the mask is flagged; A accepts at once)'],
  ['r', 'reject'],
  ['c', 'retry with the closing radius in the panel'],
  ['u', 'undo the last decision'],
  ['n', 'write a note (kept with the next decision)'],
  ['m', 'lung mask surface and overlay'],
  ['b', 'before / after retry'],
  ['1 / 2 / 3', 'lungs / bone / soft-tissue preset'],
  ['w', 'next slice window'],
  ['0', 'reset the 3D camera'],
  ['↑ ↓ PgUp PgDn, wheel', 'scroll the focused slice view'],
  ['click / right-drag', 'move the crosshair / window-level'],
  ['Esc', 'back to the cohort'],
  ['?', 'this list'],
]

export function CaseHelp(props: { onClose(): void }): React.JSX.Element {
  return (
    <div className="help" role="dialog" aria-label="Keyboard shortcuts" onClick={props.onClose}>
      <table>
        <tbody>
          {KEYS.map(([k, what]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
