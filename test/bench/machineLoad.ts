/**
 * How busy the whole machine was while something ran: /proc/stat counts every process on this
 * kernel (other users' too), as busy cores on average. The load average lags by minutes and
 * counts waiting tasks; this does neither.
 */
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'

interface CpuSnapshot {
  busy: number
  total: number
}

function snapshot(): CpuSnapshot | null {
  try {
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number)
    if (f.length < 8 || f.some((v) => !Number.isFinite(v))) return null
    const total = f.reduce((a, b) => a + b, 0)
    return { busy: total - f[3]! - f[4]!, total }
  } catch {
    return null
  }
}

/** Runs `f` and returns its value with the machine's average busy cores meanwhile (NaN if unknown). */
export async function withBusyCores<T>(f: () => Promise<T>): Promise<[T, number]> {
  const a = snapshot()
  const v = await f()
  const b = snapshot()
  const cores = a && b && b.total > a.total ? ((b.busy - a.busy) / (b.total - a.total)) * cpus().length : NaN
  return [v, cores]
}

/** "1.02" busy cores, or "?" */
export const fmtCores = (c: number): string => (Number.isFinite(c) ? c.toFixed(2) : '?')
