import { useEffect, useMemo, useState } from 'react'
import type { ScanSummary, SkippedFileInfo } from '../../../../shared/api'
import { api } from '../../api'
import type { Decide } from '../../hooks/useDecide'
import type { Processing } from '../../hooks/useProcessing'
import { useShortcuts } from '../../hooks/useShortcuts'
import { markTableReady } from '../../perf'
import { BulkActions } from './BulkActions'
import { ContactSheet } from './ContactSheet'
import { Counters } from './Counters'
import { countScans, sortParam, type CohortFilter, type SortKey } from './filters'
import { ProcessingPanel } from './ProcessingPanel'
import { ScanTable } from './ScanTable'
import { SkippedFiles } from './SkippedFiles'

/**
 * The cohort: live processing, counters that filter, a filter bar, the table or the contact
 * sheet, bulk actions and the flagged review queue. Filters, sort and view live in the URL.
 */
export function CohortView(props: {
  all: ScanSummary[]
  shown: ScanSummary[]
  filter: CohortFilter
  view: 'table' | 'sheet'
  setParams(patch: Record<string, string | null>, opts?: { replace?: boolean }): void
  onOpen(id: number): void
  onStartQueue(ids: number[]): void
  proc: Processing
  decide: Decide
  onError(m: string): void
  onNotice(m: string): void
}): React.JSX.Element {
  const { all, shown, filter, setParams } = props
  const counts = useMemo(() => countScans(all), [all])
  const [selected, setSelected] = useState<number | null>(null)
  const [skipped, setSkipped] = useState<SkippedFileInfo[]>([])
  useEffect(() => {
    api.listSkipped().then(setSkipped, () => undefined)
  }, [all.length])
  const flagCodes = [...counts.byFlag.keys()].sort()
  const queue = shown.filter((s) => s.flags.length > 0 && s.review === 'unreviewed')
  const sel = shown.find((s) => s.id === selected) ?? null
  const move = (d: number): void => {
    if (!shown.length) return
    const i = shown.findIndex((s) => s.id === selected)
    setSelected(shown[Math.max(0, Math.min(shown.length - 1, i < 0 ? 0 : i + d))]!.id)
  }
  useShortcuts(
    props.view === 'table'
      ? {
          j: () => move(1),
          k: () => move(-1),
          ArrowDown: () => move(1),
          ArrowUp: () => move(-1),
          Enter: () => selected !== null && props.onOpen(selected),
          a: () => sel && void props.decide.decide(sel, 'accepted'),
          A: () => sel && void props.decide.decide(sel, 'accepted', { force: true }),
          r: () => sel && void props.decide.decide(sel, 'rejected'),
          '/': () => document.getElementById('cohort-q')?.focus(),
          v: () => setParams({ view: 'sheet' }),
        }
      : { '/': () => document.getElementById('cohort-q')?.focus(), v: () => setParams({ view: null }) },
  )
  const onSort = (key: SortKey): void => setParams({ sort: sortParam(key, filter.sort === key ? !filter.desc : false) }, { replace: true })
  return (
    <div className="cohort">
      {props.proc.state && <ProcessingPanel state={props.proc.state} onChange={props.proc.refresh} onError={props.onError} onOpen={props.onOpen} />}
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
        <Choice label="Status" value={filter.status} any="any status" options={['pending', 'processing', 'done', 'failed']} onChange={(v) => setParams({ status: v })} />
        <Choice label="Review" value={filter.review} any="any review" options={['unreviewed', 'accepted', 'rejected', 'retry']} onChange={(v) => setParams({ review: v })} />
        <Choice
          label="Flag"
          value={filter.flag}
          any="any flags"
          options={[['any', 'flagged'], ['none', 'no flag'], ...flagCodes]}
          onChange={(v) => setParams({ flag: v })}
        />
        <span className="muted" aria-live="polite">
          {shown.length} of {all.length} scans
        </span>
        <div className="spacer" />
        <div className="toolbar-group" role="group" aria-label="View">
          <button aria-pressed={props.view === 'table'} onClick={() => setParams({ view: null })} title="Table (v toggles)">
            Table
          </button>
          <button aria-pressed={props.view === 'sheet'} onClick={() => setParams({ view: 'sheet' })} title="Contact sheet (v toggles)">
            Sheet
          </button>
        </div>
        <button onClick={() => props.onStartQueue(queue.map((s) => s.id))} disabled={queue.length === 0} title="Walk the flagged, unreviewed scans shown: a / r / c decide, u undoes">
          Review flagged ({queue.length})
        </button>
      </div>
      <BulkActions shown={shown} onDone={props.onNotice} onError={props.onError} />
      <SkippedFiles files={skipped} />
      {props.view === 'sheet' ? (
        <ContactSheet scans={shown} onOpen={props.onOpen} />
      ) : (
        <ScanTable
          scans={shown}
          selected={selected}
          sort={filter.sort}
          desc={filter.desc}
          onSort={onSort}
          onSelect={setSelected}
          onOpen={props.onOpen}
          onFirstPage={markTableReady}
        />
      )}
    </div>
  )
}

/** A filter menu: "any" first, then values (or [value, label] pairs). */
function Choice(props: { label: string; value: string | null; any: string; options: Array<string | [string, string]>; onChange(v: string | null): void }): React.JSX.Element {
  return (
    <select aria-label={props.label} value={props.value ?? ''} onChange={(e) => props.onChange(e.target.value || null)}>
      <option value="">{props.any}</option>
      {props.options.map((o) => {
        const [value, label] = typeof o === 'string' ? [o, o] : o
        return (
          <option key={value} value={value}>
            {label}
          </option>
        )
      })}
    </select>
  )
}
