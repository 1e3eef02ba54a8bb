/**
 * Cohort-level reads and writes for the sweep: what the scans skipped, and decisions on many
 * scans at once (one transaction each, history kept as for single decisions).
 */
import type { BulkResult, SkippedFileInfo } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import type { Db } from './db'

/** Every skipped file of every root (or under one patient folder), with its patient folder. */
export function listSkipped(db: Db, folder?: string): SkippedFileInfo[] {
  const prefix = folder === undefined ? '' : `${folder}/`
  const rows = db
    .prepare(
      `SELECT f.path, f.skip_code AS code, f.skip_message AS message FROM files f
       WHERE f.skip_code IS NOT NULL AND substr(f.path, 1, length(@prefix)) = @prefix ORDER BY f.path`,
    )
    .all({ prefix }) as Array<{ path: string; code: string; message: string | null }>
  return rows.map((r) => {
    const slash = r.path.indexOf('/')
    return { path: r.path, folder: slash < 0 ? '' : r.path.slice(0, slash), code: r.code, message: r.message ?? '' }
  })
}

function existing(db: Db, ids: number[]): number[] {
  const unique = [...new Set(ids)]
  const known = new Set((db.prepare(`SELECT id FROM scans WHERE id IN (${unique.map(() => '?').join(',') || 'NULL'})`).all(...unique) as Array<{ id: number }>).map((r) => r.id))
  const missing = unique.filter((id) => !known.has(id))
  if (missing.length) throw new CuratorError('NOT_FOUND', `No scans with id ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}.`)
  return unique
}

export function bulkReview(db: Db, ids: number[], review: 'accepted' | 'rejected' | 'unreviewed', note: string | null): BulkResult {
  const list = existing(db, ids)
  const at = new Date().toISOString()
  const upd = db.prepare('UPDATE scans SET review = ?, review_note = ?, reviewed_at = ? WHERE id = ?')
  const hist = db.prepare('INSERT INTO reviews (scan_id, review, note, at) VALUES (?, ?, ?, ?)')
  db.transaction(() => {
    for (const id of list) {
      upd.run(review, note, at, id)
      hist.run(id, review, note, at)
    }
  })()
  return { changed: list.length, ids: list }
}

/** Marks scans for a retry with closing; only scans not being processed right now. */
export function bulkRetry(db: Db, ids: number[], closingMm: number): BulkResult {
  const list = existing(db, ids)
  const at = new Date().toISOString()
  const upd = db.prepare(
    "UPDATE scans SET review = 'retry', retry_closing_mm = ?, status = 'pending', reviewed_at = ? WHERE id = ? AND status <> 'processing'",
  )
  const hist = db.prepare('INSERT INTO reviews (scan_id, review, note, at) VALUES (?, ?, ?, ?)')
  const changed: number[] = []
  db.transaction(() => {
    for (const id of list) {
      if (upd.run(closingMm, at, id).changes > 0) {
        hist.run(id, 'retry', `closing ${closingMm} mm`, at)
        changed.push(id)
      }
    }
  })()
  return { changed: changed.length, ids: changed }
}
