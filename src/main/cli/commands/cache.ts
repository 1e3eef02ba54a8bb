import { resolve } from 'node:path'
import { type CacheUsage, type PruneResult, cacheUsage, pruneCache } from '../../cache/usage'
import { openDb } from '../../store/db'
import { plural } from '../text'
import { defaultCacheDir } from './process'

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  for (; v >= 1024 && i < units.length - 1; i++) v /= 1024
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`
}

const row = (r: Record<string, number>): string =>
  Object.entries(r)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${formatBytes(v)}`)
    .join(', ') || 'nothing'

export function formatUsage(u: CacheUsage): string {
  return (
    `Cache ${u.cacheDir}: ${formatBytes(u.totalBytes)} in ${plural(u.files, 'file')}\n` +
    `  by kind:   ${row(u.byKind as unknown as Record<string, number>)}\n` +
    `  by status: ${row(u.byStatus as unknown as Record<string, number>)}\n` +
    (u.ratio === null
      ? '  no processed scan in this cache yet\n'
      : `  ${plural(u.processedScans, 'processed scan')}: ${formatBytes(u.currentBytes)} = ${u.ratio.toFixed(3)} × their resampled volumes as int16 (${formatBytes(u.resampledInt16Bytes)})\n`)
  )
}

export function formatPrune(p: PruneResult): string {
  return (
    `Pruned ${plural(p.files, 'file')}, ${formatBytes(p.bytes)}: ${plural(p.runs, "run's folder", "runs' folders")} removed` +
    `, ${plural(p.packed, 'mask')} packed, ${plural(p.linked, 'volume')} shared with the current run\n`
  )
}

export async function runCache(o: { db: string; cache?: string; prune?: boolean; json?: boolean }): Promise<void> {
  const db = openDb(o.db, { mustExist: true })
  try {
    const cacheDir = resolve(o.cache ?? defaultCacheDir(resolve(o.db)))
    const pruned = o.prune ? await pruneCache(db, cacheDir) : undefined
    const usage = await cacheUsage(db, cacheDir)
    if (o.json) process.stdout.write(JSON.stringify({ ...usage, ...(pruned ? { pruned } : {}) }, null, 2) + '\n')
    else process.stdout.write((pruned ? formatPrune(pruned) : '') + formatUsage(usage))
  } finally {
    db.close()
  }
}
