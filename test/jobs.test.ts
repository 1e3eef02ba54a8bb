/**
 * The job engine with real child processes and a real SQLite file: crashes, hangs and kills
 * fail or resume exactly the scans they touch, and every result is recorded exactly once.
 */
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { PNG } from 'pngjs'
import { VERSION } from '../src/main/core'
import { EventBus } from '../src/main/events'
import { createRouter } from '../src/main/router'
import { scanRoot } from '../src/main/dicom/scanRoot'
import { JobEngine, defaultWorkerCount } from '../src/main/jobs/engine'
import { WORKER_NICE, nodeWorkerFactory } from '../src/main/jobs/nodeWorker'
import { writePhantomSeries } from '../src/main/phantom'
import { openDb, type Db } from '../src/main/store/db'
import type { WorkerPort } from '../src/shared/worker'
import { CLI, ct } from './helpers/cli'
import { tempDir } from './helpers/tmp'

const N = 6

async function makeCohort(root: string): Promise<void> {
  for (let i = 0; i < N; i++) {
    await writePhantomSeries(join(root, `p${i}`), { rows: 64, cols: 64, slices: 30, sliceSpacing: 5, seed: 40 + i, patientId: `P${i}` })
  }
}

interface RunRow {
  scan_id: number
  status: string
  result_json: string | null
  error_code: string | null
  cache_dir: string | null
}
const runs = (db: Db): RunRow[] => db.prepare('SELECT scan_id, status, result_json, error_code, cache_dir FROM runs ORDER BY scan_id, id').all() as RunRow[]

/** The part of a result that must not depend on how the run went (no timings, no paths). */
function stable(json: string | null): unknown {
  const r = JSON.parse(json ?? '{}') as Record<string, unknown>
  delete r.timingsMs
  return r
}

/** Wraps the real worker factory so a test can sabotage chosen jobs. */
function sabotage(kind: 'kill' | 'hang', when: (scanId: number) => boolean): () => WorkerPort {
  const real = nodeWorkerFactory()
  return () => {
    const port = real()
    return {
      get pid() {
        return port.pid
      },
      onMessage: port.onMessage,
      onExit: port.onExit,
      kill: port.kill,
      postMessage: (m) => {
        if (m.type === 'run' && when(m.job.scanId)) {
          if (kind === 'kill') setTimeout(() => process.kill(port.pid!, 'SIGKILL'), 50)
          return // 'hang': the job never reaches the worker
        }
        port.postMessage(m)
      },
    }
  }
}

describe('job engine', () => {
  const dir = tempDir()
  const root = join(dir, 'cohort')
  beforeAll(() => makeCohort(root))

  async function engineRun(db: Db, spawnFn: () => WorkerPort, cache: string, timeoutMs = 120_000) {
    await scanRoot(root, { db })
    return new JobEngine({ db, cacheDir: cache, spawn: spawnFn, workers: 2, version: VERSION, timeoutMs }).run()
  }

  it('processes every scan once with two workers; volumes land in the cache at the recorded size', async () => {
    const db = openDb(join(dir, 'ok.sqlite'))
    const r = await engineRun(db, nodeWorkerFactory(), join(dir, 'cache-ok'))
    expect(r).toMatchObject({ done: N, failed: 0 })
    const rs = runs(db)
    expect(rs.map((x) => x.scan_id)).toEqual(Array.from({ length: N }, (_, i) => i + 1))
    for (const x of rs) {
      const out = (JSON.parse(x.result_json!) as { outputs: Array<{ name: string; fileBytes: number }> }).outputs
      for (const o of out) expect(statSync(join(x.cache_dir!, o.name)).size).toBe(o.fileBytes)
      expect(out.map((o) => o.name)).toContain('preview.png')
    }
    // The reviewer's picture comes back through the API: a PNG of two panels with the mask tinted.
    const api = createRouter({ db, dbPath: join(dir, 'ok.sqlite'), version: VERSION, events: new EventBus() })
    const preview = await api.getPreview({ id: 1 })
    expect(preview?.runId).toBe(db.prepare('SELECT current_run_id FROM scans WHERE id = 1').pluck().get())
    const png = PNG.sync.read(Buffer.from(preview!.pngBase64, 'base64'))
    expect(png.width).toBeGreaterThan(png.height) // axial | coronal
    let tinted = 0
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i + 2]! > png.data[i]! + 40) tinted++
    expect(tinted).toBeGreaterThan(100)
    // Run again: nothing left to do, nothing recorded twice.
    expect((await engineRun(db, nodeWorkerFactory(), join(dir, 'cache-ok'))).done).toBe(0)
    expect(runs(db)).toHaveLength(N)
    db.close()
  })

  it("takes each file's header from the index while the file is unchanged, and parses the file again once it changed", async () => {
    // Its own series: the files are touched below.
    const own = join(dir, 'idx-root')
    await writePhantomSeries(join(own, 'q0'), { rows: 64, cols: 64, slices: 30, sliceSpacing: 5, seed: 77, patientId: 'Q0' })
    const huMax = (db: Db): number => (JSON.parse(runs(db).at(-1)!.result_json!) as { huMax: number }).huMax
    const run = (db: Db, cache: string) => new JobEngine({ db, cacheDir: join(dir, cache), spawn: nodeWorkerFactory(), workers: 1, version: VERSION }).run()
    const plain = openDb(join(dir, 'idx-plain.sqlite'))
    await scanRoot(own, { db: plain })
    await run(plain, 'cache-idx-plain')
    // The index says every slice has an intercept 100 higher than its file does.
    const db = openDb(join(dir, 'idx.sqlite'))
    await scanRoot(own, { db })
    const rows = db.prepare('SELECT path, header_json FROM files').all() as Array<{ path: string; header_json: string }>
    expect(rows.length).toBe(30)
    const set = db.prepare('UPDATE files SET header_json = ? WHERE path = ?')
    for (const r of rows) {
      const h = JSON.parse(r.header_json) as unknown[]
      h[31] = (h[31] as number) + 100 // rescaleIntercept in headerCodec's order
      set.run(JSON.stringify(h), r.path)
    }
    await run(db, 'cache-idx')
    expect(huMax(db)).toBe(huMax(plain) + 100)
    // Touched files: their headers come from the files again.
    const later = new Date(Date.now() + 5000)
    for (const r of rows) utimesSync(join(own, r.path), later, later)
    db.prepare("UPDATE scans SET status = 'pending'").run()
    await run(db, 'cache-idx')
    expect(huMax(db)).toBe(huMax(plain))
    // A stored header this version cannot read (size and mtime matching): the file is parsed.
    const fix = db.prepare('UPDATE files SET header_json = ?, size = ?, mtime_ms = ? WHERE path = ?')
    for (const r of rows) {
      const st = statSync(join(own, r.path))
      fix.run('[999]', st.size, st.mtimeMs, r.path)
    }
    db.prepare("UPDATE scans SET status = 'pending'").run()
    expect(await run(db, 'cache-idx')).toMatchObject({ done: 1, failed: 0 })
    expect(huMax(db)).toBe(huMax(plain))
    plain.close()
    db.close()
  }, 120_000)

  it('sizes the pool to the cores, fewer when memory would not carry them', () => {
    const GiB = 2 ** 30
    expect(defaultWorkerCount(2, 24 * GiB)).toBe(2)
    expect(defaultWorkerCount(8, 16 * GiB)).toBe(5)
    expect(defaultWorkerCount(16, 8 * GiB)).toBe(2)
    expect(defaultWorkerCount(4, 2 * GiB)).toBe(1)
  })

  it('workers start at a lower CPU priority, with malloc asking for huge pages', async () => {
    const port = nodeWorkerFactory()()
    try {
      const pid = port.pid!
      expect(getPriority(pid)).toBe(Math.min(19, getPriority() + WORKER_NICE))
      expect(getPriority(pid)).toBeGreaterThan(getPriority())
      if (process.platform === 'linux') {
        const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')
        expect(environ.find((e) => e.startsWith('GLIBC_TUNABLES='))).toMatch(/glibc\.malloc\.hugetlb=1/)
      }
    } finally {
      port.kill()
    }
  })

  it('a worker killed with SIGKILL fails only its scan; the pool replaces it and goes on', async () => {
    const db = openDb(join(dir, 'kill.sqlite'))
    const r = await engineRun(db, sabotage('kill', (id) => id === 3), join(dir, 'cache-kill'))
    expect(r).toMatchObject({ done: N - 1, failed: 1 })
    const failed = runs(db).filter((x) => x.status === 'failed')
    expect(failed).toEqual([expect.objectContaining({ scan_id: 3, error_code: 'WORKER_CRASHED' })])
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    db.close()
  })

  it('a hung worker is stopped after the timeout and only that scan fails', async () => {
    const db = openDb(join(dir, 'hang.sqlite'))
    // Generous limit: a loaded CI machine must not time out the healthy scans.
    const r = await engineRun(db, sabotage('hang', (id) => id === 2), join(dir, 'cache-hang'), 20_000)
    expect(r).toMatchObject({ done: N - 1, failed: 1 })
    expect(runs(db).find((x) => x.status === 'failed')).toMatchObject({ scan_id: 2, error_code: 'WORKER_TIMEOUT' })
    db.close()
  })

  it('a half-written or corrupt cache file is ignored and the scan recomputed', async () => {
    const db = openDb(join(dir, 'ok.sqlite'))
    const victim = runs(db)[0]!
    writeFileSync(join(victim.cache_dir!, 'resampled.npy'), 'garbage')
    const r = await engineRun(db, nodeWorkerFactory(), join(dir, 'cache-ok'))
    expect(r).toMatchObject({ done: 1, failed: 0, recovered: { brokenCaches: 1 } })
    const again = runs(db).filter((x) => x.scan_id === victim.scan_id)
    expect(again).toHaveLength(2)
    expect(stable(again[1]!.result_json)).toEqual(stable(again[0]!.result_json))
    db.close()
  })

  it('killing the whole CLI (process group, SIGKILL) mid-run and restarting loses and duplicates nothing', async () => {
    // The reference: an uninterrupted run of the same cohort.
    const ref = openDb(join(dir, 'reference.sqlite'))
    await engineRun(ref, nodeWorkerFactory(), join(dir, 'cache-reference'))
    const expected = new Map(runs(ref).map((x) => [x.scan_id, stable(x.result_json)]))
    ref.close()
    expect(expected.size).toBe(N)
    const dbFile = join(dir, 'killed.sqlite')
    for (let round = 0; round < 2; round++) {
      const child = spawn(process.execPath, [CLI, 'process', root, '--db', dbFile, '--workers', '2'], { detached: true, stdio: 'ignore' })
      // Wait until some (not all) results are in, then kill CLI and workers at once.
      const db = openDb(dbFile)
      const deadline = Date.now() + 60_000
      for (;;) {
        const done = Number(db.prepare("SELECT count(*) FROM scans WHERE status = 'done'").pluck().get() ?? 0)
        if (done >= 1 + round * 2 || Date.now() > deadline) break
        await new Promise((ok) => setTimeout(ok, 20))
      }
      process.kill(-child.pid!, 'SIGKILL')
      await new Promise((ok) => child.once('exit', ok))
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      db.close()
    }
    const res = await ct(['process', root, '--db', dbFile, '--workers', '2'])
    expect(res.code, res.stderr).toBe(0)
    const db = openDb(dbFile)
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    const got = runs(db).filter((x) => x.status === 'done')
    expect(got.map((x) => x.scan_id).sort()).toEqual([...expected.keys()].sort())
    for (const x of got) expect(stable(x.result_json)).toEqual(expected.get(x.scan_id))
    expect(db.prepare("SELECT count(*) FROM scans WHERE status != 'done'").pluck().get()).toBe(0)
    // No half-written volume was ever renamed into place.
    const cache = `${dbFile}.cache`
    for (const scan of readdirSync(cache)) {
      for (const job of readdirSync(join(cache, scan))) {
        for (const f of readdirSync(join(cache, scan, job))) expect(f).toMatch(/\.npy$|\.bits$|^surface_\w+\.bin$|^hu_counts\.bin$|\.tmp-|^preview\.png$/)
      }
    }
    db.close()
  })
})
