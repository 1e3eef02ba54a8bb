/**
 * Faults a real run meets: kills at random points (the kill loop's fast part), a full disk,
 * two writers on one database. Real CLI processes, real SQLite files, a real tmpfs.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore } from '../src/main/core'
import { writePhantomSeries } from '../src/main/phantom'
import { openDb } from '../src/main/store/db'
import { ct } from './helpers/cli'
import { tempDir } from './helpers/tmp'
import { formatKillReport, runKillTest } from './hardening/killtest'

describe('kill loop (3 rounds: a worker, the whole CLI group, an export)', () => {
  it('keeps every invariant and ends equal to an uninterrupted run', async () => {
    const seed = Date.now() & 0xffff
    const report = await runKillTest({ rounds: 3, kinds: ['worker', 'group', 'export'], patients: 4, seed })
    const text = formatKillReport(report)
    // The seed replays the same kill points: npm run killtest -- --rounds 3 --seed <seed>
    expect(report.rounds.flatMap((r) => r.problems), text).toEqual([])
    expect(report.final.problems, text).toEqual([])
    expect(report.final.done).toBe(4)
  })
})

async function cohort(root: string, n: number, size = 48): Promise<void> {
  for (let i = 0; i < n; i++) {
    await writePhantomSeries(join(root, `p${i}`), { rows: size, cols: size, slices: 24, sliceSpacing: 5, seed: 90 + i, patientId: `F${i}` })
  }
}

const filesUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : []

/** A tmpfs we can fill: needs root (or CAP_SYS_ADMIN); elsewhere the test says why it is skipped. */
function tryMount(dir: string, size: string): boolean {
  try {
    mkdirSync(dir, { recursive: true })
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

describe('disk full', () => {
  const dir = tempDir()
  const root = join(dir, 'cohort')
  const cache = join(dir, 'small-disk')
  let mounted = false
  beforeAll(async () => {
    await cohort(root, 3)
    mounted = process.platform === 'linux' && tryMount(cache, '96k')
    if (!mounted) console.warn('disk-full test skipped: cannot mount a tmpfs here (needs root)')
  })
  afterAll(() => {
    if (mounted) execFileSync('umount', [cache])
  })

  it('fails with DISK_FULL saying what to do, keeps no partial output, and the next run after freeing space finishes', async (ctx) => {
    if (!mounted) ctx.skip()
    const db = join(dir, 'full.sqlite')
    const first = await ct(['process', root, '--db', db, '--cache', cache, '--workers', '1'])
    expect(first.code, first.stderr).toBe(0) // the run completes; the failures are recorded
    expect(first.stdout).toMatch(/Done: 0 processed, 3 failed/)
    const scans = JSON.parse((await ct(['status', '--db', db, '--json'])).stdout) as Array<{ status: string; error: { code: string; message: string } | null }>
    expect(scans.map((s) => [s.status, s.error?.code])).toEqual(Array(3).fill(['failed', 'DISK_FULL']))
    expect(scans[0]!.error!.message).toMatch(/disk is full writing .*small-disk.*Free space there/)
    expect(filesUnder(cache)).toEqual([]) // no stray hu.npy, no temp file
    // Space is freed: the next plain `process` retries what the full disk failed.
    execFileSync('mount', ['-o', 'remount,size=64m', cache])
    const second = await ct(['process', root, '--db', db, '--cache', cache, '--workers', '1'])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toMatch(/Done: 3 processed, 0 failed .*retried 3 failed/)
  })

  it('an export onto a full disk fails with DISK_FULL, and finishes once there is room', async (ctx) => {
    if (!mounted) ctx.skip()
    const db = join(dir, 'full.sqlite') // processed by the test above
    const out = join(dir, 'export-disk')
    if (!tryMount(out, '64k')) ctx.skip()
    try {
      const full = await ct(['export', join(out, 'dataset'), '--db', db, '--include', 'done', '--format', 'npy'])
      expect(full.code).toBe(1)
      expect(full.stderr).toMatch(/DISK_FULL: The disk is full.*an export resumes where it stopped/)
      expect(existsSync(join(out, 'dataset'))).toBe(false) // nothing half-written published
      execFileSync('mount', ['-o', 'remount,size=64m', out])
      const room = await ct(['export', join(out, 'dataset'), '--db', db, '--include', 'done', '--format', 'npy'])
      expect(room.code, room.stderr).toBe(0)
      expect(filesUnder(join(out, 'dataset')).filter((f) => f.endsWith('.npy')).length).toBeGreaterThanOrEqual(3)
    } finally {
      execFileSync('umount', [out])
    }
  })
})

describe('two writers on one database', () => {
  const dir = tempDir()
  const root = join(dir, 'cohort')
  beforeAll(() => cohort(root, 6))

  const runsPerScan = (db: string): number[] => {
    const h = openDb(db)
    try {
      return h.prepare('SELECT (SELECT count(*) FROM runs r WHERE r.scan_id = s.id) FROM scans s ORDER BY s.id').pluck().all() as number[]
    } finally {
      h.close()
    }
  }

  it('two `process` runs at once share the work: every scan processed exactly once', async () => {
    const db = join(dir, 'two.sqlite')
    await ct(['scan', root, '--db', db]) // both start from the same queue
    const [a, b] = await Promise.all([
      ct(['process', root, '--db', db, '--workers', '1']),
      ct(['process', root, '--db', db, '--workers', '1']),
    ])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    expect(runsPerScan(db)).toEqual(Array(6).fill(1))
    const done = [a, b].map((r) => Number(/Done: (\d+) processed/.exec(r.stdout)?.[1] ?? -1))
    expect(done[0]! + done[1]!).toBe(6)
  })

  it("the app's engine and the CLI at once: every scan processed exactly once", async () => {
    const db = join(dir, 'app-and-cli.sqlite')
    await ct(['scan', root, '--db', db])
    const core = createCore(db)
    try {
      await core.api.startProcessing({ workers: 1 })
      const cli = await ct(['process', root, '--db', db, '--workers', '1'])
      expect(cli.code, cli.stderr).toBe(0)
      for (let i = 0; i < 600 && (await core.api.getProcessingState()).running; i++) await new Promise((ok) => setTimeout(ok, 100))
      expect((await core.api.getProcessingState()).counts).toMatchObject({ done: 6, pending: 0, processing: 0 })
    } finally {
      core.close()
    }
    expect(runsPerScan(db)).toEqual(Array(6).fill(1))
  })
})
