import type { ExportFormat } from '../../../shared/api'
import { CuratorError } from '../../../shared/errors'
import { createCore } from '../../core'
import { createProgressPrinter, formatSeconds } from '../progress'

const FORMATS: readonly ExportFormat[] = ['npy', 'nifti']

export function parseFormats(list: string): ExportFormat[] {
  const items = list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
  const bad = items.filter((f) => !(FORMATS as readonly string[]).includes(f))
  if (bad.length || items.length === 0)
    throw new CuratorError('BAD_ARGUMENT', `--format takes a comma-separated list of ${FORMATS.join(', ')}; got "${list}".`)
  return [...new Set(items)] as ExportFormat[]
}

export async function runExport(
  outDir: string,
  o: { db: string; include: 'accepted' | 'done' | 'all'; format: string; layout: 'plain' | 'nnunet' | 'monai'; dilateMm: number; normalized?: boolean; fsync?: boolean; json?: boolean },
): Promise<void> {
  const formats = parseFormats(o.format)
  // An export reads a curated database; a mistyped path must not create an empty one.
  const core = createCore(o.db, { mustExist: true })
  const progress = createProgressPrinter()
  const off = core.api.onProgress((e) => {
    if (e.phase === 'export') progress.update(e)
  })
  try {
    const r = await core.api.exportDataset({
      outDir,
      include: o.include,
      formats,
      layout: o.layout,
      dilateMm: o.dilateMm,
      normalized: o.normalized ?? false,
      fsync: o.fsync ?? false,
    })
    progress.done()
    if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n')
    const mb = r.bytes / 1e6
    process.stderr.write(
      `Exported ${r.exported} case(s) to ${r.outDir}: ${mb.toFixed(1)} MB in ${formatSeconds(r.durationMs / 1000)}` +
        (r.resumed ? ` (${r.resumed} taken over from an interrupted run)` : '') +
        `; pixel mean ${r.pixelMean.toFixed(4)}.\n`,
    )
    if (r.skipped.length) {
      process.stderr.write(`Skipped ${r.skipped.length}:\n`)
      for (const s of r.skipped) process.stderr.write(`  ${s.folder}: ${s.code} — ${s.message}\n`)
    }
  } finally {
    off()
    core.close()
  }
}
