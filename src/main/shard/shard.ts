/**
 * Sharded runs: `process --shard K/N` processes the scans whose SeriesInstanceUID hashes to K.
 * The hash depends on the UID alone — not on paths, file counts or the order a tree is walked —
 * so a shard keeps its scans when files are added or the tree is copied to another mount, and
 * anyone can recompute it: Python's `int(hashlib.sha1(uid.encode()).hexdigest()[:8], 16) % N`.
 */
import { createHash } from 'node:crypto'
import { CuratorError } from '../../shared/errors'
import type { Db } from '../store/db'

export interface Shard {
  /** 0-based index. */
  k: number
  n: number
}

/** The shard (0 ≤ k < n) a series belongs to. */
export function shardOf(seriesUid: string, n: number): number {
  return createHash('sha1').update(seriesUid).digest().readUInt32BE(0) % n
}

/**
 * `K/N`, or `auto/N`: K from a Slurm job array (`SLURM_ARRAY_TASK_ID`, counted from
 * `SLURM_ARRAY_TASK_MIN` so `--array=1-4` works too) or a Kubernetes Indexed Job
 * (`JOB_COMPLETION_INDEX`).
 */
export function parseShard(spec: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const m = /^(auto|\d+)\/(\d+)$/.exec(spec.trim())
  if (!m) throw new CuratorError('BAD_ARGUMENT', `--shard ${spec}: expected K/N (e.g. 0/4) or auto/N.`)
  const n = Number(m[2])
  if (n < 1) throw new CuratorError('BAD_ARGUMENT', `--shard ${spec}: N must be at least 1.`)
  let k: number
  if (m[1] === 'auto') {
    const slurm = env.SLURM_ARRAY_TASK_ID
    const job = env.JOB_COMPLETION_INDEX
    if (slurm !== undefined && slurm !== '') k = Number(slurm) - Number(env.SLURM_ARRAY_TASK_MIN ?? 0)
    else if (job !== undefined && job !== '') k = Number(job)
    else
      throw new CuratorError(
        'BAD_ARGUMENT',
        `--shard ${spec}: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set; run it as a Slurm array task or a Kubernetes Indexed Job, or give K/N.`,
      )
    if (!Number.isInteger(k)) throw new CuratorError('BAD_ARGUMENT', `--shard ${spec}: the scheduler's task index is not a number.`)
  } else k = Number(m[1])
  if (k < 0 || k >= n) throw new CuratorError('BAD_ARGUMENT', `--shard ${spec}: K must be in 0…${n - 1}, got ${k}.`)
  return { k, n }
}

/**
 * Keeps only this shard's scans in the database (a shard's database holds its own scans, so
 * its `status` and the merge see exactly them); the file index stays whole for fast rescans.
 * Returns how many scans the shard keeps.
 */
export function restrictToShard(db: Db, shard: Shard): number {
  const { rows, others } = outside(db, shard)
  const drop = db.prepare('DELETE FROM scans WHERE id = ?')
  db.transaction(() => others.forEach((r) => drop.run(r.id)))()
  return rows.length - others.length
}

/**
 * Refuses a database holding results (runs or reviews) of scans outside the shard: turning it
 * into a shard would throw them away. Called before the tree is scanned, and again after.
 */
export function checkShardable(db: Db, shard: Shard): void {
  outside(db, shard)
}

function outside(db: Db, shard: Shard) {
  const rows = db
    .prepare(
      `SELECT id, series_uid, folder, EXISTS (SELECT 1 FROM runs WHERE scan_id = scans.id) OR EXISTS (SELECT 1 FROM reviews WHERE scan_id = scans.id) AS has_work
       FROM scans`,
    )
    .all() as Array<{ id: number; series_uid: string; folder: string; has_work: number }>
  const others = rows.filter((r) => shardOf(r.series_uid, shard.n) !== shard.k)
  // Never throw away results: a database with work on other shards' scans is not this shard's.
  const worked = others.filter((r) => r.has_work)
  if (worked.length > 0) {
    throw new CuratorError(
      'BAD_ARGUMENT',
      `--shard ${shard.k}/${shard.n}: this database holds results of ${worked.length} scans outside the shard (e.g. ${worked[0]!.folder}); ` +
        'give each shard its own new --db, and merge them with `ct-curator merge`.',
    )
  }
  return { rows, others }
}
