import { createCore } from '../../core'
import { scanRoot } from '../../dicom/scanRoot'
import type { ScanResult } from '../../dicom/types'
import { createProgressPrinter } from '../progress'

export function formatScan(r: ScanResult): string {
  const lines = [`${r.root}: ${r.stats.files} files, ${r.series.length} series, ${r.skipped.length} skipped (${r.stats.durationMs} ms)`]
  for (const s of r.series) {
    const flags = s.flags.map((f) => f.code).join(',')
    lines.push(
      `${s.chosen ? '*' : ' '} ${s.folder.padEnd(32)} ${s.patientId.padEnd(16)} ${s.modality.padEnd(3)} ${String(s.files.length).padStart(5)} img  ${s.choiceReason}${flags ? `  [${flags}]` : ''}`,
    )
  }
  const byCode = new Map<string, number>()
  for (const k of r.skipped) byCode.set(k.code, (byCode.get(k.code) ?? 0) + 1)
  if (byCode.size) lines.push(`skipped: ${[...byCode].map(([c, n]) => `${c} ×${n}`).join(', ')}`)
  return lines.join('\n') + '\n'
}

export async function runScan(root: string, o: { db?: string; json?: boolean }): Promise<void> {
  const core = o.db ? createCore(o.db) : undefined
  const progress = createProgressPrinter()
  try {
    const r = await scanRoot(root, { db: core?.db, onProgress: (e) => progress.update(e) })
    progress.done()
    if (o.json) {
      process.stdout.write(JSON.stringify({ root: r.root, series: r.series, skipped: r.skipped, stats: r.stats }, null, 2) + '\n')
    } else {
      process.stdout.write(formatScan(r))
    }
  } finally {
    core?.close()
  }
}
