/**
 * What a killed job leaves in the cache: `*.tmp-<pid>-*` files (a write cut short before its
 * rename) and run folders no run row points to (a job killed before it was recorded, a failed
 * job's outputs). Swept at the start of every processing run; `cache --prune` may call it too.
 * Never touches a scan another engine is processing now, nor a temp file whose writer lives.
 */
import { readdir, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { processState } from '../store/claims'
import type { Db } from '../store/db'

export interface SweepResult {
  tmpFiles: number
  runFolders: number
  bytes: number
}

const TMP = /\.tmp-(\d+)-[0-9a-f]+$/

async function sizeOf(path: string): Promise<number> {
  const st = await stat(path).catch(() => null)
  if (!st) return 0
  if (!st.isDirectory()) return st.size
  let n = 0
  for (const e of await readdir(path).catch(() => [] as string[])) n += await sizeOf(join(path, e))
  return n
}

async function listDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isDirectory()).map((e) => e.name)
}

/** Layout: `<cacheDir>/<scanId>/<jobId>/files`; other entries are left alone. */
export async function sweepCache(db: Db, cacheDir: string): Promise<SweepResult> {
  const out: SweepResult = { tmpFiles: 0, runFolders: 0, bytes: 0 }
  const root = resolve(cacheDir)
  const scanDirs = (await listDirs(root)).filter((d) => /^\d+$/.test(d))
  const jobDirs = new Map<string, string[]>()
  for (const s of scanDirs) jobDirs.set(s, await listDirs(join(root, s)))
  // Read after listing: a folder made by a job claimed since then is not in the list.
  const referenced = new Set((db.prepare('SELECT cache_dir FROM runs WHERE cache_dir IS NOT NULL').pluck().all() as string[]).map((d) => resolve(d)))
  const busy = new Set((db.prepare("SELECT id FROM scans WHERE status = 'processing'").pluck().all() as number[]).map(String))
  for (const [scan, jobs] of jobDirs) {
    if (busy.has(scan)) continue
    for (const job of jobs) {
      const dir = join(root, scan, job)
      if (!referenced.has(dir)) {
        out.bytes += await sizeOf(dir)
        await rm(dir, { recursive: true, force: true })
        out.runFolders++
        continue
      }
      for (const f of await readdir(dir).catch(() => [] as string[])) {
        const m = TMP.exec(f)
        if (!m || processState(Number(m[1])) === 'alive') continue
        out.bytes += await sizeOf(join(dir, f))
        await rm(join(dir, f), { force: true })
        out.tmpFiles++
      }
    }
  }
  return out
}
