/**
 * The cache as `process` leaves it and `cache --prune` trims it: real phantom DICOM, the real
 * CLI in child processes, the real SQLite file and run folders.
 */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { readMask } from '../src/main/cache/volumes'
import { writeNpy } from '../src/main/io/npy'
import { writePhantomSeries } from '../src/main/phantom'
import { openDb } from '../src/main/store/db'
import { ct } from './helpers/cli'
import { tempDir } from './helpers/tmp'

interface Usage {
  totalBytes: number
  byKind: Record<string, number>
  byStatus: Record<string, number>
  processedScans: number
  ratio: number | null
  pruned?: { files: number; bytes: number; runs: number; packed: number; linked: number }
}

describe('ct-curator cache', () => {
  const dir = tempDir()
  const root = join(dir, 'cohort')
  const db = join(dir, 'c.sqlite')
  const usage = async (...extra: string[]): Promise<Usage> => {
    const r = await ct(['cache', '--db', db, '--json', ...extra])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    return JSON.parse(r.stdout) as Usage
  }
  const runsOf = (folder: string) => {
    const d = openDb(db)
    const rows = d
      .prepare('SELECT r.id, r.cache_dir, r.result_json, s.current_run_id FROM runs r JOIN scans s ON s.id = r.scan_id WHERE s.folder = ? ORDER BY r.id')
      .all(folder) as Array<{ id: number; cache_dir: string | null; result_json: string; current_run_id: number }>
    d.close()
    return rows
  }

  beforeAll(async () => {
    for (const [i, name] of ['p1', 'p2', 'p3'].entries()) {
      await writePhantomSeries(join(root, name), { rows: 96, cols: 96, slices: 40, sliceSpacing: 5, pixelSpacing: 3, seed: 140 + i, patientId: name.toUpperCase() })
    }
    const r = await ct(['process', root, '--db', db, '--workers', '2'])
    expect(r.code, r.stderr).toBe(0)
  }, 300_000)

  it('keeps the resampled volume and packed masks, no hu.npy: at most 1.2 × the int16 volume', async () => {
    for (const folder of ['p1', 'p2', 'p3']) {
      const [run] = runsOf(folder)
      const files = readdirSync(run!.cache_dir!).sort()
      expect(files).toContain('resampled.npy')
      expect(files).toContain('mask_fill.bits')
      expect(files).toContain('mask_nofill.bits')
      expect(files).not.toContain('hu.npy')
      expect(files.filter((f) => f.startsWith('mask_') && f.endsWith('.npy'))).toEqual([])
    }
    const u = await usage()
    expect(u.processedScans).toBe(3)
    expect(u.byKind.hu).toBe(0)
    expect(u.byKind.mask).toBeGreaterThan(0)
    expect(u.byKind.mask).toBeLessThan(u.byKind.resampled! / 20)
    expect(u.ratio).toBeGreaterThan(1)
    expect(u.ratio).toBeLessThanOrEqual(1.2)
    expect(u.byStatus).toMatchObject({ superseded: 0, failed: 0, gone: 0 })
  })

  it('--keep-hu keeps the unresampled volume', async () => {
    const other = join(dir, 'keep.sqlite')
    const r = await ct(['process', join(root), '--db', other, '--workers', '1', '--keep-hu'])
    expect(r.code, r.stderr).toBe(0)
    const d = openDb(other)
    const dirs = d.prepare('SELECT cache_dir FROM runs').pluck().all() as string[]
    d.close()
    for (const c of dirs) expect(readdirSync(c)).toContain('hu.npy')
  }, 300_000)

  it('prune: superseded runs go, the compared run keeps its masks and shares the volume, a gone scan goes', async () => {
    // p1 retried twice: its first run is superseded, the second is what the third is compared with.
    for (const mm of ['2', '3']) {
      expect((await ct(['retry', 'p1', '--db', db, '--closing-mm', mm])).code).toBe(0)
      expect((await ct(['process', root, '--db', db, '--workers', '1'])).code).toBe(0)
    }
    const [first, second, third] = runsOf('p1')
    expect(third!.current_run_id).toBe(third!.id)
    // p3 leaves the tree: a rescan drops its scan, its folder stays behind until pruned (or
    // until the next `process` sweeps folders no run points to).
    const p3Dir = runsOf('p3')[0]!.cache_dir!
    rmSync(join(root, 'p3'), { recursive: true })
    expect((await ct(['scan', root, '--db', db])).code).toBe(0)
    const before = await usage()
    expect(before.byStatus.superseded).toBeGreaterThan(0)
    expect(before.byStatus.previous).toBeGreaterThan(0)
    expect(before.byStatus.gone).toBeGreaterThan(0)
    const fillBefore = await readMask(second!.cache_dir!, 'fill')

    const after = await usage('--prune')
    expect(after.pruned!.runs).toBe(1)
    expect(after.pruned!.linked).toBe(1)
    expect(after.byStatus).toMatchObject({ superseded: 0, gone: 0, failed: 0, temp: 0 })
    expect(after.totalBytes).toBeLessThan(before.totalBytes)
    expect(existsSync(first!.cache_dir!)).toBe(false)
    expect(existsSync(p3Dir)).toBe(false)
    expect(runsOf('p1')[0]!.cache_dir).toBeNull()
    // The compared run: same mask as before, its volume one file with the current run's.
    expect(Buffer.from((await readMask(second!.cache_dir!, 'fill')).data).equals(Buffer.from(fillBefore.data))).toBe(true)
    expect(statSync(join(second!.cache_dir!, 'resampled.npy')).ino).toBe(statSync(join(third!.cache_dir!, 'resampled.npy')).ino)
    // Nothing the runs list is missing: the next run recomputes nothing.
    const again = await ct(['process', root, '--db', db])
    expect(again.stdout).toMatch(/Done: 0 processed, 0 failed/)
    expect(again.stdout).not.toMatch(/recomputed/)
    // Pruning again finds nothing.
    expect((await usage('--prune')).pruned).toMatchObject({ files: 0, runs: 0, packed: 0, linked: 0 })
  }, 600_000)

  it('a run written before packing still opens, and prune packs it once, in step with the database', async () => {
    const [run] = runsOf('p2')
    const cache = run!.cache_dir!
    // Rebuild the old layout: uint8 .npy masks and hu.npy, listed in the run's outputs.
    const outputs: Array<{ name: string; fileBytes: number }> = []
    for (const kind of ['fill', 'nofill'] as const) {
      const m = await readMask(cache, kind)
      await writeNpy(join(cache, `mask_${kind}.npy`), m.data, m.shape)
      await unlink(join(cache, `mask_${kind}.bits`))
      outputs.push({ name: `mask_${kind}.npy`, fileBytes: statSync(join(cache, `mask_${kind}.npy`)).size })
    }
    writeFileSync(join(cache, 'hu.npy'), Buffer.alloc(4096))
    outputs.push({ name: 'hu.npy', fileBytes: 4096 })
    const result = JSON.parse(run!.result_json) as { outputs: Array<{ name: string; fileBytes: number }> }
    result.outputs = [...result.outputs.filter((o) => !/^mask_(fill|nofill)\.bits$/.test(o.name)), ...outputs]
    const d = openDb(db)
    d.prepare('UPDATE runs SET result_json = ? WHERE id = ?').run(JSON.stringify(result), run!.id)
    d.close()
    const oldFill = await readMask(cache, 'fill')
    expect((await usage()).byKind.hu).toBe(4096)

    const pruned = (await usage('--prune')).pruned!
    expect(pruned.packed).toBe(2)
    // The folder holds exactly what the run lists: packed masks back, the old files gone.
    const listed = (JSON.parse(runsOf('p2')[0]!.result_json) as typeof result).outputs.map((o) => o.name).sort()
    expect(readdirSync(cache).sort()).toEqual(listed)
    expect(listed).toEqual(expect.arrayContaining(['mask_fill.bits', 'mask_nofill.bits', 'resampled.npy']))
    expect(listed.filter((n) => n === 'hu.npy' || /^mask_.*\.npy$/.test(n))).toEqual([])
    expect(Buffer.from((await readMask(cache, 'fill')).data).equals(Buffer.from(oldFill.data))).toBe(true)
    const again = await ct(['process', root, '--db', db])
    expect(again.stdout).toMatch(/Done: 0 processed/)
  }, 300_000)

  it('refuses a database that does not exist instead of creating one', async () => {
    const r = await ct(['cache', '--db', join(dir, 'typo.sqlite')])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/NOT_FOUND/)
    expect(existsSync(join(dir, 'typo.sqlite'))).toBe(false)
  })
})
