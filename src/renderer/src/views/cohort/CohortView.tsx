import { useMemo, useState } from 'react'
import type { ScanSummary } from '../../../../shared/api'
import { useShortcuts } from '../../hooks/useShortcuts'
import { Counters } from './Counters'
import { countScans, sortParam, type CohortFilter, type SortKey } from './filters'
import { ScanTable } from './ScanTable'

let tableReadyMarked = false

/** The cohort: counters that filter, a filter bar, and the table; state lives in the URL. */
export function CohortView(props: {
  all: ScanSummary[]
  shown: ScanSummary[]
  filter: CohortFilter
  setParams(patch: Record<string, string | null>, opts?: { replace?: boolean }): void
  onOpen(id: number): void
}): React.JSX.Element {
  const { all, shown, filter, setParams } = props
  const counts = useMemo(() => countScans(all), [all])
  const [selected, setSelected] = useState<number | null>(null)
  const flagCodes = [...counts.byFlag.keys()].sort()
  const move = (d: number): void => {
    if (!shown.length) return
    const i = shown.findIndex((s) => s.id === selected)
    setSelected(shown[Math.max(0, Math.min(shown.length - 1, i < 0 ? 0 : i + d))]!.id)
  }
  useShortcuts({
    j: () => move(1),
    k: () => move(-1),
    ArrowDown: () => move(1),
    ArrowUp: () => move(-1),
    Enter: () => selected !== null && props.onOpen(selected),
    '/': () => document.getElementById('cohort-q')?.focus(),
  })
  const onSort = (key: SortKey): void => setParams({ sort: sortParam(key, filter.sort === key ? !filter.desc : false) }, { replace: true })
  return (
    <div className="cohort">
      <Counters counts={counts} active={filter} onFilter={(p) => setParams(p)} />
      <div className="filter-bar" role="search">
        <input
          id="cohort-q"
          type="search"
          aria-label="Search folder, patient or series"
          placeholder="Search folder, patient, series ( / )"
          defaultValue={filter.q}
          onChange={(e) => setParams({ q: e.target.value }, { replace: true })}
        />
        <select aria-label="Status" value={filter.status ?? ''} onChange={(e) => setParams({ status: e.target.value })}>
          <option value="">any status</option>
          <option value="pending">pending</option>
          <option value="processing">processing</option>
          <option value="done">done</option>
          <option value="failed">failed</option>
        </select>
        <select aria-label="Review" value={filter.review ?? ''} onChange={(e) => setParams({ review: e.target.value })}>
          <option value="">any review</option>
          <option value="unreviewed">unreviewed</option>
          <option value="accepted">accepted</option>
          <option value="rejected">rejected</option>
          <option value="retry">retry</option>
        </select>
        <select aria-label="Flag" value={filter.flag ?? ''} onChange={(e) => setParams({ flag: e.target.value })}>
          <option value="">any flags</option>
          <option value="any">flagged</option>
          <option value="none">no flag</option>
          {flagCodes.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <span className="muted" aria-live="polite">
          {shown.length} of {all.length} scans
        </span>
      </div>
      <ScanTable
        scans={shown}
        selected={selected}
        sort={filter.sort}
        desc={filter.desc}
        onSort={onSort}
        onSelect={setSelected}
        onOpen={props.onOpen}
        onFirstPage={() => {
          if (!tableReadyMarked) {
            tableReadyMarked = true
            requestAnimationFrame(() => performance.mark('ctc:table-ready'))
          }
        }}
      />
    </div>
  )
}
