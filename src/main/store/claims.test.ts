import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/tmp'
import { insertScans } from '../../../test/helpers/seedDb'
import { STALE_AFTER_MS, heartbeat, liveEngines, processState, registerEngine, releaseStaleClaims } from './claims'
import { openDb, type Db } from './db'
import { requeueFailed } from './jobs'

const children: ChildProcess[] = []
afterAll(() => children.forEach((c) => c.kill('SIGKILL')))

/**
 * A real zombie: sh starts `sleep 0` in the background, prints its PID and execs into a long
 * sleep, which never reaps it. That is the state of a SIGKILLed CLI whose parent is gone in a
 * container whose PID 1 does not reap.
 */
async function makeZombie(): Promise<number> {
  const sh = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 120'], { stdio: ['ignore', 'pipe', 'ignore'] })
  children.push(sh)
  const pid = await new Promise<number>((ok) => sh.stdout!.once('data', (d: Buffer) => ok(Number(String(d).trim()))))
  for (let i = 0; i < 200 && processState(pid) !== 'zombie'; i++) await new Promise((ok) => setTimeout(ok, 10))
  return pid
}

function liveSleeper(): number {
  const c = spawn('sleep', ['120'], { stdio: 'ignore' })
  children.push(c)
  return c.pid!
}

function claim(db: Db, id: number, owner: string): void {
  db.prepare("UPDATE scans SET status = 'processing', claimed_by = ? WHERE id = ?").run(owner, id)
}
const status = (db: Db): string[] => db.prepare('SELECT status FROM scans ORDER BY id').pluck().all() as string[]

describe('claim ownership', () => {
  const dir = tempDir()

  it.runIf(process.platform === 'linux')('sees a zombie for what it is, although kill(pid, 0) succeeds on it', async () => {
    const z = await makeZombie()
    expect(readFileSync(`/proc/${z}/stat`, 'latin1')).toMatch(/\) Z /)
    expect(() => process.kill(z, 0)).not.toThrow() // why the PID alone misled the old check
    expect(processState(z)).toBe('zombie')
    expect(processState(process.pid)).toBe('alive')
    expect(processState(2 ** 22 + 12345)).toBe('gone')
  })

  it('releases claims of a zombie owner, a dead owner, and a live PID with a stale heartbeat; keeps a live engine', async () => {
    const db = openDb(join(dir, 'claims.sqlite'))
    insertScans(db, '/data/c', [1, 2, 3, 4, 5].map((i) => ({ folder: `p${i}`, patientId: `P${i}` })))
    const host = hostname()
    const now = Date.now()
    const zombie = await makeZombie()
    const reused = liveSleeper() // stands for a PID reused after a reboot: alive, but not our engine
    const live = liveSleeper()
    claim(db, 1, `${host}:${zombie}`) // no heartbeat row: judged by its process
    claim(db, 2, `${host}:${2 ** 22 + 4321}`) // gone
    claim(db, 3, `${host}:${reused}`)
    registerEngine(db, `${host}:${reused}`, now - STALE_AFTER_MS - 1000)
    claim(db, 4, `${host}:${live}`)
    registerEngine(db, `${host}:${live}`, now - 1000)
    claim(db, 5, `${host}:${zombie}`)
    registerEngine(db, `${host}:${zombie}`, now) // just died: the heartbeat is fresh, the process a zombie
    expect(liveEngines(db, 'me', now)).toEqual([`${host}:${live}`])
    expect(releaseStaleClaims(db, { now })).toBe(4)
    expect(status(db)).toEqual(['pending', 'pending', 'pending', 'processing', 'pending'])
    // The dead engines are forgotten, the live one kept.
    expect(db.prepare('SELECT owner FROM engines').pluck().all()).toEqual([`${host}:${live}`])
    // The live engine stops beating: its claim goes stale once the heartbeat is old enough.
    heartbeat(db, `${host}:${live}`, now)
    expect(releaseStaleClaims(db, { now: now + STALE_AFTER_MS / 2 })).toBe(0)
    expect(releaseStaleClaims(db, { now: now + STALE_AFTER_MS + 1 })).toBe(1)
    expect(status(db)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending'])
    db.close()
  })

  it('requeues transient failures on the next run, and every failure with --retry-failed', () => {
    const db = openDb(join(dir, 'requeue.sqlite'))
    const ids = insertScans(db, '/data/r', ['DISK_FULL', 'OUT_OF_MEMORY', 'WORKER_CRASHED', 'WORKER_TIMEOUT', 'DICOM_TRUNCATED', 'NOT_CT'].map((c) => ({ folder: c, patientId: c })))
    for (const id of ids) {
      const code = db.prepare('SELECT folder FROM scans WHERE id = ?').pluck().get(id) as string
      const closing = code === 'WORKER_CRASHED' ? 3 : 0 // a failed retry keeps its closing
      const run = db
        .prepare("INSERT INTO runs (scan_id, mode, closing_mm, status, error_code, error_message) VALUES (?, 'seed', ?, 'failed', ?, 'x')")
        .run(id, closing, code).lastInsertRowid
      db.prepare("UPDATE scans SET status = 'failed', current_run_id = ? WHERE id = ?").run(run, id)
    }
    expect(requeueFailed(db)).toBe(4)
    expect(status(db)).toEqual(['pending', 'pending', 'pending', 'pending', 'failed', 'failed'])
    expect(db.prepare('SELECT retry_closing_mm FROM scans ORDER BY id').pluck().all()).toEqual([null, null, 3, null, null, null])
    expect(requeueFailed(db, true)).toBe(2)
    expect(status(db).every((s) => s === 'pending')).toBe(true)
    db.close()
  })
})
