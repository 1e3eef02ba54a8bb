import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useEffect, useRef } from 'react'
import type { ScanSummary } from '../../../../shared/api'
import type { SortKey } from './filters'

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)} %`)

const COLUMNS: Array<{ key: SortKey; label: string; className?: string; title: string }> = [
  { key: 'folder', label: 'Folder', title: 'Patient folder under the root' },
  { key: 'patient', label: 'Patient / series', title: 'PatientID and the chosen series description' },
  { key: 'status', label: 'Status', title: 'Processing status' },
  { key: 'review', label: 'Review', title: 'Review decision' },
  { key: 'flags', label: 'Flags', title: 'Geometry and mask flags' },
  { key: 'mask', label: 'Mask', className: 'num', title: 'Lung mask fraction of the volume' },
  { key: 'slices', label: 'Slices', className: 'num', title: 'Slices in the chosen series' },
]

const ROW_HEIGHT = 30

/**
 * The cohort as a table that stays fluid at thousands of rows: only the rows on screen exist
 * in the DOM. Headers sort (click again to reverse); rows open the case.
 */
export function ScanTable(props: {
  scans: ScanSummary[]
  selected: number | null
  sort: SortKey
  desc: boolean
  onSort(key: SortKey): void
  onSelect(id: number): void
  onOpen(id: number): void
  onFirstPage?(): void
}): React.JSX.Element {
  const scroller = useRef<HTMLDivElement | null>(null)
  const v = useVirtualizer({ count: props.scans.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 })
  const items = v.getVirtualItems()
  const firstPage = useRef(props.onFirstPage)
  useEffect(() => {
    if (items.length > 0 && firstPage.current) {
      firstPage.current()
      firstPage.current = undefined
    }
  }, [items.length])
  // Keep the selected row in view when it moves by keyboard.
  const index = props.scans.findIndex((s) => s.id === props.selected)
  useEffect(() => {
    if (index >= 0) v.scrollToIndex(index, { align: 'auto' })
  }, [index, v])
  return (
    <div className="table-wrap" ref={scroller} data-testid="cohort-table" role="grid" aria-rowcount={props.scans.length}>
      <table className="scans">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.key} className={c.className} title={c.title} aria-sort={props.sort === c.key ? (props.desc ? 'descending' : 'ascending') : 'none'}>
                <button className="sort" onClick={() => props.onSort(c.key)}>
                  {c.label}
                  {props.sort === c.key ? (props.desc ? ' ▾' : ' ▴') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.length > 0 && <tr style={{ height: items[0]!.start }} aria-hidden />}
          {items.map((it) => {
            const s = props.scans[it.index]!
            return <Row key={s.id} scan={s} selected={s.id === props.selected} onSelect={props.onSelect} onOpen={props.onOpen} />
          })}
          {items.length > 0 && <tr style={{ height: v.getTotalSize() - items[items.length - 1]!.end }} aria-hidden />}
        </tbody>
      </table>
    </div>
  )
}

/** One row; unchanged rows are not re-rendered while the table scrolls. */
const Row = memo(function Row(props: { scan: ScanSummary; selected: boolean; onSelect(id: number): void; onOpen(id: number): void }): React.JSX.Element {
  const s = props.scan
  return (
    <tr data-scan-id={s.id} className={props.selected ? 'selected' : undefined} style={{ height: ROW_HEIGHT }} onClick={() => props.onSelect(s.id)} onDoubleClick={() => props.onOpen(s.id)}>
      <td className="ellipsis" title={s.folder}>
        <a
          href={`?scan=${s.id}`}
          onClick={(e) => {
            e.preventDefault()
            props.onOpen(s.id)
          }}
        >
          {s.folder}
        </a>
      </td>
      <td className="ellipsis" title={`${s.patientId}${s.seriesDescription ? ` · ${s.seriesDescription}` : ''}\n${s.seriesUid}`}>
        {/* The series description first: it is what tells scans apart when IDs are hashes. */}
        {s.seriesDescription && <span>{s.seriesDescription} · </span>}
        <span className={s.seriesDescription ? 'muted' : undefined}>{s.patientId}</span>
      </td>
      <td>
        <span className={`pill ${s.status}`} title={s.error ? `${s.error.code}: ${s.error.message}` : undefined}>
          {s.status}
        </span>
      </td>
      <td>
        <span className={`pill ${s.review}`}>{s.review}</span>
      </td>
      <td className="ellipsis" title={s.flags.map((f) => `${f.code}: ${f.message}`).join('\n')}>
        {s.flags.map((f) => (
          <span key={f.code} className="flag">
            {f.code}
          </span>
        ))}
      </td>
      <td className="num">{pct(s.maskFraction)}</td>
      <td className="num">{s.sliceCount}</td>
    </tr>
  )
})
