/**
 * Source DICOM folders are never written to: scan, process, retry, review and export over a
 * read-only source tree, its checksum compared after every step (test/hardening/readOnly.ts).
 */
import { describe, expect, it } from 'vitest'
import { formatReadOnly, runReadOnlyCheck } from './hardening/readOnly'

describe('a read-only source tree', () => {
  it('scan, process, retry, review, export, rescan: each exits 0 and leaves every byte and entry as it was', async () => {
    const t = await runReadOnlyCheck()
    console.log(formatReadOnly(t))
    expect(t.readOnly).toBe(true)
    expect(t.files).toBe(49)
    expect(t.steps.map((s) => s.step)).toEqual([
      'scan',
      'process',
      'retry',
      'process after retry',
      'review',
      'export',
      'rescan',
    ])
    for (const s of t.steps) {
      expect(s.exit, `${s.step}: ${s.stderr}`).toBe(0)
      expect(s.changed, s.step).toEqual([])
    }
    // The steps did their work: both scans processed (one of them twice), something exported.
    expect(t.statuses).toEqual({ 'RO-A': 'done', 'RO-B': 'done' })
    expect(t.exportedEntries).toBeGreaterThan(0)
  }, 600_000)
})
