import type { RunComparison, RunInfo } from '../../../../shared/api'

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)} %`)

function RunColumn(props: { title: string; run: RunInfo; colour: string }): React.JSX.Element {
  const r = props.run
  return (
    <div className="ba-run">
      <h4>
        <span className="swatch" style={{ background: props.colour }} /> {props.title} · run #{r.id}
      </h4>
      <div>
        {r.mode}, closing {r.closingMm ? `${r.closingMm} mm` : 'none'}
      </div>
      <div>mask {pct(r.maskFraction)}</div>
      <div className="ba-flags">{r.flags.length ? r.flags.map((f) => <span key={f.code} className="flag" title={f.message}>{f.code}</span>) : <span className="muted">no flags</span>}</div>
    </div>
  )
}

/** A retried scan: both runs side by side, the Dice of their masks, and the reviewer's choice. */
export function BeforeAfter(props: {
  cmp: RunComparison
  showBefore: boolean
  onToggle(): void
  onAcceptNew(): void
  onRevert(): void
}): React.JSX.Element {
  const { before, after, dice } = props.cmp
  const currentIsNew = after.current
  return (
    <section className="before-after" data-testid="before-after" aria-label="Before and after retry">
      <h3>
        Before / after retry · Dice {dice.toFixed(3)}
      </h3>
      <div className="ba-cols">
        <RunColumn title="Before" run={before} colour="#ff9933" />
        <RunColumn title="After" run={after} colour="#5a9bff" />
      </div>
      <div className="actions">
        <button onClick={props.onToggle} aria-pressed={props.showBefore}>
          {props.showBefore ? 'Hide before' : 'Show before'} <kbd>b</kbd>
        </button>
        <button onClick={props.onAcceptNew} disabled={!currentIsNew}>
          Accept the new run
        </button>
        <button onClick={props.onRevert}>{currentIsNew ? `Revert to run #${before.id}` : `Use run #${after.id}`}</button>
      </div>
    </section>
  )
}
