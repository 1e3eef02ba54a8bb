import type { HuHistogram } from '../../../../shared/api'

/** The tutorial's 80-bin HU histogram of the resampled volume, as the seed plots it. */
export function Histogram(props: { histogram: HuHistogram | null }): React.JSX.Element {
  const h = props.histogram
  const W = 300
  const H = 110
  const pad = { l: 4, r: 4, t: 6, b: 18 }
  if (!h || h.counts.length === 0) {
    return (
      <figure className="histogram" data-testid="hu-histogram">
        <figcaption>HU histogram — no result yet</figcaption>
      </figure>
    )
  }
  const max = Math.max(...h.counts, 1)
  const lo = h.edges[0]!
  const hi = h.edges[h.edges.length - 1]!
  const x = (hu: number): number => pad.l + ((hu - lo) / (hi - lo || 1)) * (W - pad.l - pad.r)
  const y = (c: number): number => H - pad.b - (c / max) * (H - pad.t - pad.b)
  const ticks = [-1000, -500, 0, 500, 1000, 2000].filter((t) => t >= lo && t <= hi)
  return (
    <figure className="histogram" data-testid="hu-histogram">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Histogram of Hounsfield units, 80 bins">
        {h.counts.map((c, i) => (
          <rect key={i} x={x(h.edges[i]!)} y={y(c)} width={Math.max(0.5, x(h.edges[i + 1]!) - x(h.edges[i]!) - 0.3)} height={H - pad.b - y(c)} className="bar">
            <title>
              {Math.round(h.edges[i]!)} … {Math.round(h.edges[i + 1]!)} HU: {c.toLocaleString()} voxels
            </title>
          </rect>
        ))}
        <line x1={pad.l} x2={W - pad.r} y1={H - pad.b} y2={H - pad.b} className="axis" />
        {ticks.map((t) => (
          <text key={t} x={x(t)} y={H - 4} textAnchor="middle" className="tick">
            {t}
          </text>
        ))}
      </svg>
      <figcaption>Hounsfield units, 80 bins (air −1000, soft tissue 0…100, bone &gt; 400)</figcaption>
    </figure>
  )
}
