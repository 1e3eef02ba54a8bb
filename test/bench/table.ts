/**
 * Plain-text tables and number formatting for the benchmarks: one aligned table per section,
 * numbers right-aligned, notes underneath.
 */

export interface Column {
  header: string
  /** Right-align (numbers). @default false */
  right?: boolean
}

export interface Table {
  title: string
  columns: Column[]
  rows: string[][]
  notes?: string[]
}

export function formatTable(t: Table): string {
  const widths = t.columns.map((c, i) => Math.max(c.header.length, ...t.rows.map((r) => (r[i] ?? '').length)))
  const cell = (text: string, i: number): string =>
    t.columns[i]?.right ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)
  const line = (cells: string[]): string =>
    t.columns
      .map((_, i) => cell(cells[i] ?? '', i))
      .join('  ')
      .trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  const out = [`\n## ${t.title}`, line(t.columns.map((c) => c.header)), rule, ...t.rows.map(line)]
  for (const n of t.notes ?? []) out.push(`  * ${n}`)
  return out.join('\n')
}

export function printTable(t: Table): void {
  console.log(formatTable(t))
}

/** 12345.6 → "12,346"; below 100 keeps one decimal. */
export function fmtRate(v: number): string {
  if (!Number.isFinite(v)) return '-'
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1)
}

/** Seconds with three significant-ish decimals. */
export function fmtSec(s: number): string {
  if (!Number.isFinite(s)) return '-'
  return s >= 10 ? s.toFixed(2) : s.toFixed(3)
}

/** A ratio as "3.4×". */
export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×` : '-'
}

/** "yes" or "NO" against a goal; nothing asserts on it. */
export function met(ok: boolean): string {
  return ok ? 'yes' : 'NO'
}

/** All runs, best first marked: "0.81* 0.84 0.90". */
export function fmtRuns(seconds: number[]): string {
  const best = Math.min(...seconds)
  let marked = false
  return seconds
    .map((s) => {
      const text = fmtSec(s)
      if (!marked && s === best) {
        marked = true
        return `${text}*`
      }
      return text
    })
    .join(' ')
}
