/**
 * Who owns a claim, and whether that owner still lives. A claim names its engine as
 * `host:pid`; every running engine also keeps a row in `engines` whose heartbeat it refreshes.
 * A PID alone is not proof of life: a SIGKILLed CLI can linger as a zombie when nothing reaps
 * it (a container whose PID 1 does not, as Docker without --init), `kill(pid, 0)` succeeds on a
 * zombie, and after a reboot the PID may belong to another program. So a claim is stale when its
 * engine's heartbeat is older than STALE_AFTER_MS, or its process is gone or a zombie.
 */
import { existsSync, readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import type { Db } from './db'

/** How often a running engine refreshes its heartbeat. */
export const HEARTBEAT_MS = 5_000
/** A heartbeat older than this (six missed beats) means the engine is gone, whatever its PID says. */
export const STALE_AFTER_MS = 30_000

export const ownerId = (): string => `${hostname()}:${process.pid}`

const hasProc = process.platform === 'linux' && existsSync('/proc/self/stat')

export type ProcessState = 'alive' | 'zombie' | 'gone'

/** Linux: from /proc (a zombie shows state Z); elsewhere: whether a signal could be sent. */
export function processState(pid: number): ProcessState {
  if (!Number.isInteger(pid) || pid <= 0) return 'gone'
  if (hasProc) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    } catch {
      return 'gone'
    }
    // "pid (comm) S …": comm may hold spaces and parentheses, the state follows the last ')'.
    const state = stat.charAt(stat.lastIndexOf(')') + 2)
    return state === 'Z' || state === 'X' ? 'zombie' : 'alive'
  }
  try {
    process.kill(pid, 0)
    return 'alive'
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'gone'
  }
}

/** Registers (or re-registers) this engine with a fresh heartbeat. */
export function registerEngine(db: Db, owner: string, now = Date.now()): void {
  db.prepare('INSERT OR REPLACE INTO engines (owner, heartbeat_ms, started_at) VALUES (?, ?, ?)').run(owner, now, new Date(now).toISOString())
}

export function heartbeat(db: Db, owner: string, now = Date.now()): void {
  db.prepare('UPDATE engines SET heartbeat_ms = ? WHERE owner = ?').run(now, owner)
}

export function unregisterEngine(db: Db, owner: string): void {
  db.prepare('DELETE FROM engines WHERE owner = ?').run(owner)
}

/**
 * Whether `owner` may still be working. A fresh heartbeat is required when there is one; a
 * process on this machine must also exist and not be a zombie. Another machine's engine
 * (a database on a shared disk) is judged by its heartbeat only.
 */
export function ownerLive(owner: string, heartbeatMs: number | null, now = Date.now(), staleAfterMs = STALE_AFTER_MS): boolean {
  if (heartbeatMs !== null && now - heartbeatMs > staleAfterMs) return false
  const at = owner.lastIndexOf(':')
  const host = owner.slice(0, at)
  if (host !== hostname()) return true
  return processState(Number(owner.slice(at + 1))) === 'alive'
}

/** Other engines working on this database now (for the "two writers" message). */
export function liveEngines(db: Db, self: string, now = Date.now(), staleAfterMs = STALE_AFTER_MS): string[] {
  const rows = db.prepare('SELECT owner, heartbeat_ms FROM engines WHERE owner <> ?').all(self) as Array<{ owner: string; heartbeat_ms: number }>
  return rows.filter((r) => ownerLive(r.owner, r.heartbeat_ms, now, staleAfterMs)).map((r) => r.owner)
}

/**
 * Releases claims whose engine is gone (killed app, crashed or zombie CLI, reused PID) and
 * forgets those engines. Returns how many scans went back to pending.
 */
export function releaseStaleClaims(db: Db, opts: { now?: number; staleAfterMs?: number } = {}): number {
  const now = opts.now ?? Date.now()
  const live = (owner: string | null, beat: number | null): boolean => !!owner && ownerLive(owner, beat, now, opts.staleAfterMs)
  // Read and release in one write transaction: a claim another engine makes meanwhile is never undone.
  return db.transaction(() => {
    const rows = db
      .prepare(
        `SELECT s.id, s.claimed_by, e.heartbeat_ms FROM scans s LEFT JOIN engines e ON e.owner = s.claimed_by
         WHERE s.status = 'processing'`,
      )
      .all() as Array<{ id: number; claimed_by: string | null; heartbeat_ms: number | null }>
    const stale = rows.filter((r) => !live(r.claimed_by, r.heartbeat_ms))
    const upd = db.prepare("UPDATE scans SET status = 'pending', claimed_by = NULL WHERE id = ? AND status = 'processing'")
    for (const r of stale) upd.run(r.id)
    const engines = db.prepare('SELECT owner, heartbeat_ms FROM engines').all() as Array<{ owner: string; heartbeat_ms: number }>
    const del = db.prepare('DELETE FROM engines WHERE owner = ?')
    for (const e of engines) if (!live(e.owner, e.heartbeat_ms)) del.run(e.owner)
    return stale.length
  }).immediate()
}
