import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useEffect, useRef, useState } from 'react'
import type { ScanSummary } from '../../../../shared/api'
import { loadBinary } from '../../api'

const TILE_W = 244
const TILE_H = 190

/**
 * Every scan's picture in a grid, for the failure no flag catches: lazy (only tiles on screen
 * exist and load), with the mask tint, flags and review on each tile. Click or Enter opens.
 */
export function ContactSheet(props: { scans: ScanSummary[]; onOpen(id: number): void }): React.JSX.Element {
  const scroller = useRef<HTMLDivElement | null>(null)
  const [cols, setCols] = useState(4)
  useEffect(() => {
    const el = scroller.current
    if (!el) return
    const ro = new ResizeObserver(() => setCols(Math.max(1, Math.floor((el.clientWidth - 8) / (TILE_W + 8)))))
    ro.observe(el)
    return () => ro.disconnect()
  }, [])
  const rows = Math.ceil(props.scans.length / cols)
  const v = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => TILE_H + 8, overscan: 2 })
  const focusTile = (i: number): void => {
    const n = Math.max(0, Math.min(props.scans.length - 1, i))
    v.scrollToIndex(Math.floor(n / cols))
    requestAnimationFrame(() => (scroller.current?.querySelector(`[data-index="${n}"]`) as HTMLElement | null)?.focus())
  }
  return (
    <div
      className="sheet-wrap"
      ref={scroller}
      data-testid="contact-sheet"
      role="grid"
      aria-label="Contact sheet"
      onKeyDown={(e) => {
        // Arrow keys move between tiles (one listener for the grid, so tiles stay memoised).
        const d = ({ ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols } as Record<string, number>)[e.key]
        const at = Number((e.target as HTMLElement).dataset.index)
        if (d === undefined || Number.isNaN(at)) return
        e.preventDefault()
        e.stopPropagation()
        focusTile(at + d)
      }}
    >
      <div style={{ height: v.getTotalSize(), position: 'relative' }}>
        {v.getVirtualItems().map((row) => (
          <div key={row.key} className="sheet-row" style={{ transform: `translateY(${row.start}px)` }} role="row">
            {props.scans.slice(row.index * cols, row.index * cols + cols).map((s, c) => {
              const i = row.index * cols + c
              return <Tile key={s.id} scan={s} index={i} onOpen={props.onOpen} />
            })}
          </div>
        ))}
      </div>
    </div>
  )
}

const Tile = memo(function Tile(props: { scan: ScanSummary; index: number; onOpen(id: number): void }): React.JSX.Element {
  const s = props.scan
  const [url, setUrl] = useState<string | null>(null)
  const version = `${s.id}:${s.status}:${s.maskFraction}`
  useEffect(() => {
    if (s.status !== 'done') return
    const ac = new AbortController()
    let made: string | null = null
    loadBinary('getThumbnail', { id: s.id }, ac.signal).then(
      (t) => {
        if (!t) return
        made = URL.createObjectURL(new Blob([t.data], { type: t.meta.mime }))
        setUrl(made)
      },
      () => undefined,
    )
    // Whoever creates it frees it: the blob URL goes with the tile.
    return () => {
      ac.abort()
      if (made) URL.revokeObjectURL(made)
    }
  }, [version, s.id, s.status])
  return (
    <div
      className={`tile review-${s.review} status-${s.status}`}
      role="gridcell"
      tabIndex={0}
      data-scan-id={s.id}
      data-index={props.index}
      onClick={() => props.onOpen(s.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault()
          e.stopPropagation()
          props.onOpen(s.id)
        }
      }}
      title={`${s.folder}\n${s.patientId}${s.seriesDescription ? ` · ${s.seriesDescription}` : ''}${s.error ? `\n${s.error.code}: ${s.error.message}` : ''}`}
    >
      <div className="thumb">
        {url ? <img src={url} alt={`${s.folder}: axial and coronal slices, lung mask tinted`} /> : <span className="muted">{s.status === 'failed' ? (s.error?.code ?? 'failed') : s.status}</span>}
      </div>
      <div className="tile-foot">
        <span className="ellipsis">{s.folder}</span>
        <span className={`pill ${s.review}`}>{s.review}</span>
      </div>
      <div className="tile-flags">
        {s.maskFraction !== null && <span className="muted">{(s.maskFraction * 100).toFixed(1)} %</span>}
        {s.flags.map((f) => (
          <span key={f.code} className="flag" title={f.message}>
            {f.code}
          </span>
        ))}
      </div>
    </div>
  )
})
