import type { ScanSummary } from '../../../shared/api'
import { createCore } from '../../core'

/**
 * Folder and patient ids are printed whole (the column is as wide as the longest), so they can
 * be pasted into `review` / `retry`; `wide` also prints error messages in full.
 */
export function formatTable(scans: ScanSummary[], wide = false): string {
  if (scans.length === 0) return 'No scans in this database yet.\n'
  const fw = Math.max(6, ...scans.map((s) => s.folder.length))
  const pw = Math.max(7, ...scans.map((s) => s.patientId.length))
  const head = `${'folder'.padEnd(fw)} ${'patient'.padEnd(pw)} ${'status'.padEnd(10)} ${'review'.padEnd(10)} ${'mask%'.padStart(6)} ${'slices'.padStart(6)}  flags`
  const lines = scans.map(
    (s) =>
      `${s.folder.padEnd(fw)} ${s.patientId.padEnd(pw)} ${s.status.padEnd(10)} ${s.review.padEnd(10)} ${(s.maskFraction === null ? '—' : (s.maskFraction * 100).toFixed(1)).padStart(6)} ${String(s.sliceCount).padStart(6)}  ${s.error ? `ERROR ${s.error.code}${wide ? `: ${s.error.message}` : ''} ` : ''}${s.flags.map((f) => f.code).join(',')}`,
  )
  return [head, ...lines].join('\n') + '\n'
}

export async function runStatus(o: { db: string; json?: boolean; wide?: boolean }): Promise<void> {
  const core = createCore(o.db, { mustExist: true })
  try {
    const scans = await core.api.listScans()
    process.stdout.write(o.json ? JSON.stringify(scans, null, 2) + '\n' : formatTable(scans, o.wide))
  } finally {
    core.close()
  }
}
