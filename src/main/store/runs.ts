/**
 * A scan's runs as the case view needs them: which run folder to read, the run a retry is
 * compared with, and going back to an earlier run.
 */
import type { ScanSummary, Vec3 } from '../../shared/api'
import { CuratorError } from '../../shared/errors'
import type { Db } from './db'
import { getScanSummary } from './scans'

export interface RunLocation {
  runId: number
  dir: string
  /** Spacing of the resampled grid, [z, y, x] mm. */
  spacing: Vec3
}

interface RunRow {
  id: number
  scan_id: number
  status: string
  cache_dir: string | null
  result_json: string | null
}

function located(r: RunRow): RunLocation {
  if (r.status !== 'done' || !r.cache_dir) throw new CuratorError('NOT_FOUND', `Run #${r.id} has no volumes (${r.status}).`)
  const result = JSON.parse(r.result_json ?? '{}') as { resampledSpacing?: Vec3 }
  return { runId: r.id, dir: r.cache_dir, spacing: result.resampledSpacing ?? [1, 1, 1] }
}

/** The run folder of `runId` (which must belong to the scan), or of the scan's current run. */
export function locateRun(db: Db, scanId: number, runId?: number): RunLocation {
  const row = (
    runId === undefined
      ? db.prepare('SELECT r.* FROM scans s JOIN runs r ON r.id = s.current_run_id WHERE s.id = ?').get(scanId)
      : db.prepare('SELECT * FROM runs WHERE id = ? AND scan_id = ?').get(runId, scanId)
  ) as RunRow | undefined
  if (!row) {
    const scan = db.prepare('SELECT status FROM scans WHERE id = ?').get(scanId) as { status: string } | undefined
    if (!scan) throw new CuratorError('NOT_FOUND', `No scan with id ${scanId}.`)
    throw new CuratorError('NOT_FOUND', runId === undefined ? `Scan ${scanId} has no result yet (${scan.status}).` : `Run #${runId} is not a run of scan ${scanId}.`)
  }
  return located(row)
}

/**
 * The pair a retry is judged by: the current run and the latest other done run of the scan,
 * ordered older → newer. Null when the scan has one done run or none.
 */
export function runPair(db: Db, scanId: number): { before: RunLocation; after: RunLocation } | null {
  const cur = db.prepare('SELECT current_run_id AS id FROM scans WHERE id = ?').get(scanId) as { id: number | null } | undefined
  if (!cur) throw new CuratorError('NOT_FOUND', `No scan with id ${scanId}.`)
  if (cur.id === null) return null
  const current = db.prepare('SELECT * FROM runs WHERE id = ?').get(cur.id) as RunRow | undefined
  if (!current || current.status !== 'done' || !current.cache_dir) return null
  const other = db
    .prepare("SELECT * FROM runs WHERE scan_id = ? AND id <> ? AND status = 'done' AND cache_dir IS NOT NULL ORDER BY id DESC LIMIT 1")
    .get(scanId, cur.id) as RunRow | undefined
  if (!other) return null
  const [a, b] = other.id < current.id ? [other, current] : [current, other]
  return { before: located(a), after: located(b) }
}

/** Makes a done run of this scan its result again (a reviewer reverting a retry). */
export function setCurrentRun(db: Db, scanId: number, runId: number): ScanSummary {
  const run = db.prepare('SELECT * FROM runs WHERE id = ? AND scan_id = ?').get(runId, scanId) as RunRow | undefined
  if (!run) throw new CuratorError('NOT_FOUND', `Run #${runId} is not a run of scan ${scanId}.`)
  if (run.status !== 'done') throw new CuratorError('BAD_ARGUMENT', `Run #${runId} did not finish (${run.status}); only a done run can be the result.`)
  const scan = db.prepare('SELECT status FROM scans WHERE id = ?').get(scanId) as { status: string }
  if (scan.status === 'processing' || scan.status === 'pending')
    throw new CuratorError('BAD_ARGUMENT', `Scan ${scanId} is ${scan.status}; wait for its run to finish before choosing a run.`)
  db.prepare("UPDATE scans SET current_run_id = ?, status = 'done' WHERE id = ?").run(runId, scanId)
  return getScanSummary(db, scanId)
}
