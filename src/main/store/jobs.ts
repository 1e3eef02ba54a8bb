/**
 * The processing queue lives in the scans table: pending → processing (claimed by one engine)
 * → done | failed. A result is one transaction (run row + scan update), so a crash either
 * records it whole or not at all, and a restarted engine picks up exactly what is missing.
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { PipelineMode } from '../../shared/api'
import type { ErrorCode, ErrorInfo } from '../../shared/errors'
import type { IndexedFile, JobSpec } from '../../shared/worker'
import type { Db } from './db'

// Claim ownership (heartbeats, zombie owners) lives in claims.ts.
export { ownerId, releaseStaleClaims } from './claims'

interface OutputRow {
  name: string
  fileBytes: number
}

/**
 * A done scan whose volumes are missing or the wrong size (half-written, deleted, corrupted)
 * goes back to pending, so it is recomputed rather than served broken.
 */
export function invalidateBrokenCaches(db: Db): number {
  const rows = db
    .prepare(
      `SELECT s.id, r.cache_dir, r.result_json FROM scans s JOIN runs r ON r.id = s.current_run_id
       WHERE s.status = 'done'`,
    )
    .all() as Array<{ id: number; cache_dir: string | null; result_json: string | null }>
  const broken = rows.filter((r) => {
    if (!r.cache_dir || !r.result_json) return true
    const outputs = (JSON.parse(r.result_json) as { outputs?: OutputRow[] }).outputs ?? []
    return outputs.some((o) => {
      try {
        return statSync(join(r.cache_dir!, o.name)).size !== o.fileBytes
      } catch {
        return true
      }
    })
  })
  const upd = db.prepare("UPDATE scans SET status = 'pending', current_run_id = NULL WHERE id = ?")
  db.transaction(() => broken.forEach((r) => upd.run(r.id)))()
  return broken.length
}

export interface ClaimedScan {
  id: number
  rootPath: string
  folder: string
  files: string[]
  closingMm: number
  /**
   * For a retry, the mode of the run it retries: a reviewer's retry changes the closing only,
   * so a better mask can be credited to the closing and not to a silent change of mode.
   */
  mode: PipelineMode | null
  /** Per file, what the scan indexed: size, mtime and header (null when not indexed). */
  indexed: Array<IndexedFile | null>
}

/** Atomically takes the next pending scan for this engine, or null when none is left. */
export function claimNext(db: Db, owner: string): ClaimedScan | null {
  return db.transaction(() => {
    const row = db
      .prepare(
        `SELECT s.id, s.root_id, r.path AS root_path, s.folder, s.files_json, s.retry_closing_mm,
                (SELECT mode FROM runs WHERE runs.id = s.current_run_id) AS prev_mode
         FROM scans s JOIN roots r ON r.id = s.root_id WHERE s.status = 'pending'
         -- a reviewer's retry first: someone is waiting for it
         ORDER BY (s.retry_closing_mm IS NULL), s.id LIMIT 1`,
      )
      .get() as
      | { id: number; root_id: number; root_path: string; folder: string; files_json: string; retry_closing_mm: number | null; prev_mode: PipelineMode | null }
      | undefined
    if (!row) return null
    db.prepare("UPDATE scans SET status = 'processing', claimed_by = ? WHERE id = ?").run(owner, row.id)
    const files = JSON.parse(row.files_json) as string[]
    // The worker then checks each file's size and mtime instead of parsing its header again.
    const one = db.prepare('SELECT size, mtime_ms, header_json FROM files WHERE root_id = ? AND path = ?')
    const indexed = files.map((f) => {
      const r = one.get(row.root_id, f) as { size: number; mtime_ms: number; header_json: string | null } | undefined
      return r?.header_json ? ([r.size, r.mtime_ms, r.header_json] as IndexedFile) : null
    })
    return {
      id: row.id,
      rootPath: row.root_path,
      folder: row.folder,
      files,
      indexed,
      closingMm: row.retry_closing_mm ?? 0,
      mode: row.retry_closing_mm !== null ? row.prev_mode : null,
    }
  }).immediate()
}

export interface Completion {
  job: JobSpec
  owner: string
  startedAt: string
  version: string
  ok: boolean
  result?: { flags?: unknown[] } & Record<string, unknown>
  error?: ErrorInfo
}

/**
 * Records a finished job: one run row and the scan's new state, in one transaction. Only the
 * owner's claim is completed, so a result can never be recorded twice.
 */
export function completeJob(db: Db, c: Completion): number | null {
  return db.transaction(() => {
    const claimed = db.prepare("SELECT 1 FROM scans WHERE id = ? AND status = 'processing' AND claimed_by = ?").get(c.job.scanId, c.owner)
    if (!claimed) return null
    const runId = Number(
      db
        .prepare(
          `INSERT INTO runs (scan_id, mode, closing_mm, params_json, status, started_at, finished_at, software_version,
             result_json, flags_json, error_code, error_message, cache_dir)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          c.job.scanId,
          c.job.params.mode,
          c.job.params.closingMm,
          JSON.stringify(c.job.params),
          c.ok ? 'done' : 'failed',
          c.startedAt,
          new Date().toISOString(),
          c.version,
          c.result ? JSON.stringify(c.result) : null,
          JSON.stringify(c.result?.flags ?? []),
          c.error?.code ?? null,
          c.error?.message ?? null,
          c.ok ? c.job.outDir : null,
        ).lastInsertRowid,
    )
    db.prepare(
      `UPDATE scans SET status = ?, claimed_by = NULL, current_run_id = ?,
         review = CASE WHEN review = 'retry' THEN 'unreviewed' ELSE review END, retry_closing_mm = NULL
       WHERE id = ?`,
    ).run(c.ok ? 'done' : 'failed', runId, c.job.scanId)
    return runId
  }).immediate()
}

/** Gives a claimed scan back (cancel): it will be processed by the next run. */
export function releaseClaim(db: Db, scanId: number, owner: string): void {
  db.prepare("UPDATE scans SET status = 'pending', claimed_by = NULL WHERE id = ? AND claimed_by = ?").run(scanId, owner)
}

/** Failures the machine's state caused, not the scan: the next run tries them again. */
export const TRANSIENT_ERRORS: readonly ErrorCode[] = ['DISK_FULL', 'OUT_OF_MEMORY', 'WORKER_CRASHED', 'WORKER_TIMEOUT']

/**
 * Failed scans back to pending: those whose last run failed for a transient reason, or every
 * failed scan with `all` (`process --retry-failed`). A failed retry keeps its closing radius.
 */
export function requeueFailed(db: Db, all = false): number {
  const codes = TRANSIENT_ERRORS.map((c) => `'${c}'`).join(',')
  return db
    .prepare(
      `UPDATE scans SET status = 'pending',
         retry_closing_mm = (SELECT CASE WHEN r.closing_mm > 0 THEN r.closing_mm END FROM runs r WHERE r.id = scans.current_run_id)
       WHERE status = 'failed'
         AND (? = 1 OR (SELECT r.error_code FROM runs r WHERE r.id = scans.current_run_id) IN (${codes}))`,
    )
    .run(all ? 1 : 0).changes
}

export function countByStatus(db: Db): Record<string, number> {
  const out: Record<string, number> = { pending: 0, processing: 0, done: 0, failed: 0 }
  for (const r of db.prepare('SELECT status, count(*) AS n FROM scans GROUP BY status').all() as Array<{ status: string; n: number }>) {
    out[r.status] = r.n
  }
  return out
}
