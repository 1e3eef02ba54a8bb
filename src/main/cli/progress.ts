import type { ProgressEvent } from '../../shared/api'

/**
 * Prints progress: a redrawn bar with ETA on a terminal, one plain line per step otherwise
 * (logs, CI, pipes), always on stderr so `--json` output on stdout stays clean.
 */
export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr): {
  update(e: ProgressEvent): void
  done(): void
} {
  const tty = stream.isTTY === true
  let lastLine = 0
  let drawn = false
  return {
    update(e) {
      const eta = e.etaSeconds === null ? '' : ` ETA ${formatSeconds(e.etaSeconds)}`
      const cur = e.current ? ` ${e.current}` : ''
      if (tty) {
        const width = 28
        const frac = e.total > 0 ? e.done / e.total : 0
        const fill = Math.round(frac * width)
        const bar = '█'.repeat(fill) + '░'.repeat(width - fill)
        const line = `${e.phase} ${bar} ${e.done}/${e.total}${eta}${cur}`
        stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 100) - 1)}`)
        drawn = true
      } else {
        // Plain mode: at most one line per second, plus the last one.
        const now = Date.now()
        if (now - lastLine < 1000 && e.done < e.total) return
        lastLine = now
        stream.write(`${e.phase} ${e.done}/${e.total}${eta}${cur}\n`)
      }
    },
    done() {
      if (tty && drawn) stream.write('\n')
    },
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?'
  const t = Math.max(0, Math.round(s))
  if (t < 60) return `${t}s`
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`
}

/** ETA from the rate so far; null until one item is done. */
export function etaSeconds(startedMs: number, done: number, total: number, nowMs = Date.now()): number | null {
  if (done <= 0 || total <= done) return done >= total ? 0 : null
  return ((nowMs - startedMs) / 1000 / done) * (total - done)
}
