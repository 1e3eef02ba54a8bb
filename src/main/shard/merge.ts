/**
 * `ct-curator merge <out> <shard>...`: the shards' scans, runs (with their flags and results)
 * and reviews in one database, as if one process had done the work.
 *
 * - A scan is the same scan in two databases when root path and patient match. Its runs are the
 *   same run when they started and finished at the same instants with the same parameters, and
 *   reviews likewise by decision and time — so merging again adds nothing (idempotent).
 * - Two databases holding different results for a series (another mask, status, flags, error;
 *   timings and cache layout aside) is a conflict: the merge refuses, writing nothing, unless
 *   `prefer` says which wins ('newest': the later finished run; a path: that shard). Both
 *   histories are kept either way; only the scan's current result follows the winner.
 * - Volumes stay in the shards' caches: a run points at its folder where the shard recorded it,
 *   or, when the shard's files were moved (a cluster's mount seen from a laptop), at the same
 *   `<scan>/<job>` folder under `<shard>.cache`. `copyCache` copies them into one folder instead.
 */
import { cp, mkdir, rename, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { CuratorError } from '../../shared/errors'
import { openDb, type Db } from '../store/db'

export interface MergeOptions {
  /** Which result wins a conflict: 'newest', or the path of one of the shards. */
  prefer?: string
  /** Copy the runs' folders into this folder (as `<scan id>/<job>`), instead of pointing at the shards'. */
  copyCache?: string
}

export interface MergeSummary {
  shards: number
  scansAdded: number
  /** Scans whose current result came from a shard that won a conflict, or filled a scan without one. */
  scansUpdated: number
  runsAdded: number
  reviewsAdded: number
  conflictsResolved: number
  foldersCopied: number
}

type Row = Record<string, unknown>

const columns = (db: Db, table: string): string[] => (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name)

/** What a scan's result is, for telling "same" from "different": no timings, ids or paths. */
function resultKey(scan: Row, run: Row | undefined): string {
  const result = run?.result_json ? (JSON.parse(run.result_json as string) as Record<string, unknown>) : null
  if (result) {
    delete result.timingsMs
    delete result.outputs
  }
  return JSON.stringify([
    scan.series_uid,
    scan.files_sig,
    scan.status === 'processing' ? 'pending' : scan.status,
    run ? [run.mode, run.closing_mm, run.status, run.flags_json, run.error_code, run.error_message, result] : null,
  ])
}

const hasResult = (scan: Row): boolean => scan.status === 'done' || scan.status === 'failed'
const runKey = (r: Row): string => JSON.stringify([r.started_at, r.finished_at, r.mode, r.closing_mm, r.status])
const reviewKey = (r: Row): string => JSON.stringify([r.review, r.note, r.at])

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null
}

/** Where a shard's run folder is now: as recorded, or under `<shard>.cache` when the shard moved. */
async function locateFolder(shardPath: string, recorded: string): Promise<string> {
  if (await exists(recorded)) return recorded
  const moved = join(`${shardPath}.cache`, basename(dirname(recorded)), basename(recorded))
  return (await exists(moved)) ? moved : recorded
}

async function copyFolder(src: string, dst: string): Promise<void> {
  await mkdir(dirname(dst), { recursive: true })
  const tmp = `${dst}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  await cp(src, tmp, { recursive: true })
  await rename(tmp, dst)
}

export async function mergeShards(outPath: string, shardPaths: string[], o: MergeOptions = {}): Promise<MergeSummary> {
  const out = resolve(outPath)
  const shards = shardPaths.map((p) => resolve(p))
  if (shards.length === 0) throw new CuratorError('BAD_ARGUMENT', 'merge: give at least one shard database.')
  if (shards.includes(out)) throw new CuratorError('BAD_ARGUMENT', `merge: ${out} is both the output and a shard.`)
  const prefer = o.prefer === undefined || o.prefer === 'newest' ? o.prefer : resolve(o.prefer)
  if (prefer && prefer !== 'newest' && !shards.includes(prefer))
    throw new CuratorError('BAD_ARGUMENT', `--prefer ${o.prefer}: expected "newest" or one of the shard databases given.`)
  const copyDir = o.copyCache ? resolve(o.copyCache) : null

  const sources = shards.map((path) => ({ path, db: openDb(path, { mustExist: true }) }))
  const db = openDb(out)
  const summary: MergeSummary = { shards: shards.length, scansAdded: 0, scansUpdated: 0, runsAdded: 0, reviewsAdded: 0, conflictsResolved: 0, foldersCopied: 0 }
  const copies: Array<{ src: string; dst: string }> = []
  try {
    // Folders are located before the transaction (it is synchronous); a folder that is nowhere
    // keeps its recorded path, and the next `process` recomputes that scan.
    const folders = new Map<string, string>()
    for (const s of sources) {
      for (const dir of s.db.prepare('SELECT cache_dir FROM runs WHERE cache_dir IS NOT NULL').pluck().all() as string[])
        folders.set(`${s.path}\0${dir}`, await locateFolder(s.path, dir))
    }
    const scanCols = columns(db, 'scans').filter((c) => !['id', 'root_id', 'current_run_id', 'claimed_by'].includes(c))
    const runCols = columns(db, 'runs').filter((c) => !['id', 'scan_id', 'cache_dir'].includes(c))
    const reviewCols = columns(db, 'reviews').filter((c) => !['id', 'scan_id'].includes(c))
    const insertScan = db.prepare(`INSERT INTO scans (root_id, ${scanCols.join(', ')}) VALUES (@root_id, ${scanCols.map((c) => '@' + c).join(', ')})`)
    const updateScan = db.prepare(`UPDATE scans SET ${scanCols.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`)
    const insertRun = db.prepare(`INSERT INTO runs (scan_id, cache_dir, ${runCols.join(', ')}) VALUES (@scan_id, @cache_dir, ${runCols.map((c) => '@' + c).join(', ')})`)
    const insertReview = db.prepare(`INSERT INTO reviews (scan_id, ${reviewCols.join(', ')}) VALUES (@scan_id, ${reviewCols.map((c) => '@' + c).join(', ')})`)
    const conflicts: string[] = []
    // Which shard the current result of a scan came from in this merge (for --prefer <file>).
    const winnerOf = new Map<number, string>()

    db.transaction(() => {
      for (const src of sources) {
        const rootIds = new Map<number, number>()
        for (const r of src.db.prepare('SELECT * FROM roots').all() as Row[]) {
          db.prepare('INSERT OR IGNORE INTO roots (path, scanned_at) VALUES (?, ?)').run(r.path, r.scanned_at)
          rootIds.set(r.id as number, (db.prepare('SELECT id FROM roots WHERE path = ?').get(r.path) as { id: number }).id)
        }
        // The header index and grouping too: a rescan of the merged database is then as fast as a shard's.
        for (const table of ['files', 'series', 'series_overrides']) {
          const cols = columns(db, table).filter((c) => c !== 'root_id' && columns(src.db, table).includes(c))
          const ins = db.prepare(`INSERT OR IGNORE INTO ${table} (root_id, ${cols.join(', ')}) VALUES (@root_id, ${cols.map((c) => '@' + c).join(', ')})`)
          for (const r of src.db.prepare(`SELECT * FROM ${table}`).iterate() as Iterable<Row>) ins.run({ ...pick(r, cols), root_id: rootIds.get(r.root_id as number) })
        }
        for (const scan of src.db.prepare('SELECT * FROM scans ORDER BY id').all() as Row[]) {
          const rootId = rootIds.get(scan.root_id as number)!
          const runs = src.db.prepare('SELECT * FROM runs WHERE scan_id = ? ORDER BY id').all(scan.id) as Row[]
          const reviews = src.db.prepare('SELECT * FROM reviews WHERE scan_id = ? ORDER BY id').all(scan.id) as Row[]
          const theirCurrent = runs.find((r) => r.id === scan.current_run_id)
          const values = { ...pick(scan, scanCols), status: scan.status === 'processing' ? 'pending' : scan.status }
          let mine = db.prepare('SELECT * FROM scans WHERE root_id = ? AND patient_key = ?').get(rootId, scan.patient_key) as Row | undefined
          let takeTheirs = false
          if (!mine) {
            const id = Number(insertScan.run({ ...values, root_id: rootId }).lastInsertRowid)
            mine = { id }
            takeTheirs = true
            summary.scansAdded++
          } else {
            const myCurrent = mine.current_run_id === null ? undefined : (db.prepare('SELECT * FROM runs WHERE id = ?').get(mine.current_run_id) as Row | undefined)
            if (resultKey(mine, myCurrent) !== resultKey(scan, theirCurrent)) {
              if (!hasResult(scan)) takeTheirs = false
              else if (!hasResult(mine)) takeTheirs = true
              else if (prefer === 'newest') {
                takeTheirs = String(theirCurrent?.finished_at ?? '') > String(myCurrent?.finished_at ?? '')
                summary.conflictsResolved++
              } else if (prefer && (prefer === src.path || winnerOf.get(mine.id as number) === prefer)) {
                takeTheirs = prefer === src.path
                summary.conflictsResolved++
              } else {
                conflicts.push(`${scan.folder} (series ${scan.series_uid}): ${src.path} has ${scan.status}, the merge so far ${mine.status}`)
                continue
              }
              if (takeTheirs) summary.scansUpdated++
            }
          }
          const outScanId = mine.id as number
          if (takeTheirs) winnerOf.set(outScanId, src.path)
          // Runs: add the ones this database does not have yet.
          const known = new Map((db.prepare('SELECT * FROM runs WHERE scan_id = ?').all(outScanId) as Row[]).map((r) => [runKey(r), r.id as number]))
          const runIds = new Map<number, number>()
          for (const r of runs) {
            const key = runKey(r)
            let id = known.get(key)
            if (id === undefined) {
              let dir = r.cache_dir === null ? null : folders.get(`${src.path}\0${r.cache_dir as string}`)!
              if (dir !== null && copyDir) {
                const dst = join(copyDir, String(outScanId), basename(dir))
                copies.push({ src: dir, dst })
                dir = dst
              }
              id = Number(insertRun.run({ ...pick(r, runCols), scan_id: outScanId, cache_dir: dir }).lastInsertRowid)
              known.set(key, id)
              summary.runsAdded++
            } else if (copyDir && r.cache_dir !== null) {
              // A merge cut short after its rows but before its copies: copy what is still missing.
              const dst = (db.prepare('SELECT cache_dir FROM runs WHERE id = ?').pluck().get(id) as string | null) ?? ''
              if (dst.startsWith(copyDir)) copies.push({ src: folders.get(`${src.path}\0${r.cache_dir as string}`)!, dst })
            }
            runIds.set(r.id as number, id)
          }
          const reviewed = new Set((db.prepare('SELECT * FROM reviews WHERE scan_id = ?').all(outScanId) as Row[]).map(reviewKey))
          for (const rv of reviews) {
            if (reviewed.has(reviewKey(rv))) continue
            insertReview.run({ ...pick(rv, reviewCols), scan_id: outScanId })
            summary.reviewsAdded++
          }
          const current = db.prepare('SELECT * FROM scans WHERE id = ?').get(outScanId) as Row
          const next: Row = takeTheirs ? { ...values } : pick(current, scanCols)
          // The latest review decision stands, whichever database it was made in.
          if (String(scan.reviewed_at ?? '') > String(current.reviewed_at ?? '')) {
            for (const c of ['review', 'review_note', 'reviewed_at', 'retry_closing_mm']) if (scanCols.includes(c)) next[c] = scan[c]
          }
          updateScan.run({ ...next, id: outScanId })
          if (takeTheirs) {
            const cur = scan.current_run_id === null ? null : (runIds.get(scan.current_run_id as number) ?? null)
            db.prepare('UPDATE scans SET current_run_id = ?, claimed_by = NULL WHERE id = ?').run(cur, outScanId)
          }
        }
      }
      if (conflicts.length) {
        throw new CuratorError(
          'MERGE_CONFLICT',
          `${conflicts.length} series have different results in different databases; nothing was merged. ` +
            `Give --prefer newest, or --prefer <shard.sqlite> to say which wins.\n  ${conflicts.slice(0, 10).join('\n  ')}${conflicts.length > 10 ? '\n  …' : ''}`,
        )
      }
    }).immediate()
  } finally {
    db.close()
    for (const s of sources) s.db.close()
  }
  for (const c of copies) {
    if (await exists(c.dst)) continue
    if (!(await exists(c.src))) continue
    await copyFolder(c.src, c.dst)
    summary.foldersCopied++
  }
  return summary
}

function pick(r: Row, cols: string[]): Row {
  const o: Row = {}
  for (const c of cols) o[c] = r[c] ?? null
  return o
}
