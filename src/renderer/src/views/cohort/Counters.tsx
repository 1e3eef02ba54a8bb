import type { Counts } from './filters'

/** Counts over the whole cohort, each one a filter: click to show just those scans. */
export function Counters(props: {
  counts: Counts
  active: { status: string | null; review: string | null; flag: string | null }
  onFilter(patch: Record<string, string | null>): void
}): React.JSX.Element {
  const { counts: c, active } = props
  const chip = (key: 'status' | 'review' | 'flag', value: string, label: string, n: number, tone = ''): React.JSX.Element => (
    <button
      key={`${key}:${value}`}
      className={`count ${tone}`}
      aria-pressed={active[key] === value}
      onClick={() => props.onFilter({ [key]: active[key] === value ? null : value })}
      title={`Show only ${label.toLowerCase()} scans (${n}); click again to clear`}
    >
      <span className="value">{n}</span>
      <span className="label">{label}</span>
    </button>
  )
  const flags = [...c.byFlag.entries()].sort((a, b) => b[1] - a[1])
  return (
    <section className="counts" aria-label="Counts (click to filter)">
      <button className="count" aria-pressed={!active.status && !active.review && !active.flag} onClick={() => props.onFilter({ status: null, review: null, flag: null })}>
        <span className="value">{c.total}</span>
        <span className="label">Scans</span>
      </button>
      {chip('status', 'done', 'Done', c.byStatus.done, 'ok')}
      {chip('status', 'failed', 'Failed', c.byStatus.failed, 'bad')}
      {c.byStatus.pending + c.byStatus.processing > 0 && chip('status', 'pending', 'Pending', c.byStatus.pending + c.byStatus.processing)}
      {chip('flag', 'any', 'Flagged', c.flagged, 'warn')}
      {chip('review', 'unreviewed', 'Unreviewed', c.byReview.unreviewed)}
      {chip('review', 'accepted', 'Accepted', c.byReview.accepted, 'ok')}
      {chip('review', 'rejected', 'Rejected', c.byReview.rejected, 'bad')}
      {c.byReview.retry > 0 && chip('review', 'retry', 'Retry', c.byReview.retry, 'warn')}
      <div className="flag-chips" aria-label="Flags">
        {flags.map(([code, n]) => (
          <button key={code} className="flag" aria-pressed={active.flag === code} onClick={() => props.onFilter({ flag: active.flag === code ? null : code })} title={`Show only scans flagged ${code}`}>
            {code} <b>{n}</b>
          </button>
        ))}
      </div>
    </section>
  )
}
