import type { ScanSummary } from '../../../shared/api'
import { createCore } from '../../core'

const cell = (v: string, w: number): string => (v.length > w ? v.slice(0, w - 1) + '…' : v.padEnd(w))

export function formatTable(scans: ScanSummary[]): string {
  if (scans.length === 0) return 'No scans in this database yet.\n'
  const head = `${cell('folder', 28)} ${cell('patient', 16)} ${cell('status', 10)} ${cell('review', 10)} ${'mask%'.padStart(6)} ${'slices'.padStart(6)}  flags`
  const lines = scans.map(
    (s) =>
      `${cell(s.folder, 28)} ${cell(s.patientId, 16)} ${cell(s.status, 10)} ${cell(s.review, 10)} ${(s.maskFraction === null ? '—' : (s.maskFraction * 100).toFixed(1)).padStart(6)} ${String(s.sliceCount).padStart(6)}  ${s.error ? `ERROR ${s.error.code} ` : ''}${s.flags.map((f) => f.code).join(',')}`,
  )
  return [head, ...lines].join('\n') + '\n'
}

export async function runStatus(o: { db: string; json?: boolean }): Promise<void> {
  const core = createCore(o.db)
  try {
    const scans = await core.api.listScans()
    process.stdout.write(o.json ? JSON.stringify(scans, null, 2) + '\n' : formatTable(scans))
  } finally {
    core.close()
  }
}
