import type { ScanSummary } from '../../shared/api'

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)} %`)

export function ScanTable(props: {
  scans: ScanSummary[]
  selected: number | null
  onSelect(id: number): void
}): React.JSX.Element {
  return (
    <div className="table-wrap">
      <table className="scans">
        <thead>
          <tr>
            <th>Folder</th>
            <th>Patient</th>
            <th>Status</th>
            <th>Review</th>
            <th>Flags</th>
            <th className="num">Mask</th>
            <th className="num">Slices</th>
          </tr>
        </thead>
        <tbody>
          {props.scans.map((s) => (
            <tr
              key={s.id}
              className={s.id === props.selected ? 'selected' : undefined}
              onClick={() => props.onSelect(s.id)}
            >
              <td>{s.folder}</td>
              <td>{s.patientId}</td>
              <td>
                <span className={`pill ${s.status}`}>{s.status}</span>
              </td>
              <td>
                <span className={`pill ${s.review}`}>{s.review}</span>
              </td>
              <td title={s.flags.map((f) => f.message).join('\n')}>
                {s.flags.map((f) => (
                  <span key={f.code} className="flag">
                    {f.code}
                  </span>
                ))}
              </td>
              <td className="num">{pct(s.maskFraction)}</td>
              <td className="num">{s.sliceCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
